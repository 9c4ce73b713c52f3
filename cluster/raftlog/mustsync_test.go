package raftlog

import (
	"path/filepath"
	"testing"
)

// A HardState that changes only Commit is not synced on its own (raft.MustSync):
// a crash right after it recovers the previous commit index; the next group
// that must be synced, or Close, takes it to the disk.
func TestCommitOnlyHardStateWaitsForNextGroup(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	defer l.Close()
	if err := l.Save(hardState(1, 1, 1), index(1).terms(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	// recovered opens a copy of d as a crash at this point would leave it.
	base := t.TempDir()
	recovered := func(name string) Recovery {
		t.Helper()
		c := testDirs{filepath.Join(base, name, "journal"), filepath.Join(base, name, "snapshots")}
		copyDir(t, d.journal, c.journal)
		cl, rec := open(t, c)
		cl.Close()
		return rec
	}
	synced := l.w.SyncedIndex()
	if err := l.Save(hardState(1, 1, 3), nil); err != nil {
		t.Fatal(err)
	}
	if got := l.w.SyncedIndex(); got != synced {
		t.Fatalf("a commit-only HardState was synced: synced index %d, was %d", got, synced)
	}
	if _, _, err := l.InitialState(); err != nil {
		t.Fatal(err)
	}
	if rec := recovered("crash1"); rec.Commit != 1 || rec.LastIndex != 3 {
		t.Fatalf("crash after a commit-only HardState: %s, want commit 1, last index 3", rec)
	}
	// The next group with entries carries it.
	if err := l.Save(nil, index(4).terms(1)); err != nil {
		t.Fatal(err)
	}
	if rec := recovered("crash2"); rec.Commit != 3 || rec.LastIndex != 4 {
		t.Fatalf("crash after the next group: %s, want commit 3, last index 4", rec)
	}
	// A term change is synced at once.
	if err := l.Save(hardState(2, 2, 4), nil); err != nil {
		t.Fatal(err)
	}
	if rec := recovered("crash3"); rec.Term != 2 || rec.Vote != 2 || rec.Commit != 4 {
		t.Fatalf("crash after a new term's HardState: %s, want term 2 vote 2 commit 4", rec)
	}
	// Close writes a pending commit-only HardState.
	if err := l.Save(hardState(2, 2, 4), index(5).terms(2)); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(2, 2, 5), nil); err != nil {
		t.Fatal(err)
	}
	l2, rec := reopen(t, l, d)
	defer l2.Close()
	if rec.Commit != 5 || rec.LastIndex != 5 {
		t.Fatalf("after Close: %s, want commit 5, last index 5", rec)
	}
}
