package raftlog

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/journal"
)

// TestReopenSameState saves entries, HardStates and a snapshot in several
// groups and checks that a reopen gives the same state.
func TestReopenSameState(t *testing.T) {
	d := newDirs(t)
	l, rec := open(t, d)
	if rec.FirstIndex != 1 || rec.LastIndex != 0 || rec.Snapshot.Path != "" {
		t.Fatalf("fresh log: %s", rec)
	}
	if err := l.Save(hardState(1, 1, 0), index(1).terms(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(1, 1, 3), index(4).terms(1, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateSnapshot(3, &pb.ConfState{Voters: []uint64{1, 2, 3}}, []byte("state at 3")); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 2, 5), index(6).terms(2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := l.Compact(2); err != nil {
		t.Fatal(err)
	}
	before := state(t, l)
	l, rec = reopen(t, l, d)
	defer l.Close()
	// A reopen starts after the snapshot (3), not at the compaction (2).
	want := `[3/1] 4/1:e4.1 5/1:e5.1 6/2:e6.2 7/2:e7.2 hs(2,2,5) cs[1 2 3] snap(3,1,"state at 3")`
	if got := state(t, l); got != want {
		t.Fatalf("reopened as\n%s\nwant\n%s\n(before: %s)", got, want, before)
	}
	if rec.FirstIndex != 4 || rec.LastIndex != 7 || rec.Term != 2 || rec.Vote != 2 || rec.Commit != 5 ||
		rec.Snapshot.Index != 3 || rec.Entries != 7 || rec.Below != 3 || rec.States != 3 || rec.Adjusted != "" {
		t.Fatalf("Recovery %+v", rec)
	}
	if s := rec.String(); !strings.Contains(s, "entries 4..7") || !strings.Contains(s, "snapshot index 3 term 1") {
		t.Fatalf("Recovery.String() = %s", s)
	}
}

// TestOverwriteAcrossReopen: a new leader's entries replace a conflicting
// suffix; the journal only appends, and reading it back applies the rule.
func TestOverwriteAcrossReopen(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 3), index(1).terms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 2, 3), index(6).terms(2, 2, 2)); err != nil {
		t.Fatal(err)
	}
	want := []string{"0/0", "1/1", "2/1", "3/1", "4/1", "5/1", "6/2", "7/2", "8/2"}
	if got := termsOf(t, l); !slices.Equal(got, want) {
		t.Fatalf("before reopen %v, want %v", got, want)
	}
	l, rec := reopen(t, l, d)
	if got := termsOf(t, l); !slices.Equal(got, want) {
		t.Fatalf("after reopen %v, want %v", got, want)
	}
	if rec.Overwritten != 5 || rec.Entries != 13 {
		t.Fatalf("Recovery %+v, want 5 of 13 entries overwritten", rec)
	}
	// A second overwrite after the reopen, and a reopen again.
	if err := l.Save(hardState(3, 3, 7), index(8).terms(3, 3)); err != nil {
		t.Fatal(err)
	}
	l, rec = reopen(t, l, d)
	defer l.Close()
	want = []string{"0/0", "1/1", "2/1", "3/1", "4/1", "5/1", "6/2", "7/2", "8/3", "9/3"}
	if got := termsOf(t, l); !slices.Equal(got, want) {
		t.Fatalf("after second reopen %v, want %v", got, want)
	}
	if rec.Overwritten != 6 {
		t.Fatalf("Recovery.Overwritten = %d, want 6", rec.Overwritten)
	}
	if ents, _ := l.Entries(8, 9, 1<<20); len(ents) != 1 || string(ents[0].GetData()) != "e8.3" {
		t.Fatalf("entry 8 = %v", ents)
	}
}

// TestOverwriteBelowSnapshot: an entry at or below the snapshot's index,
// journaled after entries above it, replaces them too (a new leader
// overwrote them, then the state was snapshotted).
func TestOverwriteBelowSnapshot(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 5), index(1).terms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	// The new leader's entries end at 7, below the old 8 to 10: only the
	// entries at or below the snapshot replace those.
	if err := l.Save(hardState(2, 2, 7), index(6).terms(2, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateSnapshot(7, nil, []byte("s7")); err != nil {
		t.Fatal(err)
	}
	l, rec := reopen(t, l, d)
	defer l.Close()
	if rec.Overwritten != 3 {
		t.Fatalf("Recovery.Overwritten = %d, want 3, entries 8 to 10 (recovery %s)", rec.Overwritten, rec)
	}
	want := []string{"7/2"}
	if got := termsOf(t, l); !slices.Equal(got, want) {
		t.Fatalf("after reopen %v, want %v (recovery %s)", got, want, rec)
	}
}

// TestApplySnapshotReset: a follower's log is replaced by a snapshot; the
// entries journaled before it do not come back, even those above its index,
// and a crash before the next HardState leaves one raised to agree.
func TestApplySnapshotReset(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 5), index(1).terms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.ApplySnapshot(snapshotAt(8, 2, 1, 2, 3)); err != nil {
		t.Fatal(err)
	}
	if got := termsOf(t, l); !slices.Equal(got, []string{"8/2"}) {
		t.Fatalf("after ApplySnapshot %v", got)
	}
	l, rec := reopen(t, l, d)
	if got := termsOf(t, l); !slices.Equal(got, []string{"8/2"}) {
		t.Fatalf("after reopen %v (recovery %s)", got, rec)
	}
	if rec.BeforeReset != 10 || !rec.Snapshot.Reset || rec.Commit != 8 || rec.Term != 2 || rec.Vote != 0 || rec.Adjusted == "" {
		t.Fatalf("Recovery %+v", rec)
	}
	hs, cs, _ := l.InitialState()
	if hs.GetCommit() != 8 || hs.GetTerm() != 2 || !slices.Equal(cs.GetVoters(), []uint64{1, 2, 3}) {
		t.Fatalf("InitialState %v %v", hs, cs)
	}
	// The Ready's HardState and the next entries, then a reopen.
	if err := l.Save(hardState(2, 0, 8), nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 0, 9), index(9).terms(2, 2)); err != nil {
		t.Fatal(err)
	}
	l, rec = reopen(t, l, d)
	defer l.Close()
	if got := termsOf(t, l); !slices.Equal(got, []string{"8/2", "9/2", "10/2"}) {
		t.Fatalf("after reopen %v (recovery %s)", got, rec)
	}
	if rec.Adjusted != "" || rec.Commit != 9 {
		t.Fatalf("Recovery %+v", rec)
	}
}

// TestDamagedSnapshotFallsBack: a damaged newest raft snapshot that
// CreateSnapshot wrote is reported and the previous one used, the entries
// after it read from the journal. Past one that ApplySnapshot wrote (the
// entries before it are not in the journal), or whose header does not say,
// Open refuses.
func TestDamagedSnapshotFallsBack(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 6), index(1).terms(1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{2, 4} {
		if _, err := l.CreateSnapshot(i, &pb.ConfState{Voters: []uint64{1}}, []byte("s")); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	// A follower's directory: a snapshot from the leader replaced its log.
	df := newDirs(t)
	lf, _ := open(t, df)
	if err := lf.Save(hardState(1, 1, 2), index(1).terms(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := lf.CreateSnapshot(2, &pb.ConfState{Voters: []uint64{1}}, []byte("s")); err != nil {
		t.Fatal(err)
	}
	if err := lf.ApplySnapshot(snapshotAt(4, 2, 1)); err != nil {
		t.Fatal(err)
	}
	lf.Close()
	for _, c := range []struct {
		name   string
		dirs   testDirs
		damage func([]byte) []byte
		refuse bool
	}{
		{"payload", d, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, false},
		{"cut", d, func(b []byte) []byte { return b[:len(b)-1] }, false},
		{"header", d, func(b []byte) []byte { b[10] ^= 1; return b }, true},
		{"shorter than a header", d, func(b []byte) []byte { return b[:3] }, true},
		{"received snapshot", df, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, true},
	} {
		dd := newDirs(t)
		copyDir(t, c.dirs.journal, dd.journal)
		copyDir(t, c.dirs.snaps, dd.snaps)
		p := filepath.Join(dd.snaps, snapName(4))
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, c.damage(b), 0o644); err != nil {
			t.Fatal(err)
		}
		l, rec, err := Open(Options{JournalDir: dd.journal, SnapshotDir: dd.snaps})
		if c.refuse {
			if err == nil {
				l.Close()
				t.Fatalf("%s: Open fell back to snapshot %d", c.name, rec.Snapshot.Index)
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "restore this node's data directory from a peer") ||
				len(rec.DamagedSnapshots) != 1 {
				t.Fatalf("%s: Open error %v, damaged %v", c.name, err, rec.DamagedSnapshots)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: Open: %v", c.name, err)
		}
		if rec.Snapshot.Index != 2 || len(rec.DamagedSnapshots) != 1 || rec.DamagedSnapshots[0].Index != 4 {
			t.Fatalf("%s: Recovery %+v", c.name, rec)
		}
		if !strings.Contains(rec.String(), "1 damaged snapshots skipped") ||
			!strings.HasPrefix(rec.DamagedSnapshots[0].String(), "raftlog: snapshot 4") {
			t.Fatalf("%s: Recovery.String() = %s; damaged %s", c.name, rec, rec.DamagedSnapshots[0])
		}
		if got := termsOf(t, l); !slices.Equal(got, []string{"2/1", "3/1", "4/1", "5/1", "6/1"}) {
			t.Fatalf("%s: log %v", c.name, got)
		}
		l.Close()
	}
}

// TestSnapshotKinds: engine snapshots (journal.WriteSnapshot) in the same
// directory are not raft snapshots and the other way round; a Log keeps
// SnapshotKeep raft snapshots.
func TestSnapshotKinds(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := journal.WriteSnapshot(d.snaps, 9, []byte("engine")); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(1, 1, 6), index(1).terms(1, 1, 1, 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 5; i++ {
		if _, err := l.CreateSnapshot(i, nil, []byte("raft")); err != nil {
			t.Fatal(err)
		}
	}
	l, rec := reopen(t, l, d)
	defer l.Close()
	if rec.Snapshot.Index != 5 {
		t.Fatalf("Recovery.Snapshot %+v", rec.Snapshot)
	}
	engine, err := journal.ListSnapshots(d.snaps)
	if err != nil || len(engine) != 1 || engine[0].Seq != 9 {
		t.Fatalf("journal.ListSnapshots = %v, %v", engine, err)
	}
	raftSnaps, _ := listSnaps(d.snaps)
	if len(raftSnaps) != DefaultSnapshotKeep || raftSnaps[0].Index != 3 {
		t.Fatalf("raft snapshots kept: %v", raftSnaps)
	}
}

// TestCorruptJournals: journals whose records do not make a raft log are
// refused with a *CorruptionError naming the record, never read around.
// corruptCase is a journal Open and ReadCommitted refuse.
type corruptCase struct {
	name   string
	recs   []rawRecord
	record uint64 // journal record the error names (0: none)
	reason string
}

func corruptCases() []corruptCase {
	return []corruptCase{
		{"gap", []rawRecord{entryRec(1, 1), entryRec(2, 1), entryRec(4, 1)}, 3, "entries 3 to 3 are missing"},
		{"first entry not 1", []rawRecord{entryRec(2, 1)}, 1, "entries 1 to 1 are missing"},
		{"command record", []rawRecord{entryRec(1, 1), {journal.TypeCommand, []byte("x")}}, 2, "record of type command"},
		{"bad entry", []rawRecord{{journal.TypeRaftEntry, []byte{0xff, 0xff}}}, 1, "entry does not decode"},
		{"unknown field", []rawRecord{{journal.TypeRaftEntry, []byte{0x28, 0x01}}}, 1, "unknown fields"},
		{"index 0", []rawRecord{{journal.TypeRaftEntry, nil}}, 1, "index 0 term 0"},
		{"bad state", []rawRecord{{journal.TypeRaftState, []byte{0x08}}}, 1, "HardState does not decode"},
		{"term goes back", []rawRecord{stateRec(2, 1, 0), stateRec(1, 1, 0)}, 2, "below the term 2"},
		{"entry term goes back", []rawRecord{entryRec(1, 2), entryRec(2, 1)}, 2, "below the term 2 of entry 1"},
		{"commit beyond", []rawRecord{entryRec(1, 1), stateRec(1, 1, 2)}, 2, "commit 2 beyond the last entry 1"},
		{"committed entry replaced", []rawRecord{entryRec(1, 1), entryRec(2, 1), stateRec(1, 1, 2), entryRec(2, 2)}, 4, "committed by an earlier HardState"},
		{"entry replaced below a later lower commit", []rawRecord{entryRec(1, 1), entryRec(2, 1), stateRec(1, 1, 2), stateRec(1, 1, 1), entryRec(2, 2)}, 5, "committed by an earlier HardState (commit 2)"},
	}
}

func TestCorruptJournals(t *testing.T) {
	for _, tt := range corruptCases() {
		t.Run(tt.name, func(t *testing.T) {
			d := newDirs(t)
			writeRecords(t, d.journal, tt.recs...)
			l, _, err := Open(Options{JournalDir: d.journal, SnapshotDir: d.snaps})
			if err == nil {
				l.Close()
				t.Fatal("Open succeeded")
			}
			var ce *CorruptionError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || !errors.Is(err, journal.ErrCorrupt) {
				t.Fatalf("Open error %v (%T), want a *CorruptionError", err, err)
			}
			if ce.Record != tt.record || !strings.Contains(ce.Reason, tt.reason) || (ce.Record != 0 && ce.Segment != 1) {
				t.Fatalf("error %v, want record %d and %q", err, tt.record, tt.reason)
			}
			if ce.Record != 0 && (ce.Offset < 28 || !strings.Contains(err.Error(), "segment 1 offset")) {
				t.Fatalf("error %v does not locate the record", err)
			}
			// Open refused and released the journal: it opens again.
			if _, _, err := Open(Options{JournalDir: d.journal, SnapshotDir: d.snaps}); err == nil {
				t.Fatal("second Open succeeded")
			} else if errors.Is(err, journal.ErrLocked) {
				t.Fatalf("journal left locked: %v", err)
			}
		})
	}
}

// TestJournalBeforeSnapshot: a journal that ends before the position the
// newest raft snapshot was written at lost records; Open refuses.
func TestJournalBeforeSnapshot(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 3), index(1).terms(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	d2 := newDirs(t)
	copyDir(t, d.journal, d2.journal)
	l, _ = open(t, d)
	if err := l.Save(hardState(1, 1, 4), index(4).terms(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateSnapshot(4, nil, nil); err != nil {
		t.Fatal(err)
	}
	l.Close()
	copyDir(t, d.snaps, d2.snaps) // the older journal with the newer snapshot
	_, _, err := Open(Options{JournalDir: d2.journal, SnapshotDir: d2.snaps})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "the journal ends before it") {
		t.Fatalf("Open = %v, want the journal-ends-before-snapshot error", err)
	}
}

// TestTornTail cuts the last segment at every offset of the last group (the
// crash of a Save) and checks what Open recovers: a prefix of the log, ending
// before or inside the group, with a HardState that never names an entry
// that is not there (Commit <= LastIndex) and a term not below the last
// entry's.
func TestTornTail(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	if err := l.Save(hardState(1, 1, 2), index(1).terms(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 2, 3), index(4).terms(2, 2)); err != nil {
		t.Fatal(err)
	}
	seg := lastSegment(t, d.journal)
	st, _ := os.Stat(seg)
	groupStart := st.Size()
	// The last group: a new term, entries that overwrite 5, a commit.
	if err := l.Save(hardState(3, 3, 6), index(5).terms(3, 3, 3)); err != nil {
		t.Fatal(err)
	}
	full := termsOf(t, l)
	l.Close()
	st, _ = os.Stat(seg)
	groupEnd := st.Size()
	before := []string{"0/0", "1/1", "2/1", "3/1", "4/2", "5/2"}
	seen := map[uint64]bool{}
	for cut := groupStart; cut < groupEnd; cut++ {
		dd := newDirs(t)
		copyDir(t, d.journal, dd.journal)
		if err := os.Truncate(filepath.Join(dd.journal, filepath.Base(seg)), cut); err != nil {
			t.Fatal(err)
		}
		l, rec, err := Open(Options{JournalDir: dd.journal, SnapshotDir: dd.snaps})
		if err != nil {
			t.Fatalf("cut at %d: Open: %v", cut, err)
		}
		got := termsOf(t, l)
		hs, _, _ := l.InitialState()
		last, _ := l.LastIndex()
		lastTerm, _ := l.Term(last)
		switch {
		case !slices.Equal(got, before) && !(len(got) > 5 && slices.Equal(got, full[:len(got)])):
			t.Fatalf("cut at %d: log %v is neither the log before the group %v nor a prefix of %v", cut, got, before, full)
		case hs.GetCommit() > last:
			t.Fatalf("cut at %d: commit %d beyond the last index %d", cut, hs.GetCommit(), last)
		case hs.GetTerm() < lastTerm:
			t.Fatalf("cut at %d: term %d below the last entry's %d", cut, hs.GetTerm(), lastTerm)
		case hs.GetCommit() == 6 && !slices.Equal(got, full):
			t.Fatalf("cut at %d: the group's HardState survived without all its entries: %v", cut, got)
		case rec.Commit != hs.GetCommit() || rec.LastIndex != last:
			t.Fatalf("cut at %d: Recovery %s disagrees with the log", cut, rec)
		}
		seen[last] = true
		// The recovered log takes the next Save.
		if err := l.Save(hardState(4, 4, hs.GetCommit()), index(last+1).terms(4)); err != nil {
			t.Fatalf("cut at %d: Save after recovery: %v", cut, err)
		}
		l, _ = reopen(t, l, dd)
		if n, _ := l.LastIndex(); n != last+1 {
			t.Fatalf("cut at %d: after Save and reopen last index %d, want %d", cut, n, last+1)
		}
		l.Close()
	}
	// Cuts land before the group, after each of its entries and after all.
	for _, i := range []uint64{5, 6, 7} {
		if !seen[i] {
			t.Errorf("no cut recovered a log ending at %d (seen %v)", i, seen)
		}
	}
}
