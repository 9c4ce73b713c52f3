package pipeline

import (
	"math/rand"
	"testing"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/replay"
	"github.com/openmatch/matchd/ringbuffer"
)

// TestCheckpointNeverAheadOfItsCommand builds the state a crash left behind in
// TestCrashRecovery's rare failures: the matcher, running ahead of the journal,
// hands over the checkpoint for seq 10 while the journaler's batch holds only
// commands 1..5, and the process dies after that batch's commit. The next run
// gives seqs 6..10 to other commands, so a checkpoint for seq 10 written with
// the first batch would contradict the journal and -verify would fail.
func TestCheckpointNeverAheadOfItsCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	jw, _, err := journal.Open(journal.Options{Dir: datadir.JournalDir(dir), MaxDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	in, err := ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: 16})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{jw: jw, in: in, checkpoints: make(chan [2]uint64, 4)}
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	out := engine.NewEvents(64)
	for i := 0; i < 10; i++ {
		c := randomCommand(r, 0, i)
		c.Seq, c.Time = uint64(i+1), int64(i+1)
		*in.Slot(int64(i)) = c
		eng.Apply(&c, out)
		if c.Seq%5 == 0 {
			p.checkpoints <- [2]uint64{c.Seq, eng.StateHash()}
		}
	}
	first := eng.StateHash()
	j := &journaler{p: p}
	j.Consume(0, 4) // commands 1..5; checkpoints 5 and 10 are waiting
	if f := p.failed.Load(); f != nil {
		t.Fatal(*f)
	}
	if err := jw.Close(); err != nil { // the crash: 6..10 never reach the journal
		t.Fatal(err)
	}

	pl, rec, err := Open(Options{Engine: cfg, Dir: dir, MatcherCPU: -1, CheckpointEvery: 5, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rec.LastSeq != 5 {
		t.Fatalf("recovered seq %d, want 5", rec.LastSeq)
	}
	if err := pl.Start(nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		c := randomCommand(r, 1, i) // another owner: a different state at seq 10
		if err := pl.Submit(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	if pl.Engine().StateHash() == first {
		t.Fatal("the second run reached the first run's state: the test proves nothing")
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: cfg, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	// Checkpoint 5 of the first run, checkpoint 10 of the second (written by
	// Close if the journaler had not picked it up); none of them lost.
	if res.LastSeq != 10 || res.Checkpoints != 2 {
		t.Fatalf("replay reached seq %d with %d checkpoints verified, want 10 and 2", res.LastSeq, res.Checkpoints)
	}
}
