package raftlog

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/journal"
)

// Options configures Open.
type Options struct {
	// JournalDir is the journal directory (datadir.JournalDir of the data
	// directory); Open creates it if needed.
	JournalDir string
	// SnapshotDir is where raft snapshots are written (datadir.SnapshotDir,
	// beside the engine's snapshots, under another name); created if needed.
	SnapshotDir string
	// Policy is the journal's durability policy (batch, the zero value, is
	// the one a cluster node should run: none may lose a vote on a crash of
	// the machine, see the package doc).
	Policy journal.Policy
	// SegmentSize is the journal's segment size (0: journal.DefaultSegmentSize).
	SegmentSize int64
	// BufferSize is the journal's initial group buffer (0: its default).
	BufferSize int
	// SnapshotKeep is how many valid raft snapshots to keep (0:
	// DefaultSnapshotKeep; negative: all).
	SnapshotKeep int
}

// Log is a raft log kept in a journal: it implements raft.Storage and the
// Save, ApplySnapshot, CreateSnapshot and Compact of cluster.Log.
//
// The mutating methods (Save, ApplySnapshot, CreateSnapshot, Compact, Close)
// must be called from one goroutine, the owner's (the cluster Node's loop).
// The raft.Storage methods may be called from any goroutine, concurrently
// with the owner: a mutex, held only while memory is read or updated (never
// across a write or an fsync), guards the in-memory log. With a RawNode, as
// the cluster Node uses it, every call comes from the one loop goroutine and
// the mutex is never contended.
type Log struct {
	w       *journal.Writer
	snapDir string
	keep    int

	mu sync.Mutex
	// snap is the newest snapshot (never nil; index 0 when there is none).
	snap *pb.Snapshot
	// offset and offsetTerm are the index and term of the entry just before
	// ents[0]: the snapshot's at Open and after ApplySnapshot, the compact
	// index's after Compact.
	offset, offsetTerm uint64
	// ents[k] is the entry at index offset+1+k; sizes[k] its encoded size.
	// Slices handed out by Entries alias ents, so an entry is never
	// modified and ents is never written below its length in place.
	ents  []*pb.Entry
	sizes []uint64
	// hs is the last HardState saved (or read back), as written.
	hsTerm, hsVote, hsCommit uint64

	// Owner-only fields.
	buf    []byte // marshal buffer, reused by Save
	ends   []int  // end offset in buf of each marshaled record
	closed bool
	err    error // sticky: a failed journal write
}

// Open opens (or creates) the raft log in opts.JournalDir and
// opts.SnapshotDir: it opens the journal for appending (journal.Open, which
// truncates a torn tail), loads the newest valid raft snapshot and reads the
// journal back into memory by the rules of the package doc. The Recovery says
// what it found, for the caller to log. Any inconsistency is an error
// (*CorruptionError for the records, the journal's own errors for framing);
// nothing is repaired but the torn tail.
func Open(opts Options) (*Log, Recovery, error) {
	var rec Recovery
	if opts.JournalDir == "" || opts.SnapshotDir == "" {
		return nil, rec, errors.New("raftlog: Options.JournalDir and Options.SnapshotDir must be set")
	}
	keep := opts.SnapshotKeep
	if keep == 0 {
		keep = DefaultSnapshotKeep
	}
	if err := os.MkdirAll(opts.SnapshotDir, 0o755); err != nil {
		return nil, rec, fmt.Errorf("raftlog: %w", err)
	}
	w, jrec, err := journal.Open(journal.Options{
		Dir:         opts.JournalDir,
		Policy:      opts.Policy,
		SegmentSize: opts.SegmentSize,
		BufferSize:  opts.BufferSize,
		// Save commits every group itself; a mid-group commit would only
		// cost an fsync.
		MaxDelay: -1,
	})
	rec.Journal = jrec
	if err != nil {
		return nil, rec, fmt.Errorf("raftlog: %w", err)
	}
	l := &Log{w: w, snapDir: opts.SnapshotDir, keep: keep}
	if err := l.load(opts.JournalDir, &rec); err != nil {
		// rec.DamagedSnapshots and rec.Journal say what was found so far.
		w.Close()
		return nil, rec, err
	}
	return l, rec, nil
}

// Close closes the journal (a final fsync). The raft.Storage methods keep
// answering from memory; the mutating ones return ErrClosed.
func (l *Log) Close() error {
	if l.closed {
		return ErrClosed
	}
	l.closed = true
	if err := l.w.Close(); err != nil && l.err == nil {
		return fmt.Errorf("raftlog: %w", err)
	}
	return l.err
}

// check returns the error that stops a mutating method.
func (l *Log) check() error {
	if l.closed {
		return ErrClosed
	}
	return l.err
}

// InitialState implements raft.Storage: the last HardState saved, raised
// where it lags the log (see Recovery.Adjusted: a commit index below the
// snapshot's, a term below the last entry's), and the newest snapshot's
// ConfState.
func (l *Log) InitialState() (*pb.HardState, *pb.ConfState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lastTerm := l.offsetTerm
	if n := len(l.ents); n > 0 {
		lastTerm = l.ents[n-1].GetTerm()
	}
	term, vote, commit, _ := normalize(l.hsTerm, l.hsVote, l.hsCommit, l.snapIndex(), lastTerm)
	hs := &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
	return hs, cloneMeta(l.snap.GetMetadata()).GetConfState(), nil
}

// Entries implements raft.Storage: the entries [lo, hi), limited to maxSize
// bytes (proto.Size) but at least one, as raft's limitSize rule says. It
// returns raft.ErrCompacted for lo at or below the compaction point and
// raft.ErrUnavailable when the log holds no entries or hi is beyond the last
// index plus one (where MemoryStorage panics).
func (l *Log) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lo <= l.offset {
		return nil, raft.ErrCompacted
	}
	if hi > l.lastIndex()+1 || len(l.ents) == 0 || lo > hi {
		return nil, raft.ErrUnavailable
	}
	lo, hi = lo-l.offset-1, hi-l.offset-1
	n := hi
	if lo < hi && maxSize < ^uint64(0) {
		size := l.sizes[lo]
		for n = lo + 1; n < hi; n++ {
			if size += l.sizes[n]; size > maxSize {
				break
			}
		}
	}
	// The full slice expression makes a caller's append copy instead of
	// writing over ents.
	return l.ents[lo:n:n], nil
}

// Term implements raft.Storage: the term of entry i, for i from FirstIndex-1
// to LastIndex (raft.ErrCompacted below, raft.ErrUnavailable above).
func (l *Log) Term(i uint64) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case i < l.offset:
		return 0, raft.ErrCompacted
	case i == l.offset:
		return l.offsetTerm, nil
	case i > l.lastIndex():
		return 0, raft.ErrUnavailable
	}
	return l.ents[i-l.offset-1].GetTerm(), nil
}

// LastIndex implements raft.Storage.
func (l *Log) LastIndex() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastIndex(), nil
}

// FirstIndex implements raft.Storage.
func (l *Log) FirstIndex() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.offset + 1, nil
}

// Snapshot implements raft.Storage: the newest snapshot. Its metadata is a
// copy; its Data is shared with the Log and must not be modified.
func (l *Log) Snapshot() (*pb.Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &pb.Snapshot{Metadata: cloneMeta(l.snap.GetMetadata()), Data: l.snap.GetData()}, nil
}

// lastIndex is LastIndex with mu held (or by the owner).
func (l *Log) lastIndex() uint64 { return l.offset + uint64(len(l.ents)) }

// snapIndex is the newest snapshot's index.
func (l *Log) snapIndex() uint64 { return l.snap.GetMetadata().GetIndex() }
