package raftlog

import (
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/journal"
)

// marshal is the encoder Save uses; it appends to the reused buffer.
var marshal = proto.MarshalOptions{}

// Save makes ents and hs (unless raft.IsEmptyHardState, or equal to the last
// one saved) durable, in one journal group committed once (one fsync under
// batch and every), and then makes them visible to the raft.Storage methods;
// a HardState that changes only Commit is written with the next group instead
// (see raft.MustSync and the comment in the body).
// An entry whose index is at or below the last one replaces the entries from
// its index on; entries at or below the snapshot or compaction point are
// dropped, as MemoryStorage.Append does. Entries are kept by pointer (raft
// never modifies an entry once it is handed out).
//
// ents must have consecutive indexes, must not start after LastIndex+1 nor
// replace a committed entry, and their terms must be positive and not below
// the term of the entry before them; hs.Commit must not exceed the resulting
// last index nor hs.Term go back. Such input (which raft never gives) is
// refused with an error before anything is written, so that the journal
// never holds what Open would refuse. A failed journal write
// makes the Log unusable (every later mutating call returns that error):
// Close it and Open again, which truncates what part of the group reached the
// disk. Save allocates nothing once its buffers have grown, except to grow
// the in-memory log.
func (l *Log) Save(hs *pb.HardState, ents []*pb.Entry) error {
	if err := l.check(); err != nil {
		return err
	}
	floor := max(l.offset, l.snapIndex())
	if len(ents) > 0 {
		first := ents[0].GetIndex()
		for k, e := range ents {
			if e.GetIndex() != first+uint64(k) {
				return fmt.Errorf("raftlog: save: entry %d at position %d follows entry %d: indexes not consecutive",
					e.GetIndex(), k, first+uint64(k)-1)
			}
		}
		if first > l.lastIndex()+1 {
			return fmt.Errorf("raftlog: save: entries start at %d, after the last index %d: the log would have a gap", first, l.lastIndex())
		}
		if last := first + uint64(len(ents)) - 1; last <= floor {
			ents = nil
		} else if first <= floor {
			ents = ents[floor+1-first:]
		}
	}
	newLast := l.lastIndex()
	if len(ents) > 0 {
		if err := l.checkTerms(ents); err != nil {
			return err
		}
		newLast = ents[len(ents)-1].GetIndex()
	}
	writeHS := !raft.IsEmptyHardState(hs) &&
		(hs.GetTerm() != l.hsTerm || hs.GetVote() != l.hsVote || hs.GetCommit() != l.hsCommit)
	if writeHS {
		if hs.GetCommit() > newLast {
			return fmt.Errorf("raftlog: save: HardState commit %d beyond the last index %d", hs.GetCommit(), newLast)
		}
		if hs.GetTerm() < l.hsTerm {
			return fmt.Errorf("raftlog: save: HardState term %d below the saved term %d", hs.GetTerm(), l.hsTerm)
		}
	}
	if len(ents) == 0 && !writeHS {
		return nil
	}

	// Encode everything first, so that a record too large is refused
	// before the group holds any record of this call.
	buf, ends := l.buf[:0], l.ends[:0]
	var err error
	for _, e := range ents {
		if buf, err = marshal.MarshalAppend(buf, e); err != nil {
			return fmt.Errorf("raftlog: save: encode entry %d: %w", e.GetIndex(), err)
		}
		if n := len(buf) - last(ends); n > journal.MaxPayload {
			return fmt.Errorf("raftlog: save: entry %d is %d bytes encoded, above journal.MaxPayload", e.GetIndex(), n)
		}
		ends = append(ends, len(buf))
	}
	if writeHS {
		if buf, err = marshal.MarshalAppend(buf, hs); err != nil {
			return fmt.Errorf("raftlog: save: encode HardState: %w", err)
		}
		ends = append(ends, len(buf))
	}
	l.buf, l.ends = buf, ends

	start := 0
	for k, end := range ends {
		typ := journal.TypeRaftEntry
		if k == len(ents) {
			typ = journal.TypeRaftState
		}
		if err := l.w.Append(typ, buf[start:end]); err != nil {
			return l.fail(err)
		}
		start = end
	}
	// raft.MustSync: entries, the term and the vote must be durable before
	// raft acts on them; the commit index need not be (raft learns it again
	// from the leader, and etcd does not sync for it either). A HardState that
	// changes only Commit is appended without committing the group: it
	// reaches the disk with the next group that must be synced (it precedes
	// that group's entries, and names no index beyond the log already
	// written), or with Sync, a snapshot or Close. This takes one fsync per
	// acknowledged batch off the leader (its commit-only Ready between the
	// followers' acks and the apply). After a crash the recovered commit
	// index may be lower than the last one raft reported: the entries above
	// it are then applied again once raft commits them, and replay of that
	// data directory counts them as pending until then.
	if len(ents) > 0 || hs.GetTerm() != l.hsTerm || hs.GetVote() != l.hsVote {
		if err := l.w.Commit(); err != nil {
			return l.fail(err)
		}
	}

	l.mu.Lock()
	if len(ents) > 0 {
		k := ents[0].GetIndex() - l.offset - 1
		if k < uint64(len(l.ents)) {
			// Overwrite: new backing arrays, since slices handed out by
			// Entries still alias the replaced entries.
			l.ents = append(l.ents[:k:k], ents...)
			l.sizes = l.sizes[:k] // never handed out: reused in place
		} else {
			l.ents = append(l.ents, ents...)
		}
		start = 0
		for _, end := range ends[:len(ents)] {
			l.sizes = append(l.sizes, uint64(end-start))
			start = end
		}
	}
	if writeHS {
		l.hsTerm, l.hsVote, l.hsCommit = hs.GetTerm(), hs.GetVote(), hs.GetCommit()
	}
	l.mu.Unlock()
	return nil
}

// checkTerms refuses entries that Open would refuse to read back: a term 0,
// a term below the one before it, and the replacement of an entry the saved
// HardState commits. ents starts above the compaction point, at most at
// LastIndex+1.
func (l *Log) checkTerms(ents []*pb.Entry) error {
	first := ents[0].GetIndex()
	if first <= l.lastIndex() && first <= l.hsCommit {
		return fmt.Errorf("raftlog: save: entry %d would replace a committed entry (commit %d)", first, l.hsCommit)
	}
	prev, err := l.Term(first - 1)
	if err != nil {
		return fmt.Errorf("raftlog: save: term of entry %d: %w", first-1, err)
	}
	for _, e := range ents {
		if e.GetTerm() == 0 || e.GetTerm() < prev {
			return fmt.Errorf("raftlog: save: entry %d has term %d after term %d", e.GetIndex(), e.GetTerm(), prev)
		}
		prev = e.GetTerm()
	}
	return nil
}

// last returns the last element of ends, or 0.
func last(ends []int) int {
	if len(ends) == 0 {
		return 0
	}
	return ends[len(ends)-1]
}

// fail makes a journal error sticky and returns it.
func (l *Log) fail(err error) error {
	if l.err == nil {
		l.err = fmt.Errorf("raftlog: %w", err)
	}
	return l.err
}

// ApplySnapshot makes snap durable (a raft snapshot file, after an fsync of
// the journal so that the file's journal position is never ahead of the
// disk) and then resets the log to start after it: FirstIndex becomes
// snap's index + 1, and on recovery the entries journaled before it are not
// read back. It returns raft.ErrSnapOutOfDate for a snapshot not newer than
// the current one (a snapshot at index 0, carrying only a ConfState, is the
// bootstrap case MemoryStorage accepts too). The Log keeps snap.Data.
func (l *Log) ApplySnapshot(snap *pb.Snapshot) error {
	if err := l.check(); err != nil {
		return err
	}
	if snap == nil {
		return fmt.Errorf("raftlog: apply snapshot: nil snapshot")
	}
	md := snap.GetMetadata()
	if cur := l.snapIndex(); cur != 0 && cur >= md.GetIndex() {
		return raft.ErrSnapOutOfDate
	}
	if (md.GetIndex() == 0) != (md.GetTerm() == 0) {
		return fmt.Errorf("raftlog: apply snapshot: index %d with term %d (both 0 or both positive)", md.GetIndex(), md.GetTerm())
	}
	s := &pb.Snapshot{Metadata: cloneMeta(md), Data: snap.GetData()}
	if err := l.w.Sync(); err != nil {
		return l.fail(err)
	}
	if _, err := writeSnap(l.snapDir, s, true, l.w.NextIndex(), l.keep); err != nil {
		return err
	}
	l.mu.Lock()
	l.snap = s
	l.offset, l.offsetTerm = md.GetIndex(), md.GetTerm()
	l.ents, l.sizes = nil, nil
	l.mu.Unlock()
	return nil
}

// CreateSnapshot records a snapshot of the applied state at index i, with
// the ConfState cs (nil: the previous snapshot's) and data, as a raft
// snapshot file written durably (tmp, fsync, rename, like
// journal.WriteSnapshot), and makes it the one Snapshot returns. The log is
// unchanged (Compact drops entries). It returns raft.ErrSnapOutOfDate for i
// not above the current snapshot's index, raft.ErrCompacted for i below the
// compaction point (its term is gone) and an error for i beyond LastIndex.
func (l *Log) CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (*pb.Snapshot, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	if i <= l.snapIndex() {
		return nil, raft.ErrSnapOutOfDate
	}
	if i > l.lastIndex() {
		return nil, fmt.Errorf("raftlog: create snapshot %d: beyond the last index %d", i, l.lastIndex())
	}
	term, err := l.Term(i)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = l.snap.GetMetadata().GetConfState()
	}
	md := cloneMeta(&pb.SnapshotMetadata{Index: new(i), Term: new(term), ConfState: cs})
	s := &pb.Snapshot{Metadata: md, Data: data}
	// Under PolicyNone the entries up to i may be in the OS only: fsync
	// them first, so the snapshot's journal position is on disk.
	if err := l.w.Sync(); err != nil {
		return nil, l.fail(err)
	}
	if _, err := writeSnap(l.snapDir, s, false, l.w.NextIndex(), l.keep); err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.snap = s
	l.mu.Unlock()
	return &pb.Snapshot{Metadata: cloneMeta(md), Data: data}, nil
}

// cloneMeta returns a deep copy of md (nil: empty) with every field set.
func cloneMeta(md *pb.SnapshotMetadata) *pb.SnapshotMetadata {
	if md == nil {
		return pb.EnsureSnapshotMetadata(nil)
	}
	return pb.EnsureSnapshotMetadata(proto.Clone(md).(*pb.SnapshotMetadata))
}

// Compact drops the in-memory entries up to and including compactIndex:
// FirstIndex becomes compactIndex+1 and Term(compactIndex) stays answered.
// The journal segments are kept (deleting the segments wholly below the
// snapshot is left for later); after a reopen the log starts again after
// the newest snapshot. The caller must not compact past what it applied
// and should not compact past the newest snapshot (a follower that needs
// the entries between would get a snapshot it cannot continue from). It
// returns raft.ErrCompacted for compactIndex at or below the current
// compaction point and an error for one beyond LastIndex.
func (l *Log) Compact(compactIndex uint64) error {
	if err := l.check(); err != nil {
		return err
	}
	if compactIndex <= l.offset {
		return raft.ErrCompacted
	}
	if compactIndex > l.lastIndex() {
		return fmt.Errorf("raftlog: compact %d: beyond the last index %d", compactIndex, l.lastIndex())
	}
	k := compactIndex - l.offset // entries to drop
	term := l.ents[k-1].GetTerm()
	// New arrays: slices handed out by Entries still alias the old ones.
	ents := make([]*pb.Entry, len(l.ents)-int(k), cap(l.ents)-int(k))
	copy(ents, l.ents[k:])
	sizes := make([]uint64, len(ents), cap(ents))
	copy(sizes, l.sizes[k:])
	l.mu.Lock()
	l.ents, l.sizes = ents, sizes
	l.offset, l.offsetTerm = compactIndex, term
	l.mu.Unlock()
	return nil
}
