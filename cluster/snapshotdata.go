package cluster

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/openmatch/matchd/engine"
)

// The data of a raft snapshot (its raft-<index>.snap file, the MsgSnap a
// follower receives) is what the Applier's AppendSnapshot wrote, in one of
// two forms: EngineApplier's, the engine snapshot itself
// (engine.AppendSnapshot); or the pipeline's cluster snapshot, the engine
// snapshot wrapped with the state the pipeline keeps beside the books as of
// the snapshot's index (SnapshotMeta), all integers little-endian:
//
//	"MDCS" | version u16 (1) | 0 u16 |
//	last seq u64 | last time i64 |                   the sequencer continues from them
//	leader node u64 | addr len u16 | addr |          the last leader item applied (node 0: none)
//	members u32 | (id u64 | addr len u16 | addr)...  the raft address of every member
//	engine snapshot len u64 | engine snapshot
//
// The magic tells them apart: an engine snapshot begins with its own
// ("MESN"). RestoreEngine, used by EngineApplier.Restore and the journal
// reader (OpenJournal, which replay uses), reads both; AppendSnapshotData and
// DecodeSnapshotData are the one codec of the wrapper (the pipeline writes and
// reads its snapshots with them).
const (
	snapDataMagic   = "MDCS"
	snapDataVersion = 1
)

// SnapshotMeta is what a cluster snapshot carries beside the engine.
type SnapshotMeta struct {
	// LastSeq and LastTime are the last command's, for the sequencer.
	LastSeq  uint64
	LastTime int64
	// Leader and LeaderFIX are the last leader item applied (0: none).
	Leader    uint64
	LeaderFIX string
	// Members maps each member's node ID to its raft address.
	Members map[uint64]string
}

// AppendSnapshotData appends a cluster snapshot of m and the engine snapshot
// engineSnap appends (engine.AppendSnapshot) to dst.
func AppendSnapshotData(dst []byte, m *SnapshotMeta, engineSnap func([]byte) []byte) []byte {
	le := binary.LittleEndian
	dst = append(dst, snapDataMagic...)
	dst = le.AppendUint16(dst, snapDataVersion)
	dst = le.AppendUint16(dst, 0)
	dst = le.AppendUint64(dst, m.LastSeq)
	dst = le.AppendUint64(dst, uint64(m.LastTime))
	dst = le.AppendUint64(dst, m.Leader)
	dst = appendStr16(dst, m.LeaderFIX)
	ids := make([]uint64, 0, len(m.Members))
	for id := range m.Members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	dst = le.AppendUint32(dst, uint32(len(ids)))
	for _, id := range ids {
		dst = le.AppendUint64(dst, id)
		dst = appendStr16(dst, m.Members[id])
	}
	at := len(dst)
	dst = le.AppendUint64(dst, 0)
	dst = engineSnap(dst)
	le.PutUint64(dst[at:], uint64(len(dst)-at-8))
	return dst
}

func appendStr16(dst []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// IsSnapshotData reports whether data is a cluster snapshot (the wrapper)
// rather than a bare engine snapshot.
func IsSnapshotData(data []byte) bool {
	return len(data) >= len(snapDataMagic) && string(data[:len(snapDataMagic)]) == snapDataMagic
}

// DecodeSnapshotData splits a cluster snapshot into its SnapshotMeta and the
// engine snapshot (aliasing data); index names the snapshot in errors.
func DecodeSnapshotData(index uint64, data []byte) (SnapshotMeta, []byte, error) {
	var m SnapshotMeta
	if !IsSnapshotData(data) {
		return m, nil, fmt.Errorf("cluster: raft snapshot at index %d is not a cluster snapshot (bad magic)", index)
	}
	d := snapDecoder{b: data, off: len(snapDataMagic)}
	if v := d.u16(); d.err == nil && v != snapDataVersion {
		return m, nil, fmt.Errorf("cluster: raft snapshot at index %d has version %d, want %d", index, v, snapDataVersion)
	}
	d.u16()
	m.LastSeq = d.u64()
	m.LastTime = int64(d.u64())
	m.Leader = d.u64()
	m.LeaderFIX = string(d.take(int(d.u16())))
	n := d.u32()
	if d.err == nil && uint64(n) > uint64(len(d.b)-d.off)/10 {
		return m, nil, fmt.Errorf("cluster: raft snapshot at index %d: %d members do not fit in %d bytes", index, n, len(d.b)-d.off)
	}
	m.Members = make(map[uint64]string, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		id := d.u64()
		m.Members[id] = string(d.take(int(d.u16())))
	}
	elen := d.u64()
	if d.err != nil {
		return m, nil, fmt.Errorf("cluster: raft snapshot at index %d: %v", index, d.err)
	}
	if elen != uint64(len(d.b)-d.off) {
		return m, nil, fmt.Errorf("cluster: raft snapshot at index %d: engine snapshot of %d bytes, %d left at byte %d", index, elen, len(d.b)-d.off, d.off)
	}
	return m, d.b[d.off:], nil
}

type snapDecoder struct {
	b   []byte
	off int
	err error
}

func (d *snapDecoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = fmt.Errorf("truncated at byte %d (%d bytes wanted, %d left)", d.off, n, len(d.b)-d.off)
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *snapDecoder) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *snapDecoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *snapDecoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// RestoreEngine rebuilds the engine from the data of a raft snapshot at raft
// index index, in either form (a cluster snapshot or a bare engine
// snapshot). It is the one decoder of that data for the engine:
// EngineApplier.Restore and the journal reader (OpenJournal, used by replay)
// both call it.
func RestoreEngine(cfg engine.Config, index uint64, data []byte) (*engine.Engine, error) {
	if IsSnapshotData(data) {
		_, es, err := DecodeSnapshotData(index, data)
		if err != nil {
			return nil, err
		}
		data = es
	}
	eng, err := engine.Restore(cfg, data)
	if err != nil {
		return nil, fmt.Errorf("cluster: restoring the snapshot at raft index %d: %w", index, err)
	}
	return eng, nil
}
