package engine

import "math/bits"

// bitset is a hierarchical occupancy bitmap over a symbol's price band: lv[0] has
// one bit per tick, lv[k+1] one bit per non-zero word of lv[k]. next and prev find
// the nearest occupied price in O(levels) word operations, so the best price after
// a level empties is found without scanning the band.
type bitset struct {
	lv [][]uint64
}

func newBitset(n int) bitset {
	var b bitset
	for {
		words := (n + 63) / 64
		b.lv = append(b.lv, make([]uint64, words))
		if words == 1 {
			return b
		}
		n = words
	}
}

func (b *bitset) set(i int64) {
	for k := range b.lv {
		w := i >> 6
		old := b.lv[k][w]
		b.lv[k][w] = old | 1<<(uint64(i)&63)
		if old != 0 {
			return
		}
		i = w
	}
}

func (b *bitset) clear(i int64) {
	for k := range b.lv {
		w := i >> 6
		v := b.lv[k][w] &^ (1 << (uint64(i) & 63))
		b.lv[k][w] = v
		if v != 0 {
			return
		}
		i = w
	}
}

func (b *bitset) has(i int64) bool { return b.lv[0][i>>6]&(1<<(uint64(i)&63)) != 0 }

// next returns the smallest set index >= i, or -1.
func (b *bitset) next(i int64) int64 {
	if i < 0 {
		i = 0
	}
	k := 0
	for {
		if k == len(b.lv) {
			return -1
		}
		words := b.lv[k]
		w := i >> 6
		if w >= int64(len(words)) {
			return -1
		}
		m := words[w] & (^uint64(0) << (uint64(i) & 63))
		if m != 0 {
			i = w<<6 | int64(bits.TrailingZeros64(m))
			break
		}
		// Nothing left in this word: continue from the next word, one level up.
		i = w + 1
		k++
	}
	// Descend to the lowest set bit under i.
	for k > 0 {
		k--
		i = i<<6 | int64(bits.TrailingZeros64(b.lv[k][i]))
	}
	return i
}

// prev returns the largest set index <= i, or -1.
func (b *bitset) prev(i int64) int64 {
	k := 0
	for {
		if i < 0 || k == len(b.lv) {
			return -1
		}
		words := b.lv[k]
		w := i >> 6
		if w >= int64(len(words)) {
			w = int64(len(words)) - 1
			i = w<<6 | 63
		}
		m := words[w] & (^uint64(0) >> (63 - uint64(i)&63))
		if m != 0 {
			i = w<<6 | int64(63-bits.LeadingZeros64(m))
			break
		}
		i = w - 1
		k++
	}
	for k > 0 {
		k--
		i = i<<6 | int64(63-bits.LeadingZeros64(b.lv[k][i]))
	}
	return i
}
