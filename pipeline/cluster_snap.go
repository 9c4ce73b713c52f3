package pipeline

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// A cluster node's raft snapshot Data (its raft-<index>.snap file, and the
// MsgSnap a follower receives) is the engine snapshot plus what the pipeline
// needs beside the books, all as of the raft index of the snapshot:
//
//	"MDCS" | version u16 (1) | 0 u16 |
//	last seq u64 | last time i64 |            the sequencer continues from them
//	leader node u64 | addr len u16 | addr |   the last leader item applied (node 0: none)
//	members u32 | (id u64 | addr len u16 | addr)... the raft address of every member
//	engine snapshot len u64 | engine snapshot (engine.AppendSnapshot)
//
// All integers little-endian. The raft snapshot file carries its own CRC
// (package cluster/raftlog), the engine snapshot its own checks.
const (
	clusterSnapMagic   = "MDCS"
	clusterSnapVersion = 1
)

// clusterMeta is the pipeline state a cluster snapshot carries beside the
// engine.
type clusterMeta struct {
	lastSeq   uint64
	lastTime  int64
	leader    uint64
	leaderFIX string
	members   map[uint64]string
}

func appendClusterSnapshot(dst []byte, m *clusterMeta, engineSnap func([]byte) []byte) []byte {
	dst = append(dst, clusterSnapMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, clusterSnapVersion)
	dst = binary.LittleEndian.AppendUint16(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, m.lastSeq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(m.lastTime))
	dst = binary.LittleEndian.AppendUint64(dst, m.leader)
	dst = appendStr16(dst, m.leaderFIX)
	ids := make([]uint64, 0, len(m.members))
	for id := range m.members {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(ids)))
	for _, id := range ids {
		dst = binary.LittleEndian.AppendUint64(dst, id)
		dst = appendStr16(dst, m.members[id])
	}
	at := len(dst)
	dst = binary.LittleEndian.AppendUint64(dst, 0)
	dst = engineSnap(dst)
	binary.LittleEndian.PutUint64(dst[at:], uint64(len(dst)-at-8))
	return dst
}

func appendStr16(dst []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// decodeClusterSnapshot splits a cluster snapshot into its pipeline state and
// the engine snapshot (aliasing data). index names the snapshot in errors.
func decodeClusterSnapshot(index uint64, data []byte) (clusterMeta, []byte, error) {
	var m clusterMeta
	d := snapDecoder{b: data}
	if string(d.take(4)) != clusterSnapMagic {
		return m, nil, fmt.Errorf("pipeline: raft snapshot at index %d is not a cluster snapshot (bad magic)", index)
	}
	if v := d.u16(); v != clusterSnapVersion {
		return m, nil, fmt.Errorf("pipeline: raft snapshot at index %d has version %d, want %d", index, v, clusterSnapVersion)
	}
	d.u16()
	m.lastSeq = d.u64()
	m.lastTime = int64(d.u64())
	m.leader = d.u64()
	m.leaderFIX = string(d.take(int(d.u16())))
	n := d.u32()
	if d.err == nil && uint64(n) > uint64(len(d.b)-d.off)/10 {
		return m, nil, fmt.Errorf("pipeline: raft snapshot at index %d: %d members do not fit in %d bytes", index, n, len(d.b)-d.off)
	}
	m.members = make(map[uint64]string, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		id := d.u64()
		m.members[id] = string(d.take(int(d.u16())))
	}
	elen := d.u64()
	if d.err == nil && elen != uint64(len(d.b)-d.off) {
		return m, nil, fmt.Errorf("pipeline: raft snapshot at index %d: engine snapshot of %d bytes, %d left at byte %d", index, elen, len(d.b)-d.off, d.off)
	}
	if d.err != nil {
		return m, nil, fmt.Errorf("pipeline: raft snapshot at index %d: %v", index, d.err)
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
