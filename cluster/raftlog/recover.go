package raftlog

import (
	"fmt"
	"io"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/journal"
)

// Recovery describes what Open read back, for the caller to log.
type Recovery struct {
	// Journal is what journal.Open found and repaired (a torn tail).
	Journal journal.Recovery
	// Snapshot is the raft snapshot the log starts after (Index 0 and Path
	// "": none).
	Snapshot SnapshotFile
	// DamagedSnapshots are newer raft snapshots that failed verification,
	// newest first; the log was rebuilt from the older one.
	DamagedSnapshots []DamagedSnapshot
	// FirstIndex and LastIndex bound the entries in memory (LastIndex is
	// FirstIndex-1 when there are none).
	FirstIndex, LastIndex uint64
	// Term, Vote and Commit are the HardState the log starts with.
	Term, Vote, Commit uint64
	// Entries counts the entry records read; Overwritten those a later
	// entry replaced (the overwrite rule); Below those at or below the
	// snapshot's index; BeforeReset those journaled before a snapshot
	// received from the leader (ApplySnapshot) replaced the log.
	Entries, Overwritten, Below, BeforeReset int
	// States counts the HardState records read.
	States int
	// Adjusted says how the last HardState read was raised to agree with
	// the snapshot and the entries ("" if it was not): a crash between
	// ApplySnapshot and the Save of the next HardState, or a torn tail that
	// kept a group's entries and cut its HardState.
	Adjusted string
}

// String summarises the recovery in one line.
func (r Recovery) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "raftlog: entries %d..%d, hardstate term %d vote %d commit %d", r.FirstIndex, r.LastIndex, r.Term, r.Vote, r.Commit)
	if r.Snapshot.Path != "" {
		fmt.Fprintf(&b, ", after snapshot index %d term %d (%s)", r.Snapshot.Index, r.Snapshot.Term, r.Snapshot.Path)
	} else {
		b.WriteString(", no snapshot")
	}
	if n := len(r.DamagedSnapshots); n > 0 {
		fmt.Fprintf(&b, ", %d damaged snapshots skipped", n)
	}
	fmt.Fprintf(&b, "; read %d entries (%d overwritten, %d at or below the snapshot, %d before an applied snapshot) and %d hardstates",
		r.Entries, r.Overwritten, r.Below, r.BeforeReset, r.States)
	if r.Adjusted != "" {
		b.WriteString("; " + r.Adjusted)
	}
	b.WriteString("; " + r.Journal.String())
	return b.String()
}

// loader rebuilds the log from the journal's records, by the rules of the
// package doc. Open keeps every entry after the snapshot (emit nil); a Reader
// (ReadCommitted) passes each entry to emit once a HardState commits it and
// drops it, so that it holds only the entries not yet known committed.
type loader struct {
	snapIndex, snapTerm uint64
	resetBefore         uint64 // records before this journal index are ignored (a reset snapshot's position)
	// base and baseTerm are the index and term of the entry before ents[0]:
	// the snapshot's, or the last entry emitted.
	base, baseTerm     uint64
	ents               []*pb.Entry
	sizes              []uint64
	pos                []journal.Record // with emit: each held entry's record (Payload nil)
	term, vote, commit uint64
	maxCommit          uint64         // the highest commit index of any HardState read
	hsRec              journal.Record // position of the last HardState record
	scratch            *pb.Entry
	rec                *Recovery
	emit               func(e *pb.Entry, at journal.Record) error
}

// newLoader starts a loader after snap (the empty snapshot: from the first entry).
func newLoader(file SnapshotFile, snap *pb.Snapshot, rec *Recovery) *loader {
	ld := &loader{
		snapIndex: snap.GetMetadata().GetIndex(),
		snapTerm:  snap.GetMetadata().GetTerm(),
		rec:       rec,
	}
	ld.base, ld.baseTerm = ld.snapIndex, ld.snapTerm
	if file.Reset {
		ld.resetBefore = file.Journal
	}
	return ld
}

// load reads the snapshot and the journal into l.
func (l *Log) load(dir string, rec *Recovery) error {
	snap, ok, damaged, err := latestSnap(l.snapDir)
	rec.DamagedSnapshots = damaged
	if err != nil {
		return err
	}
	if !ok {
		snap.snap = pb.EnsureSnapshot(nil)
	}
	rec.Snapshot = snap.file
	ld := newLoader(snap.file, snap.snap, rec)
	r, err := journal.OpenReader(dir)
	if err != nil {
		return fmt.Errorf("raftlog: %w", err)
	}
	defer r.Close()
	for {
		jr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("raftlog: %w", err)
		}
		if err := ld.record(&jr); err != nil {
			return err
		}
	}
	if err := checkSnapPosition(snap.file, l.w.NextIndex()); err != nil {
		return err
	}
	if err := ld.finish(); err != nil {
		return err
	}
	l.snap = snap.snap
	l.offset, l.offsetTerm = ld.snapIndex, ld.snapTerm
	l.ents, l.sizes = ld.ents, ld.sizes
	l.hsTerm, l.hsVote, l.hsCommit = ld.term, ld.vote, ld.commit
	rec.FirstIndex, rec.LastIndex = l.offset+1, l.lastIndex()
	return nil
}

// checkSnapPosition refuses a journal that ends (next is its next record
// index) before the position the snapshot file was written at.
func checkSnapPosition(file SnapshotFile, next uint64) error {
	if file.Path != "" && file.Journal > next {
		return &CorruptionError{Reason: fmt.Sprintf(
			"raft snapshot %s was written at journal record %d, the journal ends before it (next record %d): records are missing",
			file.Path, file.Journal, next)}
	}
	return nil
}

// lastIndex is the index of the last entry held (base if none).
func (ld *loader) lastIndex() uint64 { return ld.base + uint64(len(ld.ents)) }

// record applies one journal record.
func (ld *loader) record(jr *journal.Record) error {
	switch jr.Type {
	case journal.TypeRaftEntry:
		return ld.entry(jr)
	case journal.TypeRaftState:
		hs := &pb.HardState{}
		if err := proto.Unmarshal(jr.Payload, hs); err != nil {
			return corruptAt(jr, "HardState does not decode: %v", err)
		}
		if len(hs.ProtoReflect().GetUnknown()) > 0 {
			return corruptAt(jr, "HardState has unknown fields")
		}
		if hs.GetTerm() < ld.term {
			return corruptAt(jr, "HardState term %d below the term %d of the HardState before it", hs.GetTerm(), ld.term)
		}
		ld.term, ld.vote, ld.commit = hs.GetTerm(), hs.GetVote(), hs.GetCommit()
		ld.maxCommit = max(ld.maxCommit, ld.commit)
		ld.hsRec = journal.Record{Segment: jr.Segment, Offset: jr.Offset, Index: jr.Index}
		ld.rec.States++
		if ld.emit != nil {
			return ld.release()
		}
		return nil
	}
	return corruptAt(jr, "record of type %s in a raft log (only raft entries and hardstates belong there)", jr.Type)
}

// entry applies one entry record: the overwrite rule and the checks.
func (ld *loader) entry(jr *journal.Record) error {
	if ld.scratch == nil {
		ld.scratch = &pb.Entry{}
	}
	e := ld.scratch
	if err := proto.Unmarshal(jr.Payload, e); err != nil {
		return corruptAt(jr, "entry does not decode: %v", err)
	}
	if len(e.ProtoReflect().GetUnknown()) > 0 {
		return corruptAt(jr, "entry has unknown fields")
	}
	i := e.GetIndex()
	if i == 0 || e.GetTerm() == 0 {
		return corruptAt(jr, "entry with index %d term %d (both must be positive)", i, e.GetTerm())
	}
	ld.rec.Entries++
	if jr.Index < ld.resetBefore {
		ld.rec.BeforeReset++
		return nil
	}
	last := ld.lastIndex()
	if i > last+1 {
		return corruptAt(jr, "entry %d follows entry %d: entries %d to %d are missing", i, last, last+1, i-1)
	}
	// An entry replaces every entry held from its index on (entries at or
	// below the snapshot are not held, so it replaces all of them). No
	// HardState may have committed one of them; since entries are emitted
	// only once committed, from > maxCommit >= base.
	from := max(i, ld.snapIndex+1)
	if from <= last {
		if from <= ld.maxCommit {
			return corruptAt(jr, "entry %d (term %d) replaces entry %d, committed by an earlier HardState (commit %d)",
				i, e.GetTerm(), from, ld.maxCommit)
		}
		ld.rec.Overwritten += int(last - from + 1)
		k := from - ld.base - 1
		clear(ld.ents[k:])
		ld.ents, ld.sizes = ld.ents[:k], ld.sizes[:k]
		if ld.emit != nil {
			ld.pos = ld.pos[:k]
		}
	}
	if i <= ld.snapIndex {
		ld.rec.Below++
		return nil
	}
	if k := len(ld.ents); k > 0 && e.GetTerm() < ld.ents[k-1].GetTerm() {
		return corruptAt(jr, "entry %d has term %d, below the term %d of entry %d before it",
			i, e.GetTerm(), ld.ents[k-1].GetTerm(), i-1)
	} else if k == 0 && ld.base > ld.snapIndex && e.GetTerm() < ld.baseTerm {
		return corruptAt(jr, "entry %d has term %d, below the term %d of the committed entry %d before it",
			i, e.GetTerm(), ld.baseTerm, i-1)
	}
	ld.ents = append(ld.ents, e)
	ld.sizes = append(ld.sizes, uint64(len(jr.Payload)))
	if ld.emit != nil {
		ld.pos = append(ld.pos, journal.Record{Type: jr.Type, Index: jr.Index, Segment: jr.Segment, Offset: jr.Offset})
	}
	ld.scratch = nil
	return nil
}

// release emits the held entries a HardState has committed, in index order,
// and drops them.
func (ld *loader) release() error {
	n := 0
	for n < len(ld.ents) && ld.base+uint64(n)+1 <= ld.maxCommit {
		n++
	}
	for k, e := range ld.ents[:n] {
		if err := ld.firstTerm(e); err != nil {
			return err
		}
		if err := ld.emit(e, ld.pos[k]); err != nil {
			return err
		}
		ld.base, ld.baseTerm = e.GetIndex(), e.GetTerm()
	}
	m := copy(ld.ents, ld.ents[n:])
	clear(ld.ents[m:])
	ld.ents, ld.sizes, ld.pos = ld.ents[:m], ld.sizes[:copy(ld.sizes, ld.sizes[n:])], ld.pos[:copy(ld.pos, ld.pos[n:])]
	return nil
}

// firstTerm checks that e, if it is the first entry after the snapshot, does
// not have a term below the snapshot's.
func (ld *loader) firstTerm(e *pb.Entry) error {
	if ld.base == ld.snapIndex && e.GetIndex() == ld.snapIndex+1 && e.GetTerm() < ld.snapTerm {
		return &CorruptionError{Reason: fmt.Sprintf("entry %d has term %d, below the term %d of the snapshot at %d before it",
			ld.snapIndex+1, e.GetTerm(), ld.snapTerm, ld.snapIndex)}
	}
	return nil
}

// finish checks the last HardState against the snapshot and the entries.
func (ld *loader) finish() error {
	last := ld.lastIndex()
	lastTerm := ld.baseTerm
	if n := len(ld.ents); n > 0 {
		lastTerm = ld.ents[n-1].GetTerm()
		if err := ld.firstTerm(ld.ents[0]); err != nil {
			return err
		}
	}
	term, vote, commit, adj := normalize(ld.term, ld.vote, ld.commit, ld.snapIndex, lastTerm)
	ld.rec.Term, ld.rec.Vote, ld.rec.Commit, ld.rec.Adjusted = term, vote, commit, adj
	if commit > last {
		return &CorruptionError{Segment: ld.hsRec.Segment, Offset: ld.hsRec.Offset, Record: ld.hsRec.Index, Reason: fmt.Sprintf(
			"HardState commit %d beyond the last entry %d: committed entries are missing", commit, last)}
	}
	return nil
}

// normalize raises a saved HardState to agree with the log, as raft needs
// it to (RawNode panics on a commit index below the snapshot's): the commit
// index to at least the snapshot's index (a crash between ApplySnapshot and
// the Save of the Ready's HardState), the term to at least the last entry's
// term, with no vote in the raised term (a torn tail that kept a group's
// entries and cut its HardState; the snapshot's term, for a log with no
// entries after it). Raising a term without a vote, and a commit index to
// entries known committed, is what receiving those entries did. adjusted
// says what changed ("" if nothing).
func normalize(term, vote, commit, snapIndex, lastTerm uint64) (uint64, uint64, uint64, string) {
	var adj []string
	if commit < snapIndex {
		adj = append(adj, fmt.Sprintf("commit raised from %d to the snapshot index %d", commit, snapIndex))
		commit = snapIndex
	}
	if lastTerm > term {
		adj = append(adj, fmt.Sprintf("term raised from %d (vote %d) to %d, the last entry's, with no vote", term, vote, lastTerm))
		term, vote = lastTerm, 0
	}
	return term, vote, commit, strings.Join(adj, "; ")
}
