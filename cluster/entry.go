package cluster

import (
	"encoding/binary"
	"strconv"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
)

// ItemKind is the first byte of an item of an entry (decision 3).
type ItemKind uint8

// Item kinds.
const (
	// ItemCommand carries one engine.Command in engine.AppendCommand's encoding.
	ItemCommand ItemKind = 1
	// ItemCheckpoint carries seq and state hash in datadir.AppendCheckpoint's
	// encoding: the state hash the proposer's engine had right after seq.
	ItemCheckpoint ItemKind = 2
	// ItemLeader carries the node ID (u64, little-endian) and the advertised
	// FIX host:port (the rest of the payload, at most MaxLeaderAddr bytes) of a
	// leader that started serving: the first proposal of each serving term
	// holds one (wave 2 decision 4). It never reaches the engine.
	ItemLeader ItemKind = 3
)

// MaxLeaderAddr bounds the FIX address of an ItemLeader.
const MaxLeaderAddr = 255

// AppendLeader appends a leader item (node, its FIX address) to an entry being
// built in dst. An address longer than MaxLeaderAddr is cut to it (callers
// check it first: see the pipeline's ClusterOptions).
func AppendLeader(dst []byte, node uint64, fixAddr string) []byte {
	if len(fixAddr) > MaxLeaderAddr {
		fixAddr = fixAddr[:MaxLeaderAddr]
	}
	dst = append(dst, byte(ItemLeader))
	dst = binary.AppendUvarint(dst, uint64(8+len(fixAddr)))
	dst = binary.LittleEndian.AppendUint64(dst, node)
	return append(dst, fixAddr...)
}

// AppendCommand appends c to an entry being built in dst, as one command item.
func AppendCommand(dst []byte, c *engine.Command) []byte {
	dst = append(dst, byte(ItemCommand))
	dst = binary.AppendUvarint(dst, engine.CommandSize)
	return engine.AppendCommand(dst, c)
}

// AppendCheckpoint appends a checkpoint item (the state hash after seq) to an
// entry being built in dst.
func AppendCheckpoint(dst []byte, seq, stateHash uint64) []byte {
	dst = append(dst, byte(ItemCheckpoint))
	dst = binary.AppendUvarint(dst, datadir.CheckpointSize)
	return datadir.AppendCheckpoint(dst, seq, stateHash)
}

// EntryError is a malformed entry: what is wrong and the byte offset, in the
// entry's data, of the item (or field) where it was found.
type EntryError struct {
	// Index is the raft index of the entry, when known (EngineApplier sets it;
	// Items does not know it).
	Index uint64
	// Offset is the position in the entry's data.
	Offset int
	// Reason says what is wrong there.
	Reason string
}

// Error implements error.
func (e *EntryError) Error() string {
	at := "cluster: malformed entry at "
	if e.Index != 0 {
		at += "raft index " + strconv.FormatUint(e.Index, 10) + ", "
	}
	return at + "byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Items iterates over the items of one entry's data without allocating (only a
// malformed entry allocates, for its error). The zero value iterates over an
// empty entry; Reset starts on another one.
//
//	var it cluster.Items
//	it.Reset(data)
//	for it.Next() {
//		switch it.Kind() { ... }
//	}
//	if err := it.Err(); err != nil { ... }
type Items struct {
	data    []byte
	next    int // offset of the next item
	at      int // offset of the current item
	kind    ItemKind
	payload []byte
	err     error
}

// Reset makes it iterate over data from the start.
func (it *Items) Reset(data []byte) {
	*it = Items{data: data}
}

// Next moves to the next item, reporting false at the end of the entry or on a
// malformed item (then Err says what is wrong and where). It checks the framing
// and that a known kind's payload has that kind's size.
func (it *Items) Next() bool {
	if it.err != nil || it.next >= len(it.data) {
		return false
	}
	at := it.next
	kind := ItemKind(it.data[at])
	var want, most uint64
	switch kind {
	case ItemCommand:
		want = engine.CommandSize
	case ItemCheckpoint:
		want = datadir.CheckpointSize
	case ItemLeader:
		want, most = 8, 8+MaxLeaderAddr
	default:
		return it.fail(at, "unknown item kind "+strconv.Itoa(int(kind)))
	}
	n, w := binary.Uvarint(it.data[at+1:])
	if w <= 0 {
		return it.fail(at+1, "bad item length (truncated or overflowing uvarint)")
	}
	p := at + 1 + w
	if most == 0 && n != want {
		return it.fail(at+1, "item of kind "+strconv.Itoa(int(kind))+" has length "+
			strconv.FormatUint(n, 10)+", want "+strconv.FormatUint(want, 10))
	}
	if most != 0 && (n < want || n > most) {
		return it.fail(at+1, "item of kind "+strconv.Itoa(int(kind))+" has length "+
			strconv.FormatUint(n, 10)+", want "+strconv.FormatUint(want, 10)+" to "+strconv.FormatUint(most, 10))
	}
	if n > uint64(len(it.data)-p) {
		return it.fail(at+1, "item length "+strconv.FormatUint(n, 10)+" runs past the end of the entry ("+
			strconv.Itoa(len(it.data)-p)+" bytes left)")
	}
	it.at, it.kind, it.payload, it.next = at, kind, it.data[p:p+int(n)], p+int(n)
	return true
}

func (it *Items) fail(off int, reason string) bool {
	it.err = &EntryError{Offset: off, Reason: reason}
	it.kind, it.payload = 0, nil
	return false
}

// Kind is the current item's kind.
func (it *Items) Kind() ItemKind { return it.kind }

// Payload is the current item's payload; it aliases the entry's data.
func (it *Items) Payload() []byte { return it.payload }

// Offset is the byte offset of the current item in the entry's data.
func (it *Items) Offset() int { return it.at }

// Err is the *EntryError that stopped Next, or nil at the end of a well-formed
// entry.
func (it *Items) Err() error { return it.err }

// Command decodes the current item, which must be an ItemCommand, into c. A
// command that engine.DecodeCommand refuses is an *EntryError at the item's
// offset (and stops the iteration).
func (it *Items) Command(c *engine.Command) error {
	if it.kind != ItemCommand {
		it.fail(it.at, "not a command item")
		return it.err
	}
	if err := engine.DecodeCommand(it.payload, c); err != nil {
		it.fail(it.at, err.Error())
		return it.err
	}
	return nil
}

// Checkpoint decodes the current item, which must be an ItemCheckpoint (Next
// checked its size): the seq and the proposer's state hash after it. ok is
// false on any other item.
func (it *Items) Checkpoint() (seq, stateHash uint64, ok bool) {
	if it.kind != ItemCheckpoint {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint64(it.payload), binary.LittleEndian.Uint64(it.payload[8:]), true
}

// Leader decodes the current item, which must be an ItemLeader (Next checked
// its size): the leader's node ID and its FIX address (aliasing the entry's
// data). ok is false on any other item.
func (it *Items) Leader() (node uint64, fixAddr []byte, ok bool) {
	if it.kind != ItemLeader {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint64(it.payload), it.payload[8:], true
}
