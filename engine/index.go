package engine

import "encoding/binary"

// idIndex maps (owner, ClOrdID) to a live order or to a history slot. It is an
// open-addressing table with linear probing and backward-shift deletion (no
// tombstones), sized at construction for every live order plus the whole history at
// a load factor of at most 1/2, so it never grows and never fills. Entries are 8
// bytes: the key itself lives in the order or in the history ring, which keeps the
// table dense in cache.
type idIndex struct {
	slots []idSlot
	mask  uint64
	count int
}

type idSlot struct {
	tag uint32 // low 32 bits of the key's hash; its home slot is tag & mask
	ref int32  // >= 0: order index; < 0 and != emptyRef: history slot -ref-1
}

const emptyRef int32 = -1 << 31

func histRef(slot int32) int32 { return -slot - 1 }

func newIDIndex(entries int) idIndex {
	n := uint64(16)
	for n < uint64(entries)*2 {
		n <<= 1
	}
	s := make([]idSlot, n)
	for i := range s {
		s[i].ref = emptyRef
	}
	return idIndex{slots: s, mask: n - 1}
}

// hashKey mixes the owner and the used bytes of the ID (the padding is zero).
func hashKey(owner uint32, id *ID) uint64 {
	h := uint64(owner)<<8 ^ uint64(id.N) ^ 0x9E3779B97F4A7C15
	n := int(id.N)
	b := id.B[:]
	for i := 0; i < n; i += 8 {
		var w uint64
		if i+8 <= len(b) {
			w = binary.LittleEndian.Uint64(b[i:])
		} else {
			w = uint64(binary.LittleEndian.Uint32(b[i:])) | uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48
		}
		h ^= w
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 31
	}
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	return h
}

// keyAt reports whether the entry's referenced key equals (owner, id).
func (e *Engine) keyMatches(ref int32, owner uint32, id *ID) bool {
	if ref >= 0 {
		o := &e.orders[ref]
		return o.owner == owner && o.id == *id
	}
	h := &e.hist[-ref-1]
	return h.Owner == owner && h.ClOrdID == *id
}

// find returns the table position of (owner, id), or -1.
func (e *Engine) find(owner uint32, id *ID) int {
	x := &e.index
	h := hashKey(owner, id)
	tag := uint32(h)
	for i := uint64(tag) & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s.ref == emptyRef {
			return -1
		}
		if s.tag == tag && e.keyMatches(s.ref, owner, id) {
			return int(i)
		}
	}
}

// insert adds a key known to be absent.
func (e *Engine) insert(owner uint32, id *ID, ref int32) {
	x := &e.index
	tag := uint32(hashKey(owner, id))
	i := uint64(tag) & x.mask
	for x.slots[i].ref != emptyRef {
		i = (i + 1) & x.mask
	}
	x.slots[i] = idSlot{tag: tag, ref: ref}
	x.count++
}

// remove deletes the entry at position i, shifting later entries of the probe run
// back so that lookups never need tombstones.
func (x *idIndex) remove(i int) {
	pos := uint64(i)
	for {
		x.slots[pos].ref = emptyRef
		j := pos
		for {
			j = (j + 1) & x.mask
			s := x.slots[j]
			if s.ref == emptyRef {
				x.count--
				return
			}
			home := uint64(s.tag) & x.mask
			// Move s back into the hole unless its home lies cyclically in (pos, j].
			if (j > pos && (home <= pos || home > j)) || (j < pos && home <= pos && home > j) {
				x.slots[pos] = s
				pos = j
				break
			}
		}
	}
}
