package pipeline

import (
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/replay"
)

// copyDataDir copies the journal segments and snapshots of dir into a new
// directory, the journal's segment lastSeg cut at cut bytes.
func copyDataDir(t *testing.T, dir string, lastSeg string, cut int64) string {
	t.Helper()
	out := t.TempDir()
	for _, sub := range []string{datadir.JournalDir(""), datadir.SnapshotDir("")} {
		if err := os.MkdirAll(filepath.Join(out, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		names, _ := filepath.Glob(filepath.Join(dir, sub, "*"))
		for _, n := range names {
			if filepath.Base(n) == "LOCK" || strings.HasPrefix(filepath.Base(n), ".") {
				continue
			}
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			if n == lastSeg {
				b = b[:cut]
			}
			if err := os.WriteFile(filepath.Join(out, sub, filepath.Base(n)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// recordEnd returns the segment file and end offset of journal record idx.
func recordEnd(t *testing.T, dir string, idx uint64) (string, int64) {
	t.Helper()
	r, err := journal.OpenReader(datadir.JournalDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("record %d not found: %v", idx, err)
		}
		if rec.Index == idx {
			return filepath.Join(datadir.JournalDir(dir), filepath.Base(segmentFile(rec.Segment))), rec.Offset + 9 + int64(len(rec.Payload))
		}
	}
}

func segmentFile(n uint64) string {
	s := itoa(int(n))
	return strings.Repeat("0", 20-len(s)) + s + ".log"
}

// TestSnapshotNeverAheadOfSyncedJournal is issue 13 item 5 under durability
// none: the snapshotter writes a snapshot once its seq is durable, which under
// none means written to the OS, not to the disk. A crash of the machine then
// keeps the snapshot (fsynced) and loses the journal's unsynced tail. The
// snapshotter must fsync the journal first: when the snapshot file appears,
// SyncedIndex covers its seq, and a copy of the data directory cut to what
// was synced (the crash) recovers. Cut below the snapshot, recovery and
// replay refuse with a SnapshotAheadError.
func TestSnapshotNeverAheadOfSyncedJournal(t *testing.T) {
	dir := t.TempDir()
	const every = 20
	p, _, err := Open(Options{Engine: testConfig(), Dir: dir, Durability: journal.PolicyNone, MatcherCPU: -1,
		SnapshotEvery: every, CheckpointEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	defer p.Close()
	r := rand.New(rand.NewSource(5))
	for i := 0; i < every; i++ {
		c := randomCommand(r, 0, i)
		if err := p.Submit(&c); err != nil {
			t.Fatal(err)
		}
	}
	snap := filepath.Join(datadir.SnapshotDir(dir), "snapshot-00000000000000000020.snap")
	for {
		if _, err := os.Stat(snap); err == nil {
			break
		}
		if err := p.Stats().Err; err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	// Without checkpoints, record index i holds the command with Seq i.
	synced := p.jw.SyncedIndex()
	if synced < every {
		t.Fatalf("snapshot at seq %d written while the journal was fsynced only to record %d", every, synced)
	}
	seg, end := recordEnd(t, dir, synced)
	crashed := copyDataDir(t, dir, seg, end)
	res, err := datadir.Recover(crashed, testConfig())
	if err != nil || res.LastSeq < every {
		t.Fatalf("recovery after the crash: seq %d, %v", res.LastSeq, err)
	}

	seg, end = recordEnd(t, dir, every-5)
	cut := copyDataDir(t, dir, seg, end)
	if _, err := datadir.Recover(cut, testConfig()); !errors.Is(err, datadir.ErrSnapshotAhead) {
		t.Fatalf("recovery with the journal cut below the snapshot: %v, want ErrSnapshotAhead", err)
	}
	for _, from := range []bool{false, true} {
		if _, err := replay.Run(replay.Options{Dir: cut, Engine: testConfig(), FromSnapshot: from}); !errors.Is(err, datadir.ErrSnapshotAhead) {
			t.Fatalf("replay (from snapshot %v) of the cut journal: %v, want ErrSnapshotAhead", from, err)
		}
	}
}

// TestDeletedJournalRefused is issue 17 item 5: a clean stop leaves a
// snapshot at the last seq; with the journal's only segment deleted, Open
// must refuse (twice: the first attempt leaves an empty segment behind) and
// replay must refuse, naming what is missing, instead of starting at the
// snapshot's seq over an empty journal and replaying commands=0.
func TestDeletedJournalRefused(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1, SnapshotEvery: -1, CheckpointEvery: -1}
	p, _, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	r := rand.New(rand.NewSource(6))
	for i := 0; i < 30; i++ {
		c := randomCommand(r, 0, i)
		if err := p.Submit(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil { // the final snapshot, at seq 30
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(datadir.JournalDir(dir), "*.log"))
	for _, s := range segs {
		os.Remove(s)
	}
	for _, run := range []string{"first", "second"} {
		_, _, err := Open(opts)
		var ae *datadir.SnapshotAheadError
		if !errors.As(err, &ae) || ae.SnapshotSeq != 30 || ae.JournalLastSeq != 0 || !strings.Contains(err.Error(), "commands 1 to 30 are missing") {
			t.Fatalf("%s Open with the journal deleted: %v, want a SnapshotAheadError at 30", run, err)
		}
		for _, from := range []bool{false, true} {
			res, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), FromSnapshot: from})
			if !errors.Is(err, datadir.ErrSnapshotAhead) {
				t.Fatalf("%s: replay (from snapshot %v) of the deleted journal: commands=%d, %v; want ErrSnapshotAhead", run, from, res.Commands, err)
			}
		}
	}
}
