package raftlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/journal"
)

// readAll reads every committed entry of d as "index/term" pairs.
func readAll(t testing.TB, d testDirs, opts ReadOptions) ([]string, *Reader) {
	t.Helper()
	opts.JournalDir, opts.SnapshotDir = d.journal, d.snaps
	rd, err := ReadCommitted(opts)
	if err != nil {
		t.Fatalf("ReadCommitted: %v", err)
	}
	t.Cleanup(func() { rd.Close() })
	var got []string
	for {
		e, err := rd.Next()
		if err == io.EOF {
			return got, rd
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got = append(got, fmt.Sprintf("%d/%d", e.GetIndex(), e.GetTerm()))
	}
}

// TestReadCommittedOverwrite: the Reader returns the log Open rebuilds, up to
// the commit index only, each entry once, the overwritten ones never; the
// entries after the commit index are counted, not returned.
func TestReadCommittedOverwrite(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 3), index(1).terms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 2, 3), index(6).terms(2, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(3, 3, 7), index(8).terms(3, 3)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	got, rd := readAll(t, d, ReadOptions{})
	want := []string{"1/1", "2/1", "3/1", "4/1", "5/1", "6/2", "7/2"}
	if !slices.Equal(got, want) {
		t.Fatalf("committed %v, want %v", got, want)
	}
	rec := rd.Recovery()
	if rec.LastIndex != 9 || rec.Commit != 7 || rec.Term != 3 || rd.Pending() != 2 || rec.Overwritten != 6 || rd.Torn() != nil {
		t.Fatalf("Recovery %+v, pending %d", rec, rd.Pending())
	}
	if p := rd.Position(); p.Segment != 1 || p.Index == 0 {
		t.Fatalf("position of the last entry %+v", p)
	}
	// Open, for comparison, holds the same entries.
	l, _ = open(t, d)
	defer l.Close()
	if terms := termsOf(t, l); !slices.Equal(terms[1:8], want) {
		t.Fatalf("Open holds %v", terms)
	}
}

// TestReadCommittedSnapshots: FromSnapshot starts after the newest snapshot
// Accept takes; without it the Reader starts at the first entry, unless a
// snapshot was received from the leader, which it must start after (Accept
// refusing it is an error).
func TestReadCommittedSnapshots(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 6), index(1).terms(1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{2, 4} {
		if _, err := l.CreateSnapshot(i, nil, fmt.Appendf(nil, "s%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	if got, _ := readAll(t, d, ReadOptions{}); len(got) != 6 || got[0] != "1/1" {
		t.Fatalf("from the start: %v", got)
	}
	got, rd := readAll(t, d, ReadOptions{FromSnapshot: true})
	if f, s := rd.Snapshot(); f.Index != 4 || string(s.GetData()) != "s4" || !slices.Equal(got, []string{"5/1", "6/1"}) {
		t.Fatalf("from snapshot %d: %v", f.Index, got)
	}
	before4 := func(f SnapshotFile, _ *pb.Snapshot) (bool, string) { return f.Index < 4, "" }
	if got, rd = readAll(t, d, ReadOptions{FromSnapshot: true, Accept: before4}); len(got) != 4 {
		t.Fatalf("from snapshot %+v: %v", rd.Recovery(), got)
	}
	bad := func(f SnapshotFile, _ *pb.Snapshot) (bool, string) { return true, "data does not restore" }
	if got, rd = readAll(t, d, ReadOptions{FromSnapshot: true, Accept: bad}); len(got) != 6 || len(rd.Recovery().DamagedSnapshots) != 2 {
		t.Fatalf("with unusable snapshots: %v, %+v", got, rd.Recovery())
	}

	// A snapshot from the leader replaces the log.
	l, _ = open(t, d)
	if err := l.ApplySnapshot(snapshotAt(20, 2, 1, 2, 3)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 0, 21), index(21).terms(2, 2)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	got, rd = readAll(t, d, ReadOptions{})
	if f, _ := rd.Snapshot(); f.Index != 20 || !f.Reset || !slices.Equal(got, []string{"21/2"}) || rd.Pending() != 1 {
		t.Fatalf("after a received snapshot: start %+v, %v, pending %d", f, got, rd.Pending())
	}
	_, err := ReadCommitted(ReadOptions{JournalDir: d.journal, SnapshotDir: d.snaps, FromSnapshot: true, Accept: before4})
	if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "received from the leader") {
		t.Fatalf("a start before a received snapshot: %v", err)
	}
}

// TestReadCommittedCorrupt: the Reader refuses every journal Open refuses,
// with the same record and reason (TestCorruptJournals' cases).
func TestReadCommittedCorrupt(t *testing.T) {
	for _, tt := range corruptCases() {
		t.Run(tt.name, func(t *testing.T) {
			d := newDirs(t)
			writeRecords(t, d.journal, tt.recs...)
			rd, err := ReadCommitted(ReadOptions{JournalDir: d.journal, SnapshotDir: d.snaps})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			for err == nil {
				_, err = rd.Next()
			}
			var ce *CorruptionError
			if !errors.As(err, &ce) || ce.Record != tt.record || !strings.Contains(ce.Reason, tt.reason) {
				t.Fatalf("error %v, want record %d and %q", err, tt.record, tt.reason)
			}
			if _, again := rd.Next(); again != err {
				t.Fatalf("second Next: %v", again)
			}
		})
	}
}

// TestReadCommittedTornTail: a torn tail is the end of the log; what
// precedes it is read.
func TestReadCommittedTornTail(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 2), index(1).terms(1, 1)); err != nil {
		t.Fatal(err)
	}
	seg := lastSegment(t, d.journal)
	st, _ := os.Stat(seg)
	if err := l.Save(hardState(1, 1, 3), index(3).terms(1)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := os.Truncate(seg, st.Size()+10); err != nil {
		t.Fatal(err)
	}
	got, rd := readAll(t, d, ReadOptions{})
	if !slices.Equal(got, []string{"1/1", "2/1"}) || rd.Torn() == nil || !errors.Is(rd.Torn(), journal.ErrTornTail) {
		t.Fatalf("%v, torn %v", got, rd.Torn())
	}
}
