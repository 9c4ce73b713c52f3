package pipeline

import (
	"bufio"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/replay"
)

const crashChildEnv = "MATCHD_CRASH_CHILD_DIR"

// ackPrinter is the child's Reporter: it writes the Seq of every event it
// releases straight to stdout (unbuffered), so the parent knows exactly which
// reports left the process before the kill.
type ackPrinter struct{ buf []byte }

func (a *ackPrinter) Deliver(ev *engine.Event) {
	a.buf = strconv.AppendUint(append(a.buf[:0], 'A', ' '), ev.Seq, 10)
	a.buf = append(a.buf, '\n')
	_, _ = os.Stdout.Write(a.buf)
}

// TestCrashChild is the child process of TestCrashRecovery; it does nothing in a
// normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as TestCrashRecovery's child")
	}
	run, _ := strconv.Atoi(os.Getenv("MATCHD_CRASH_RUN"))
	p, rec, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1,
		InboundCapacity: 1024, OutboundCapacity: 4096, CheckpointEvery: 300, SnapshotEvery: 2000})
	if err == nil {
		err = p.Start(&ackPrinter{})
	}
	if err != nil {
		os.Stdout.WriteString("E " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString("R " + strconv.FormatUint(rec.LastSeq, 10) + "\n")
	done := make(chan struct{})
	for g := 0; g < 2; g++ {
		go func(owner uint32) {
			r := rand.New(rand.NewSource(int64(run*10) + int64(owner)))
			for n := 0; ; n++ {
				c := randomCommand(r, owner, n)
				// ClOrdIDs differ per run so that restarts keep trading.
				c.ClOrdID.B[0] = byte('A' + run)
				if c.OrigClOrdID.N > 0 {
					c.OrigClOrdID.B[0] = byte('A' + run)
				}
				if p.Submit(&c) != nil {
					close(done)
					return
				}
			}
		}(uint32(g))
	}
	<-done // runs until killed
}

// TestCrashRecovery kills a child process running the pipeline under load with
// SIGKILL at random points, 20 times. After each kill: recovery must hold every
// command whose report was released, the journal must replay without a sequence
// gap to the same state hash as the recovered pipeline, and the next child
// continues the sequence. MATCHD_CRASH_DIR names a new or empty directory to use
// (and keep) instead of a temporary one, for inspecting a failure with cmd/replay.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("child")
	}
	if testing.Short() {
		t.Skip("crash test takes ~30 s; runs without -short (CI does)")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("MATCHD_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (set MATCHD_CRASH_SEED to reproduce the kill points)", seed)
	r := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	if d := os.Getenv("MATCHD_CRASH_DIR"); d != "" {
		// Keep the data directory for inspection (go run ./cmd/replay -data DIR -verify).
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	var lastRecovered uint64
	for run := 0; run < 20; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "MATCHD_CRASH_RUN="+strconv.Itoa(run))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		killAfter := 1 + r.Intn(4000)
		var maxAck, startSeq uint64
		acks := 0
		killed := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "R "):
				startSeq, _ = strconv.ParseUint(line[2:], 10, 64)
				if startSeq != lastRecovered {
					t.Fatalf("run %d: child recovered seq %d, the parent recovered %d", run, startSeq, lastRecovered)
				}
			case strings.HasPrefix(line, "A "):
				s, _ := strconv.ParseUint(line[2:], 10, 64)
				if s <= startSeq {
					t.Fatalf("run %d: released seq %d at or before the recovered seq %d", run, s, startSeq)
				}
				maxAck = max(maxAck, s)
				if acks++; acks == killAfter && !killed {
					_ = cmd.Process.Signal(syscall.SIGKILL)
					killed = true
				}
			case strings.HasPrefix(line, "E "):
				t.Fatalf("run %d: child failed: %s", run, line)
			}
		}
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("run %d: child exited before the kill (after %d acks)", run, acks)
		}

		p, rec, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1, SnapshotEvery: -1})
		if err != nil {
			t.Fatalf("run %d: recovery: %v", run, err)
		}
		if rec.LastSeq < maxAck {
			t.Fatalf("run %d: released a report for seq %d but recovered only to %d", run, maxAck, rec.LastSeq)
		}
		full, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), Verify: true})
		if err != nil {
			t.Fatalf("run %d: replay: %v", run, err)
		}
		if full.LastSeq != rec.LastSeq || full.StateHash != rec.StateHash {
			t.Fatalf("run %d: replay reached seq %d hash %x; recovery seq %d hash %x", run, full.LastSeq, full.StateHash, rec.LastSeq, rec.StateHash)
		}
		if err := p.Engine().CheckInvariants(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		// Close without commands: the journal is left as recovery found it (plus
		// a snapshot at the recovered seq).
		if err := p.Close(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		t.Logf("run %d: killed after %d acks; released up to seq %d, recovered %d (snapshot %d, torn tail: %v)",
			run, acks, maxAck, rec.LastSeq, rec.FromSnapshot, rec.Journal.Truncated)
		lastRecovered = rec.LastSeq
	}
}
