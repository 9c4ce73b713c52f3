package raftlog

// The cases of go.etcd.io/raft/v3's storage_test.go (MemoryStorage), run
// against a Log. Where MemoryStorage panics (an index beyond the last), the
// Log returns an error. Each case that changes the log also reopens it and
// checks that the journal reads back to the same state.

import (
	"errors"
	"math"
	"slices"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func TestStorageTerm(t *testing.T) {
	ents := index(3).terms(3, 4, 5)
	tests := []struct {
		i     uint64
		werr  error
		wterm uint64
	}{
		{2, raft.ErrCompacted, 0},
		{3, nil, 3},
		{4, nil, 4},
		{5, nil, 5},
		{6, raft.ErrUnavailable, 0},
	}
	for _, tt := range tests {
		l := logAt(t, newDirs(t), ents)
		term, err := l.Term(tt.i)
		if err != tt.werr || term != tt.wterm {
			t.Errorf("Term(%d) = %d, %v; want %d, %v", tt.i, term, err, tt.wterm, tt.werr)
		}
		l.Close()
	}
}

func TestStorageEntries(t *testing.T) {
	ents := index(3).terms(3, 4, 5, 6)
	size := func(e *pb.Entry) uint64 { return uint64(proto.Size(e)) }
	tests := []struct {
		lo, hi, maxsize uint64
		werr            error
		wentries        []*pb.Entry
	}{
		{2, 6, math.MaxUint64, raft.ErrCompacted, nil},
		{3, 4, math.MaxUint64, raft.ErrCompacted, nil},
		{4, 5, math.MaxUint64, nil, ents[1:2]},
		{4, 6, math.MaxUint64, nil, ents[1:3]},
		{4, 7, math.MaxUint64, nil, ents[1:4]},
		// even if maxsize is zero, the first entry is returned
		{4, 7, 0, nil, ents[1:2]},
		// limit to 2
		{4, 7, size(ents[1]) + size(ents[2]), nil, ents[1:3]},
		{4, 7, size(ents[1]) + size(ents[2]) + size(ents[3])/2, nil, ents[1:3]},
		{4, 7, size(ents[1]) + size(ents[2]) + size(ents[3]) - 1, nil, ents[1:3]},
		// all
		{4, 7, size(ents[1]) + size(ents[2]) + size(ents[3]), nil, ents[1:4]},
		// beyond the last index: MemoryStorage panics
		{4, 8, math.MaxUint64, raft.ErrUnavailable, nil},
	}
	d := newDirs(t)
	l := logAt(t, d, ents)
	for pass := 0; pass < 2; pass++ {
		for _, tt := range tests {
			got, err := l.Entries(tt.lo, tt.hi, tt.maxsize)
			if err != tt.werr || !equalEntries(got, tt.wentries) {
				t.Errorf("pass %d: Entries(%d, %d, %d) = %v, %v; want %v, %v", pass, tt.lo, tt.hi, tt.maxsize,
					pairs(got), err, pairs(tt.wentries), tt.werr)
			}
		}
		// The sizes after a reopen are the encoded lengths read back.
		l, _ = reopen(t, l, d)
	}
	l.Close()
}

// TestStorageEntriesAppendSafe checks that a caller appending to a slice
// Entries returned cannot change the log (the full slice expression).
func TestStorageEntriesAppendSafe(t *testing.T) {
	l := logAt(t, newDirs(t), index(3).terms(3, 4, 5, 6))
	defer l.Close()
	got, err := l.Entries(4, 6, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(got, index(6).terms(9)...)
	if term, _ := l.Term(6); term != 6 {
		t.Fatalf("append to the returned slice changed entry 6 to term %d", term)
	}
}

func TestStorageLastIndex(t *testing.T) {
	d := newDirs(t)
	l := logAt(t, d, index(3).terms(3, 4, 5))
	if last, err := l.LastIndex(); err != nil || last != 5 {
		t.Fatalf("LastIndex = %d, %v; want 5", last, err)
	}
	if err := l.Save(nil, index(6).terms(5)); err != nil {
		t.Fatal(err)
	}
	if last, err := l.LastIndex(); err != nil || last != 6 {
		t.Fatalf("LastIndex = %d, %v; want 6", last, err)
	}
	l, _ = reopen(t, l, d)
	defer l.Close()
	if last, err := l.LastIndex(); err != nil || last != 6 {
		t.Fatalf("after reopen LastIndex = %d, %v; want 6", last, err)
	}
}

func TestStorageFirstIndex(t *testing.T) {
	d := newDirs(t)
	l := logAt(t, d, index(3).terms(3, 4, 5))
	if first, err := l.FirstIndex(); err != nil || first != 4 {
		t.Fatalf("FirstIndex = %d, %v; want 4", first, err)
	}
	if err := l.Compact(4); err != nil {
		t.Fatal(err)
	}
	if first, err := l.FirstIndex(); err != nil || first != 5 {
		t.Fatalf("FirstIndex = %d, %v; want 5", first, err)
	}
	// Compaction is in memory only: a reopen starts after the snapshot.
	l, _ = reopen(t, l, d)
	defer l.Close()
	if first, err := l.FirstIndex(); err != nil || first != 4 {
		t.Fatalf("after reopen FirstIndex = %d, %v; want 4 (the snapshot's index + 1)", first, err)
	}
}

func TestStorageCompact(t *testing.T) {
	ents := index(3).terms(3, 4, 5)
	tests := []struct {
		i      uint64
		werr   error
		windex uint64
		wterm  uint64
		wlen   int
	}{
		{2, raft.ErrCompacted, 3, 3, 3},
		{3, raft.ErrCompacted, 3, 3, 3},
		{4, nil, 4, 4, 2},
		{5, nil, 5, 5, 1},
	}
	for _, tt := range tests {
		l := logAt(t, newDirs(t), ents)
		if err := l.Compact(tt.i); err != tt.werr {
			t.Errorf("Compact(%d) = %v, want %v", tt.i, err, tt.werr)
		}
		got := termsOf(t, l)
		want := pairs(index(tt.windex).terms(tt.wterm))
		if len(got) != tt.wlen || got[0] != want[0] {
			t.Errorf("Compact(%d): log %v, want %d entries from %v", tt.i, got, tt.wlen, want[0])
		}
		l.Close()
	}
	// Beyond the last index: MemoryStorage panics, the Log refuses.
	l := logAt(t, newDirs(t), ents)
	defer l.Close()
	if err := l.Compact(6); err == nil {
		t.Fatal("Compact(6) beyond the last index 5 succeeded")
	}
}

func TestStorageCreateSnapshot(t *testing.T) {
	ents := index(3).terms(3, 4, 5)
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	data := []byte("data")
	for _, i := range []uint64{4, 5} {
		d := newDirs(t)
		l := logAt(t, d, ents)
		snap, err := l.CreateSnapshot(i, cs, data)
		want := &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(i), Term: new(i), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}
		want = pb.EnsureSnapshot(want)
		pb.EnsureConfState(want.Metadata.ConfState)
		if err != nil || !proto.Equal(snap, want) {
			t.Fatalf("CreateSnapshot(%d) = %v, %v; want %v", i, snap, err, want)
		}
		if got, _ := l.Snapshot(); !proto.Equal(got, want) {
			t.Fatalf("Snapshot() = %v, want %v", got, want)
		}
		if _, err := l.CreateSnapshot(i, cs, data); err != raft.ErrSnapOutOfDate {
			t.Fatalf("CreateSnapshot(%d) again = %v, want ErrSnapOutOfDate", i, err)
		}
		before := state(t, l)
		l, rec := reopen(t, l, d)
		if got, _ := l.Snapshot(); !proto.Equal(got, want) {
			t.Fatalf("after reopen Snapshot() = %v, want %v", got, want)
		}
		if rec.Snapshot.Index != i || rec.Snapshot.Reset {
			t.Fatalf("Recovery.Snapshot = %+v, want index %d, not reset", rec.Snapshot, i)
		}
		// The log now starts after the new snapshot; the rest is the same.
		first, _ := l.FirstIndex()
		if first != i+1 {
			t.Fatalf("after reopen FirstIndex = %d, want %d", first, i+1)
		}
		if i == 5 && state(t, l) != "[5/5] hs(5,0,5) cs[1 2 3] snap(5,5,\"data\")" {
			t.Fatalf("after reopen %s (before %s)", state(t, l), before)
		}
		l.Close()
	}
	l := logAt(t, newDirs(t), ents)
	defer l.Close()
	if _, err := l.CreateSnapshot(6, cs, data); err == nil {
		t.Fatal("CreateSnapshot(6) beyond the last index 5 succeeded")
	}
}

func TestStorageAppend(t *testing.T) {
	ents := index(3).terms(3, 4, 5)
	tests := []struct {
		entries  []*pb.Entry
		wentries []*pb.Entry
	}{
		{index(1).terms(1, 2), index(3).terms(3, 4, 5)},
		{index(3).terms(3, 4, 5), index(3).terms(3, 4, 5)},
		{index(3).terms(3, 6, 6), index(3).terms(3, 6, 6)},
		{index(3).terms(3, 4, 5, 5), index(3).terms(3, 4, 5, 5)},
		// Truncate incoming entries, truncate the existing entries and append.
		{index(2).terms(3, 3, 5), index(3).terms(3, 5)},
		// Truncate the existing entries and append.
		{index(4).terms(5), index(3).terms(3, 5)},
		// Direct append.
		{index(6).terms(5), index(3).terms(3, 4, 5, 5)},
	}
	for _, tt := range tests {
		d := newDirs(t)
		l := logAt(t, d, ents)
		if err := l.Save(nil, tt.entries); err != nil {
			t.Fatalf("Save(%v): %v", pairs(tt.entries), err)
		}
		want := pairs(tt.wentries)
		if got := termsOf(t, l); !slices.Equal(got, want) {
			t.Errorf("Save(%v): log %v, want %v", pairs(tt.entries), got, want)
		}
		before := state(t, l)
		l, _ = reopen(t, l, d)
		if after := state(t, l); after != before {
			t.Errorf("Save(%v): reopened as %s, was %s", pairs(tt.entries), after, before)
		}
		l.Close()
	}
}

// TestSaveRefuses checks the input Save refuses before writing anything.
func TestSaveRefuses(t *testing.T) {
	d := newDirs(t)
	l := logAt(t, d, index(3).terms(3, 4, 5))
	before := state(t, l)
	for _, c := range []struct {
		name string
		f    func() error
	}{
		{"gap", func() error { return l.Save(nil, index(7).terms(5)) }},
		{"not consecutive", func() error { return l.Save(nil, append(index(6).terms(5), index(8).terms(5)...)) }},
		{"commit beyond", func() error { return l.Save(hardState(5, 0, 7), index(6).terms(5)) }},
		{"term 0", func() error { return l.Save(nil, index(6).terms(0)) }},
		{"term below the entry before", func() error { return l.Save(nil, index(6).terms(4)) }},
		{"terms going back", func() error { return l.Save(nil, index(6).terms(6, 5)) }},
		{"term back", func() error {
			if err := l.Save(hardState(5, 1, 5), nil); err != nil {
				return nil
			}
			return l.Save(hardState(4, 1, 5), nil)
		}},
		{"replaces a committed entry", func() error { return l.Save(nil, index(5).terms(6)) }},
	} {
		if err := c.f(); err == nil {
			t.Errorf("%s: Save succeeded", c.name)
		}
	}
	l, _ = reopen(t, l, d)
	defer l.Close()
	if after := state(t, l); after != "[3/3] 4/4:e4.4 5/5:e5.5 hs(5,1,5) cs[1] snap(3,3,\"snap3\")" {
		t.Fatalf("after refused saves: %s (before them %s)", after, before)
	}
}

func TestStorageApplySnapshot(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	data := []byte("data")
	tests := []struct {
		name      string
		snapshots []*pb.Snapshot
		werr      error
	}{
		{"normal case", []*pb.Snapshot{
			{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(uint64(4)), Term: new(uint64(4)), ConfState: cs}},
		}, nil},
		{"snapshot out of date", []*pb.Snapshot{
			{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(uint64(4)), Term: new(uint64(4)), ConfState: cs}},
			{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(uint64(3)), Term: new(uint64(3)), ConfState: cs}},
		}, raft.ErrSnapOutOfDate},
		{"bootstrap with confState", []*pb.Snapshot{
			{Data: data, Metadata: &pb.SnapshotMetadata{ConfState: cs}},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDirs(t)
			l, _ := open(t, d)
			var err error
			for _, sn := range tt.snapshots {
				err = l.ApplySnapshot(sn)
			}
			if !errors.Is(err, tt.werr) {
				t.Fatalf("ApplySnapshot = %v, want %v", err, tt.werr)
			}
			before := state(t, l)
			l, _ = reopen(t, l, d)
			defer l.Close()
			if after := state(t, l); after != before {
				t.Fatalf("reopened as %s, was %s", after, before)
			}
		})
	}
}
