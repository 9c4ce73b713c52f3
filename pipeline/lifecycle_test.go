package pipeline

import (
	"errors"
	"math/rand"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// mustStart starts p with rep or fails the test.
func mustStart(tb testing.TB, p *Pipeline, rep Reporter) {
	tb.Helper()
	if err := p.Start(rep); err != nil {
		p.Close()
		tb.Fatal(err)
	}
}

// TestOpenWithoutStart: Open recovers and starts no goroutine; Submit is refused
// until Start; Close of a pipeline never started releases the directory, keeps
// the recovered books and writes their snapshot; Start after Close fails.
func TestOpenWithoutStart(t *testing.T) {
	dir := t.TempDir()
	p, _, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1, Durability: journal.PolicyNone, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	r := rand.New(rand.NewSource(5))
	for i := 0; i < 200; i++ {
		c := randomCommand(r, 1, i)
		if err := p.Submit(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	want := p.Engine().StateHash()

	before := runtime.NumGoroutine()
	p, rec, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("Open started %d goroutines", n-before)
	}
	if rec.LastSeq != 200 || rec.StateHash != want {
		t.Fatalf("recovered seq %d hash %x, want 200 %x", rec.LastSeq, rec.StateHash, want)
	}
	if st := p.Stats(); st.Sequenced != 200 || st.Durable != 200 || st.Sent != 200 || st.Err != nil {
		t.Fatalf("Stats before Start: %+v", st)
	}
	c := engine.Command{Kind: engine.KindEndOfDay}
	if err := p.Submit(&c); err != ErrNotStarted {
		t.Fatalf("Submit before Start: %v, want ErrNotStarted", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close without Start: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := p.Start(nil); err == nil {
		t.Fatal("Start after Close succeeded")
	}
	if p.Engine().StateHash() != want {
		t.Fatal("Close without Start changed the books")
	}
	snaps, err := journal.ListSnapshots(datadir.SnapshotDir(dir))
	if err != nil || len(snaps) == 0 || snaps[len(snaps)-1].Seq != 200 {
		t.Fatalf("snapshots after Close without Start: %+v, %v", snaps, err)
	}

	// The directory was unlocked: it opens again, and starts once only.
	p, rec, err = Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1})
	if err != nil {
		t.Fatalf("reopen after Close without Start: %v", err)
	}
	defer p.Close()
	if rec.FromSnapshot != 200 || rec.Replayed != 0 {
		t.Fatalf("reopen: from snapshot %d, replayed %d; want the snapshot at 200", rec.FromSnapshot, rec.Replayed)
	}
	mustStart(t, p, nil)
	if err := p.Start(nil); err == nil {
		t.Fatal("second Start succeeded")
	}
}

// TestOpenLocksTheDirectory: while a pipeline holds a data directory, a second
// Open of it fails with datadir.ErrLocked naming the directory, and writes
// nothing (engine.json keeps the first configuration).
func TestOpenLocksTheDirectory(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no flock here")
	}
	dir := t.TempDir()
	p, _, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	other := testConfig()
	other.MaxOrders *= 2
	_, _, err = Open(Options{Engine: other, Dir: dir, MatcherCPU: -1})
	if !errors.Is(err, datadir.ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.HasPrefix(err.Error(), "pipeline: ") {
		t.Fatalf("second Open: %v, want pipeline: ... datadir.ErrLocked naming %s", err, dir)
	}
	stored, err := datadir.LoadConfig(dir)
	if err != nil || stored.MaxOrders != testConfig().MaxOrders {
		t.Fatalf("engine.json after the refused Open: %+v, %v", stored, err)
	}
}

// TestNoReplayDependency: the live system does not depend on the audit tool;
// recovery comes from package datadir.
func TestNoReplayDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found: ", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	var sawDatadir bool
	for _, d := range deps {
		switch d {
		case "github.com/openmatch/matchd/replay", "github.com/openmatch/matchd/cmd/replay":
			t.Errorf("pipeline depends on %s", d)
		case "github.com/openmatch/matchd/datadir":
			sawDatadir = true
		}
	}
	if !sawDatadir {
		t.Fatalf("go list -deps does not list datadir; the check reads the wrong output:\n%s", out)
	}
}
