package fixstore

import (
	"os"
	"reflect"
	"testing"
)

// fillLog writes a log with several runs (a rewind) and enough messages for
// several index entries, and returns the store, still open.
func fillLog(t *testing.T, dir string) *Store {
	t.Helper()
	s := mustOpen(t, dir, false)
	for seq := 1; seq <= 3000; seq++ {
		must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq)))
		if seq%3 == 0 {
			must(t, s.IncrNextTargetMsgSeqNum())
		}
	}
	must(t, s.SetNextSenderMsgSeqNum(2500)) // rewind: a second run
	for seq := 2500; seq <= 4700; seq++ {
		must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq+1_000_000)))
	}
	return s
}

// stateOf is what a store restored, without the file handle.
func stateOf(s *Store) logState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// A clean Close writes the state file; Open uses it instead of replaying,
// removes it before anything is written, and restores exactly what a replay
// rebuilds, so every later read and write behaves the same.
func TestStateFileSkipsReplay(t *testing.T) {
	dir := t.TempDir()
	s := fillLog(t, dir)
	want := stateOf(s)
	must(t, s.Close())
	if _, err := os.Stat(s.statePath()); err != nil {
		t.Fatalf("no state file after Close: %v", err)
	}

	fast := mustOpen(t, dir, false)
	if fast.replayed {
		t.Fatal("Open replayed although a matching state file was there")
	}
	if _, err := os.Stat(fast.statePath()); !os.IsNotExist(err) {
		t.Fatalf("state file still there after Open: %v", err)
	}
	if got := stateOf(fast); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored state differs from the one written:\n got %+v\nwant %+v", got, want)
	}
	slow := mustOpen(t, dir, false) // no state file now: a replay of the same log
	if !slow.replayed {
		t.Fatal("Open without a state file did not replay")
	}
	if got := stateOf(slow); !reflect.DeepEqual(got, want) {
		t.Fatalf("replayed state differs from the closed store's:\n got %+v\nwant %+v", got, want)
	}
	for _, r := range [][2]int{{1, 1}, {1, 5000}, {1000, 1100}, {2400, 2600}, {3000, 3000}, {4600, 4800}} {
		a, err := fast.GetMessages(r[0], r[1])
		must(t, err)
		b, err := slow.GetMessages(r[0], r[1])
		must(t, err)
		if !equalMsgs(a, b) || len(a) == 0 {
			t.Errorf("range %v: %d messages from the restored store, %d from the replayed one", r, len(a), len(b))
		}
	}
	must(t, fast.SaveMessageAndIncrNextSenderMsgSeqNum(4701, fixMsg(4701)))
	checkSeqs(t, fast, 4702, 1001)
	must(t, slow.Close())
}

// A state file that does not describe the log as it is is ignored: the log
// grew after it was written (its removal lost to a crash), the log's last bytes
// changed, or the file itself is damaged. Open then replays and sees the log
// as it really is.
func TestStateFileIgnoredUnlessItMatches(t *testing.T) {
	dir := t.TempDir()
	s := fillLog(t, dir)
	must(t, s.Close())
	saved := readFile(t, s.statePath())
	restore := func() { must(t, os.WriteFile(s.statePath(), saved, 0o600)) }

	// The log grew after the state file was written.
	g := mustOpen(t, dir, false)
	must(t, g.IncrNextTargetMsgSeqNum()) // and then a crash: no Close
	restore()
	r := mustOpen(t, dir, false)
	if !r.replayed {
		t.Fatal("state file of a shorter log used")
	}
	checkSeqs(t, r, 4701, 1002)

	// Same size, other last bytes: the last record's payload damaged.
	must(t, r.Close())
	log := readFile(t, s.Path())
	saved = readFile(t, s.statePath())
	log[len(log)-2] ^= 0xff
	must(t, os.WriteFile(s.Path(), log, 0o600))
	restore()
	d := mustOpen(t, dir, false)
	if !d.replayed || d.TruncatedBytes() == 0 {
		t.Fatalf("damaged last record: replayed %v, truncated %d", d.replayed, d.TruncatedBytes())
	}
	must(t, d.Close())

	// A damaged state file, at every byte, and cut short at every length.
	saved = readFile(t, s.statePath())
	for i := range saved {
		bad := append([]byte(nil), saved...)
		bad[i] ^= 0x5a
		must(t, os.WriteFile(s.statePath(), bad, 0o600))
		x := mustOpen(t, dir, false)
		if !x.replayed {
			t.Fatalf("state file with byte %d flipped used", i)
		}
		must(t, x.Close()) // writes a good one again
	}
	for n := 0; n < len(saved); n += 7 {
		must(t, os.WriteFile(s.statePath(), saved[:n], 0o600))
		x := mustOpen(t, dir, false)
		if !x.replayed {
			t.Fatalf("state file cut to %d bytes used", n)
		}
		must(t, x.Close())
	}
}

// Refresh always replays (it is how QuickFIX picks up another writer's
// records) and leaves no state file behind.
func TestRefreshIgnoresStateFile(t *testing.T) {
	dir := t.TempDir()
	s := fillLog(t, dir)
	must(t, s.Close())
	must(t, s.Refresh())
	if !s.replayed {
		t.Fatal("Refresh used the state file")
	}
	if _, err := os.Stat(s.statePath()); !os.IsNotExist(err) {
		t.Fatalf("state file after Refresh: %v", err)
	}
	must(t, s.Refresh())
	if _, err := os.Stat(s.statePath()); !os.IsNotExist(err) {
		t.Fatalf("Refresh wrote a state file: %v", err)
	}
	checkSeqs(t, s, 4701, 1001)
}
