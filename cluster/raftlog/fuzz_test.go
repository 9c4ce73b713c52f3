package raftlog

import (
	"os"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/journal"
)

// fuzzJournal builds a data directory from the fuzzer's bytes, a program of
// 4-byte steps [op a b c]: op%4 0 appends an entry at index a with term b,
// 1 a HardState (term a, vote b, commit c), 2 a raw record of type b%6+1
// whose payload is the next a%32 bytes of input, 3 writes a raft snapshot at
// index a, term b (reset if op&4, at the journal's next record index or, if
// op&8, c records before or after it). Raw records and odd snapshots reach
// every refusal; entries and HardStates reach the overwrite rule.
func fuzzJournal(t *testing.T, d testDirs, prog []byte) {
	w, _, err := journal.Open(journal.Options{Dir: d.journal, MaxDelay: -1, Policy: journal.PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for len(prog) >= 4 {
		op, a, b, c := prog[0], uint64(prog[1]), uint64(prog[2]), uint64(prog[3])
		prog = prog[4:]
		var err error
		switch op % 4 {
		case 0:
			r := entryRec(a, b)
			err = w.Append(r.typ, r.payload)
		case 1:
			r := stateRec(a, b, c)
			err = w.Append(r.typ, r.payload)
		case 2:
			n := min(int(a%32), len(prog))
			err = w.Append(journal.RecordType(b%6+1), prog[:n])
			prog = prog[n:]
		case 3:
			if err = w.Sync(); err != nil {
				break
			}
			pos := w.NextIndex()
			if op&8 != 0 {
				pos = max(1, pos+c-128)
			}
			_, err = writeSnap(d.snaps, snapshotAt(a, b, 1), op&4 != 0, pos, -1)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzOpen opens journals and snapshots built from arbitrary steps: Open
// must not panic, and either refuse with an error or return a log that is
// consistent (consecutive entries after the snapshot, terms not going back,
// commit between the snapshot index and the last index, a term not below the
// last entry's), that a RawNode starts on, and that reads back the same
// after a Save and a reopen.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 0, 2, 1, 0, 1, 1, 1, 2, 0, 3, 1, 0})                         // entries 1-3, a HardState
	f.Add([]byte{0, 1, 1, 0, 0, 2, 1, 0, 0, 3, 1, 0, 0, 2, 2, 0, 1, 2, 2, 1})             // overwrite
	f.Add([]byte{0, 1, 1, 0, 0, 2, 1, 0, 1, 1, 1, 2, 3, 2, 1, 0, 0, 3, 1, 0})             // snapshot, an entry after it
	f.Add([]byte{0, 1, 1, 0, 0, 2, 1, 0, 0, 3, 1, 0, 7, 5, 2, 0, 0, 6, 2, 0, 1, 2, 0, 6}) // reset snapshot
	f.Add([]byte{0, 1, 1, 0, 2, 3, 0, 0, 1, 2, 3, 0, 0, 2, 1, 0})                         // a command record
	f.Add([]byte{0, 1, 1, 0, 11, 1, 1, 120, 0, 2, 1, 0})                                  // snapshot position before the journal's
	f.Add([]byte{0, 1, 1, 0, 0, 2, 1, 0, 1, 1, 1, 2, 0, 2, 2, 0, 3, 1, 1, 0, 0, 3, 3, 0}) // below the snapshot
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) > 400 {
			return
		}
		d := newDirs(t)
		if err := mkdirs(d); err != nil {
			t.Fatal(err)
		}
		fuzzJournal(t, d, prog)
		// PolicyNone: the fuzzer's throughput is not spent on fsyncs.
		opts := Options{JournalDir: d.journal, SnapshotDir: d.snaps, Policy: journal.PolicyNone}
		l, rec, err := Open(opts)
		if err != nil {
			return
		}
		checkConsistent(t, l, rec)
		// A RawNode starts on it (raft panics on an inconsistent state).
		snap, _ := l.Snapshot()
		if _, err := raft.NewRawNode(&raft.Config{ID: 1, ElectionTick: 10, HeartbeatTick: 1, Storage: l,
			Applied: snap.GetMetadata().GetIndex(), MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 16, Logger: quietLogger}); err != nil {
			t.Fatalf("NewRawNode: %v (recovery %s)", err, rec)
		}
		// It takes a Save and reads back the same.
		last, _ := l.LastIndex()
		hs, _, _ := l.InitialState()
		if err := l.Save(hardState(hs.GetTerm()+1, 1, hs.GetCommit()), index(last+1).terms(hs.GetTerm()+1)); err != nil {
			t.Fatalf("Save after Open: %v (recovery %s)", err, rec)
		}
		before := state(t, l)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l2, rec2, err := Open(opts)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer l2.Close()
		checkConsistent(t, l2, rec2)
		if after := state(t, l2); after != before {
			t.Fatalf("reopened as\n%s\nwas\n%s", after, before)
		}
	})
}

// mkdirs creates the test directories (the snapshot steps write first).
func mkdirs(d testDirs) error {
	if err := os.MkdirAll(d.journal, 0o755); err != nil {
		return err
	}
	return os.MkdirAll(d.snaps, 0o755)
}

// checkConsistent checks the invariants FuzzOpen promises.
func checkConsistent(t *testing.T, l *Log, rec Recovery) {
	t.Helper()
	first, _ := l.FirstIndex()
	last, _ := l.LastIndex()
	snap, _ := l.Snapshot()
	si, st := snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
	if first != si+1 || rec.FirstIndex != first || rec.LastIndex != last || last < si {
		t.Fatalf("first %d last %d, snapshot %d (recovery %s)", first, last, si, rec)
	}
	if term, err := l.Term(si); err != nil || term != st {
		t.Fatalf("Term(%d) = %d, %v; snapshot term %d", si, term, err, st)
	}
	prev := uint64(0)
	if last > si {
		ents, err := l.Entries(first, last+1, ^uint64(0))
		if err != nil || uint64(len(ents)) != last-si {
			t.Fatalf("Entries(%d, %d) = %d entries, %v", first, last+1, len(ents), err)
		}
		for k, e := range ents {
			if e.GetIndex() != first+uint64(k) || e.GetTerm() < prev || e.GetTerm() == 0 {
				t.Fatalf("entry %d/%d at position %d after term %d", e.GetIndex(), e.GetTerm(), k, prev)
			}
			prev = e.GetTerm()
		}
	}
	hs, _, _ := l.InitialState()
	if hs.GetCommit() < si || hs.GetCommit() > last || hs.GetTerm() < prev || hs.GetTerm() < st {
		t.Fatalf("HardState %v with snapshot %d/%d, last %d/%d", hs, si, st, last, prev)
	}
}

// FuzzSnapshotFile feeds arbitrary bytes to the raft snapshot parser: no
// panic, and a file that verifies has the index of its name.
func FuzzSnapshotFile(f *testing.F) {
	d := f.TempDir()
	path, err := writeSnap(d, snapshotAt(7, 2, 1, 2, 3), true, 9, -1)
	if err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:snapHeaderSize])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, reason := parseSnap(b, SnapshotFile{Index: 7, Path: "fuzz"})
		if reason != "" {
			return
		}
		md := s.snap.GetMetadata()
		if md.GetIndex() != 7 || s.file.Index != 7 || md.GetTerm() != s.file.Term || md.GetConfState() == nil {
			t.Fatalf("verified snapshot %v as %+v", md, s.file)
		}
		_ = pb.EnsureSnapshot(s.snap)
	})
}
