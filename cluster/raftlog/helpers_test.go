package raftlog

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/journal"
)

// clusterLog is a local copy of cluster.Log (cluster/log.go; raftlog does
// not import cluster), with the pointer message types of raft v3.7 (see the
// package doc): *Log must satisfy it.
type clusterLog interface {
	raft.Storage
	Save(hs *pb.HardState, ents []*pb.Entry) error
	ApplySnapshot(snap *pb.Snapshot) error
	CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (*pb.Snapshot, error)
	Compact(compactIndex uint64) error
}

var _ clusterLog = (*Log)(nil)

// index builds entries from i on, as raft's storage tests do.
type index uint64

// terms returns entries at consecutive indexes with the given terms.
func (i index) terms(terms ...uint64) []*pb.Entry {
	ents := make([]*pb.Entry, 0, len(terms))
	for k, t := range terms {
		ents = append(ents, &pb.Entry{Index: new(uint64(i) + uint64(k)), Term: new(t),
			Data: fmt.Appendf(nil, "e%d.%d", uint64(i)+uint64(k), t)})
	}
	return ents
}

// hardState builds a HardState.
func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

// snapshotAt builds a snapshot with metadata only.
func snapshotAt(i, term uint64, voters ...uint64) *pb.Snapshot {
	return &pb.Snapshot{Data: fmt.Appendf(nil, "snap%d", i), Metadata: &pb.SnapshotMetadata{
		Index: new(i), Term: new(term), ConfState: &pb.ConfState{Voters: voters}}}
}

// testDirs is a data directory's journal and snapshot dirs.
type testDirs struct{ journal, snaps string }

// newDirs makes fresh directories under t.TempDir.
func newDirs(t testing.TB) testDirs {
	d := t.TempDir()
	return testDirs{filepath.Join(d, "journal"), filepath.Join(d, "snapshots")}
}

// open opens the Log in d, failing the test on error.
func open(t testing.TB, d testDirs) (*Log, Recovery) {
	t.Helper()
	l, rec, err := Open(Options{JournalDir: d.journal, SnapshotDir: d.snaps})
	if err != nil {
		t.Fatalf("Open: %v (recovery %s)", err, rec)
	}
	return l, rec
}

// reopen closes l and opens d again.
func reopen(t testing.TB, l *Log, d testDirs) (*Log, Recovery) {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return open(t, d)
}

// logAt returns a Log holding entries after a snapshot at index
// first.Index with first's term, as raft's tests build a MemoryStorage
// whose ents start with that dummy entry.
func logAt(t testing.TB, d testDirs, ents []*pb.Entry) *Log {
	t.Helper()
	l, _ := open(t, d)
	if err := l.ApplySnapshot(snapshotAt(ents[0].GetIndex(), ents[0].GetTerm(), 1)); err != nil {
		t.Fatalf("ApplySnapshot: %v", err)
	}
	if err := l.Save(nil, ents[1:]); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return l
}

// state describes a Log's whole visible state in one string: the dummy
// entry before FirstIndex, every entry, the HardState and the snapshot.
func state(t testing.TB, l *Log) string {
	t.Helper()
	first, _ := l.FirstIndex()
	last, _ := l.LastIndex()
	var b strings.Builder
	pt, err := l.Term(first - 1)
	if err != nil {
		t.Fatalf("Term(%d): %v", first-1, err)
	}
	fmt.Fprintf(&b, "[%d/%d]", first-1, pt)
	if last >= first {
		ents, err := l.Entries(first, last+1, math.MaxUint64)
		if err != nil {
			t.Fatalf("Entries(%d, %d): %v", first, last+1, err)
		}
		for k, e := range ents {
			if e.GetIndex() != first+uint64(k) {
				t.Fatalf("Entries: entry %d at position %d", e.GetIndex(), k)
			}
			fmt.Fprintf(&b, " %d/%d:%s", e.GetIndex(), e.GetTerm(), e.GetData())
		}
	}
	hs, cs, _ := l.InitialState()
	snap, _ := l.Snapshot()
	fmt.Fprintf(&b, " hs(%d,%d,%d) cs%v snap(%d,%d,%q)", hs.GetTerm(), hs.GetVote(), hs.GetCommit(), cs.GetVoters(),
		snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm(), snap.GetData())
	return b.String()
}

// terms returns the index/term pairs from the dummy entry on: a compact
// description for comparing with an index(...).terms(...) list.
func termsOf(t testing.TB, l *Log) []string {
	t.Helper()
	first, _ := l.FirstIndex()
	last, _ := l.LastIndex()
	var out []string
	for i := first - 1; i <= last; i++ {
		term, err := l.Term(i)
		if err != nil {
			t.Fatalf("Term(%d): %v", i, err)
		}
		out = append(out, fmt.Sprintf("%d/%d", i, term))
	}
	return out
}

// pairs describes ents as termsOf does.
func pairs(ents []*pb.Entry) []string {
	var out []string
	for _, e := range ents {
		out = append(out, fmt.Sprintf("%d/%d", e.GetIndex(), e.GetTerm()))
	}
	return out
}

// equalEntries compares entry lists by value.
func equalEntries(a, b []*pb.Entry) bool {
	return slices.EqualFunc(a, b, func(x, y *pb.Entry) bool { return proto.Equal(x, y) })
}

// lastSegment returns the path of the journal's last segment file.
func lastSegment(t testing.TB, dir string) string {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(segs) == 0 {
		t.Fatalf("no segment in %s", dir)
	}
	slices.Sort(segs)
	return segs[len(segs)-1]
}

// copyDir copies the regular files of src (one level) into a new dir dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeRecords writes raw records to a fresh journal in dir, for tests that
// build journals raftlog itself would not write.
func writeRecords(t testing.TB, dir string, recs ...rawRecord) {
	t.Helper()
	w, _, err := journal.Open(journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Append(r.typ, r.payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// rawRecord is one journal record for writeRecords.
type rawRecord struct {
	typ     journal.RecordType
	payload []byte
}

// entryRec encodes an entry record.
func entryRec(i, term uint64) rawRecord {
	b, _ := proto.Marshal(index(i).terms(term)[0])
	return rawRecord{journal.TypeRaftEntry, b}
}

// stateRec encodes a HardState record.
func stateRec(term, vote, commit uint64) rawRecord {
	b, _ := proto.Marshal(hardState(term, vote, commit))
	return rawRecord{journal.TypeRaftState, b}
}
