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

// loader rebuilds the in-memory log from the journal's records.
type loader struct {
	snapIndex, snapTerm uint64
	resetBefore         uint64 // records before this journal index are ignored (a reset snapshot's position)
	ents                []*pb.Entry
	sizes               []uint64
	term, vote, commit  uint64
	hsRec               journal.Record // position of the last HardState record
	scratch             *pb.Entry
	rec                 *Recovery
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
	ld := &loader{
		snapIndex: snap.snap.GetMetadata().GetIndex(),
		snapTerm:  snap.snap.GetMetadata().GetTerm(),
		rec:       rec,
	}
	if snap.file.Reset {
		ld.resetBefore = snap.file.Journal
	}
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
	if next := l.w.NextIndex(); snap.file.Path != "" && snap.file.Journal > next {
		return &CorruptionError{Reason: fmt.Sprintf(
			"raft snapshot %s was written at journal record %d, the journal ends before it (next record %d): records are missing",
			snap.file.Path, snap.file.Journal, next)}
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

// lastIndex is the index of the last entry held (the snapshot's if none).
func (ld *loader) lastIndex() uint64 { return ld.snapIndex + uint64(len(ld.ents)) }

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
		ld.hsRec = journal.Record{Segment: jr.Segment, Offset: jr.Offset, Index: jr.Index}
		ld.rec.States++
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
	// below the snapshot are not held, so it replaces all of them).
	from := max(i, ld.snapIndex+1)
	if from <= last {
		if from <= ld.commit {
			return corruptAt(jr, "entry %d (term %d) replaces entry %d, committed by an earlier HardState (commit %d)",
				i, e.GetTerm(), from, ld.commit)
		}
		ld.rec.Overwritten += int(last - from + 1)
		k := from - ld.snapIndex - 1
		clear(ld.ents[k:])
		ld.ents, ld.sizes = ld.ents[:k], ld.sizes[:k]
	}
	if i <= ld.snapIndex {
		ld.rec.Below++
		return nil
	}
	if k := len(ld.ents); k > 0 && e.GetTerm() < ld.ents[k-1].GetTerm() {
		return corruptAt(jr, "entry %d has term %d, below the term %d of entry %d before it",
			i, e.GetTerm(), ld.ents[k-1].GetTerm(), i-1)
	}
	ld.ents = append(ld.ents, e)
	ld.sizes = append(ld.sizes, uint64(len(jr.Payload)))
	ld.scratch = nil
	return nil
}

// finish checks the last HardState against the snapshot and the entries.
func (ld *loader) finish() error {
	last := ld.lastIndex()
	lastTerm := ld.snapTerm
	if n := len(ld.ents); n > 0 {
		lastTerm = ld.ents[n-1].GetTerm()
	}
	if len(ld.ents) > 0 && ld.ents[0].GetTerm() < ld.snapTerm {
		return &CorruptionError{Reason: fmt.Sprintf("entry %d has term %d, below the term %d of the snapshot at %d before it",
			ld.snapIndex+1, ld.ents[0].GetTerm(), ld.snapTerm, ld.snapIndex)}
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
