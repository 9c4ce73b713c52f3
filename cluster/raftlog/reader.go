package raftlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/journal"
)

// ReadOptions says where ReadCommitted reads and where it starts.
type ReadOptions struct {
	// JournalDir and SnapshotDir are the data directory's journal and
	// snapshot directories, as for Open. Nothing in them is written.
	JournalDir, SnapshotDir string
	// FromSnapshot starts after the newest raft snapshot that verifies and
	// that Accept takes. Without it the reading starts at the first entry,
	// unless the node received a snapshot from its leader (ApplySnapshot):
	// the log before the newest such snapshot is not in the journal, so the
	// reading starts after it, as it must with FromSnapshot too (Accept
	// refusing it is an error, not a *CorruptionError).
	FromSnapshot bool
	// Accept, if not nil, is asked about each verified snapshot, newest
	// first, before it is chosen as the starting point. It returns false to
	// pass over a snapshot (e.g. one past where the caller stops), or a
	// non-empty reason for a snapshot whose data is unusable, which is then
	// treated as damaged (an older one is tried, as Open does).
	Accept func(file SnapshotFile, snap *pb.Snapshot) (ok bool, reason string)
}

// Reader reads a node's raft log back from its journal without opening it
// for writing, and returns its committed entries in index order, each once
// (ReadCommitted). It applies Open's rules (the package doc): the overwrite
// rule, the checks, a snapshot's reset position. An entry is returned once a
// HardState read after it commits it (its index is at or below the highest
// commit index read), so the Reader holds only the entries not yet known
// committed; those still held at the end are not returned (Pending counts
// them). A torn tail is the end of the log, as Open would truncate it
// (Torn). It is not safe for concurrent use.
type Reader struct {
	r       *journal.Reader
	ld      *loader
	rec     Recovery
	file    SnapshotFile
	snap    *pb.Snapshot
	queue   []*pb.Entry
	qpos    []journal.Record
	at      journal.Record
	next    uint64 // the journal index after the last record read
	torn    *journal.TornTailError
	done    bool
	err     error
	journal string
}

// ReadCommitted opens the raft log in opts for reading its committed
// entries after the starting point opts chooses (Snapshot says which). A
// missing or empty journal directory is an error satisfying
// errors.Is(err, fs.ErrNotExist) or errors.Is(err, journal.ErrEmpty). A
// damaged snapshot is skipped as by Open (DamagedSnapshots), and one the
// node received from its leader stops the Reader with a *CorruptionError.
func ReadCommitted(opts ReadOptions) (*Reader, error) {
	if opts.JournalDir == "" || opts.SnapshotDir == "" {
		return nil, errors.New("raftlog: ReadOptions.JournalDir and ReadOptions.SnapshotDir must be set")
	}
	rd := &Reader{journal: opts.JournalDir}
	snap, ok, damaged, err := chooseSnap(opts)
	rd.rec.DamagedSnapshots = damaged
	if err != nil {
		return nil, err
	}
	if !ok {
		snap.snap = pb.EnsureSnapshot(nil)
	}
	rd.file, rd.snap, rd.rec.Snapshot = snap.file, snap.snap, snap.file
	if rd.r, err = journal.OpenReader(opts.JournalDir); err != nil {
		return nil, fmt.Errorf("raftlog: %w", err)
	}
	rd.ld = newLoader(snap.file, snap.snap, &rd.rec)
	rd.ld.emit = func(e *pb.Entry, at journal.Record) error {
		rd.queue = append(rd.queue, e)
		rd.qpos = append(rd.qpos, at)
		return nil
	}
	return rd, nil
}

// chooseSnap picks the starting snapshot by the rules of ReadOptions.
func chooseSnap(opts ReadOptions) (loadedSnap, bool, []DamagedSnapshot, error) {
	list, err := listSnaps(opts.SnapshotDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // a copy without snapshots/ has none
		return loadedSnap{}, false, nil, err
	}
	var damaged []DamagedSnapshot
	for i := len(list) - 1; i >= 0; i-- {
		s, reason := readSnap(list[i])
		if reason == "" {
			if !opts.FromSnapshot && !s.file.Reset {
				continue // the log before it is in the journal
			}
			ok := true
			if opts.Accept != nil {
				ok, reason = opts.Accept(s.file, s.snap)
			}
			if reason == "" && ok {
				return s, true, damaged, nil
			}
			if reason == "" {
				if s.file.Reset {
					return loadedSnap{}, false, damaged, fmt.Errorf(
						"raftlog: raft snapshot %s was received from the leader (ApplySnapshot) and is past the point asked for: "+
							"the log before it is not in this journal", list[i].Path)
				}
				continue
			}
		}
		if opts.FromSnapshot || !s.headerOK || s.file.Reset {
			damaged = append(damaged, DamagedSnapshot{Index: list[i].Index, Path: list[i].Path, Reason: reason})
		}
		if !s.headerOK || s.file.Reset {
			what := "was received from the leader (ApplySnapshot)"
			if !s.headerOK {
				what = "has an unreadable header (it may have been received from the leader)"
			}
			return loadedSnap{}, false, damaged, &CorruptionError{Reason: fmt.Sprintf(
				"raft snapshot %s is damaged (%s) and %s: the log before it is not in the journal; restore this node's data directory from a peer",
				list[i].Path, reason, what)}
		}
	}
	return loadedSnap{}, false, damaged, nil
}

// Snapshot is the starting point: the snapshot file (Path "" when the reading
// starts at the first entry) and the snapshot (empty then). Its Data is the
// Applier's snapshot (cluster.Applier.AppendSnapshot).
func (rd *Reader) Snapshot() (SnapshotFile, *pb.Snapshot) { return rd.file, rd.snap }

// Next returns the next committed entry. At the end of the journal (or at a
// torn tail: Torn) it returns io.EOF, after which Recovery is complete. Any
// other error is damage (a *CorruptionError, or the journal's own) and is
// returned again by every later call.
func (rd *Reader) Next() (*pb.Entry, error) {
	for len(rd.queue) == 0 {
		if rd.err != nil {
			return nil, rd.err
		}
		if rd.done {
			return nil, io.EOF
		}
		rd.err = rd.read()
	}
	e := rd.queue[0]
	rd.at = rd.qpos[0]
	rd.queue[0] = nil
	rd.queue, rd.qpos = rd.queue[1:], rd.qpos[1:]
	return e, nil
}

// read feeds the loader one journal record, or finishes at the end.
func (rd *Reader) read() error {
	jr, err := rd.r.Next()
	if err == nil {
		rd.next = jr.Index + 1
		return rd.ld.record(&jr)
	}
	if torn := (*journal.TornTailError)(nil); errors.As(err, &torn) {
		rd.torn = torn
	} else if err != io.EOF {
		return fmt.Errorf("raftlog: %w", err)
	}
	rd.done = true
	if rd.next == 0 { // no record: the snapshot position is checked against the journal's start
		rd.next = 1
	}
	if err := checkSnapPosition(rd.file, rd.next); err != nil {
		return err
	}
	if err := rd.ld.finish(); err != nil {
		return err
	}
	rd.rec.FirstIndex, rd.rec.LastIndex = rd.ld.snapIndex+1, rd.ld.lastIndex()
	return nil
}

// Position is the journal record (segment, offset and journal index; no
// payload) of the entry Next returned last.
func (rd *Reader) Position() journal.Record { return rd.at }

// Recovery describes what was read; it is complete once Next has returned
// io.EOF. Commit is the commit index of the last HardState, raised as Open
// raises it; LastIndex the last entry held.
func (rd *Reader) Recovery() Recovery { return rd.rec }

// Pending is the number of entries after the commit index, once Next has
// returned io.EOF: journaled but not known committed on this node (it may
// have been told of their commit only after its last HardState, or they may
// be an uncommitted suffix a new leader would overwrite), hence not returned.
func (rd *Reader) Pending() uint64 { return rd.rec.LastIndex - min(rd.rec.Commit, rd.rec.LastIndex) }

// Torn is the torn tail the journal ended in (nil: a clean end), once Next
// has returned io.EOF.
func (rd *Reader) Torn() *journal.TornTailError { return rd.torn }

// Close releases the Reader.
func (rd *Reader) Close() error { return rd.r.Close() }

// ListSnapshots returns the raft snapshot files in dir, by ascending index,
// without reading them (Path and Index set). A missing directory is an error
// satisfying errors.Is(err, fs.ErrNotExist).
func ListSnapshots(dir string) ([]SnapshotFile, error) { return listSnaps(dir) }

// ReadSnapshot reads and verifies the raft snapshot file f (from
// ListSnapshots): the file's header fields filled in, and the snapshot.
func ReadSnapshot(f SnapshotFile) (SnapshotFile, *pb.Snapshot, error) {
	s, reason := readSnap(f)
	if reason != "" {
		return s.file, nil, fmt.Errorf("raftlog: raft snapshot %s: %s", f.Path, reason)
	}
	return s.file, s.snap, nil
}
