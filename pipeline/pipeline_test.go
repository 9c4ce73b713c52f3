package pipeline

import (
	"math/rand"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/replay"
	"github.com/openmatch/matchd/ringbuffer"
)

func testConfig() engine.Config {
	cfg := engine.Config{MaxOrders: 50_000, MaxLevels: 2000, History: 10_000, MaxQty: 1_000_000}
	for _, s := range []string{"AAPL", "MSFT", "GOOG"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: s, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100_000})
	}
	return cfg
}

// collector is a Reporter that keeps copies of every event.
type collector struct {
	mu     sync.Mutex
	events []engine.Event
}

func (c *collector) Deliver(ev *engine.Event) {
	c.mu.Lock()
	c.events = append(c.events, *ev)
	c.mu.Unlock()
}

// randomCommand makes a command for producer p (its own owner and ClOrdIDs) that
// often crosses and sometimes cancels or replaces an earlier order of p.
func randomCommand(r *rand.Rand, owner uint32, n int) engine.Command {
	id := func(k int) engine.ID {
		v, _ := engine.MakeID("p" + string(rune('a'+owner)) + "-" + itoa(k))
		return v
	}
	c := engine.Command{Owner: owner, Symbol: uint32(r.Intn(3)), Side: engine.Side(1 + r.Intn(2)), Type: engine.Limit,
		Price: 1000 + r.Int63n(20), Qty: 1 + r.Int63n(50), ClOrdID: id(n)}
	switch x := r.Intn(10); {
	case x < 2 && n > 0:
		c.Kind, c.OrigClOrdID = engine.KindCancel, id(r.Intn(n))
	case x < 3 && n > 0:
		c.Kind, c.OrigClOrdID = engine.KindReplace, id(r.Intn(n))
	default:
		c.Kind = engine.KindNew
		if x == 9 {
			c.TIF = engine.IOC
		}
	}
	return c
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; v > 0; v /= 10 {
		i--
		b[i] = byte('0' + v%10)
	}
	return string(b[i:])
}

// TestPipelineMatchesReplay runs concurrent producers through the whole pipeline
// and checks that the delivered events are exactly what a replay of the journal
// regenerates, in the same order, and that nothing was lost.
func TestPipelineMatchesReplay(t *testing.T) {
	for _, w := range []ringbuffer.Wait{ringbuffer.Block, ringbuffer.SpinYield} {
		t.Run(w.String(), func(t *testing.T) {
			dir := t.TempDir()
			col := &collector{}
			p, rec, err := Open(Options{Engine: testConfig(), Dir: dir, Wait: w, MatcherCPU: -1,
				InboundCapacity: 256, OutboundCapacity: 1024, CheckpointEvery: 500, SnapshotEvery: 2000})
			if err != nil {
				t.Fatal(err)
			}
			mustStart(t, p, col)
			if rec.LastSeq != 0 {
				t.Fatalf("fresh directory recovered seq %d", rec.LastSeq)
			}
			const producers, perProducer = 4, 2500
			var wg sync.WaitGroup
			for i := 0; i < producers; i++ {
				wg.Add(1)
				go func(owner uint32) {
					defer wg.Done()
					r := rand.New(rand.NewSource(int64(owner)))
					for n := 0; n < perProducer; n++ {
						c := randomCommand(r, owner, n)
						if err := p.Submit(&c); err != nil {
							t.Error(err)
							return
						}
					}
				}(uint32(i))
			}
			wg.Wait()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if got := p.Engine().LastSeq(); got != producers*perProducer {
				t.Fatalf("engine applied up to seq %d, want %d", got, producers*perProducer)
			}

			var replayed []engine.Event
			res, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), Verify: true,
				OnEvent: func(ev *engine.Event) error { replayed = append(replayed, *ev); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			if res.Commands != producers*perProducer || res.StateHash != p.Engine().StateHash() {
				t.Fatalf("replay: %d commands, hash %x; live hash %x", res.Commands, res.StateHash, p.Engine().StateHash())
			}
			if res.Checkpoints == 0 || res.Snapshots == 0 {
				t.Fatalf("verify compared %d checkpoints and %d snapshots; want some of each", res.Checkpoints, res.Snapshots)
			}
			if len(replayed) != len(col.events) {
				t.Fatalf("delivered %d events, replay made %d", len(col.events), len(replayed))
			}
			for i := range replayed {
				if replayed[i] != col.events[i] {
					t.Fatalf("event %d differs:\nlive   %+v\nreplay %+v", i, col.events[i], replayed[i])
				}
			}
			// Per-owner sequence of reports is in Seq order.
			last := map[uint32]uint64{}
			for _, ev := range col.events {
				if ev.Seq < last[ev.Owner] {
					t.Fatalf("owner %d got seq %d after %d", ev.Owner, ev.Seq, last[ev.Owner])
				}
				last[ev.Owner] = ev.Seq
			}
		})
	}
}

// TestRestartContinues closes and reopens the pipeline: the books come back from
// the snapshot plus journal tail, the sequence continues, and a replay of the whole
// journal agrees with the restarted engine.
func TestRestartContinues(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewSource(42))
	var hashes []uint64
	n := 0
	for round := 0; round < 3; round++ {
		p, rec, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1, SnapshotEvery: 700, Durability: journal.PolicyNone})
		if err != nil {
			t.Fatal(err)
		}
		mustStart(t, p, nil)
		if round > 0 && (rec.LastSeq != uint64(n) || rec.StateHash != hashes[round-1]) {
			t.Fatalf("round %d recovered seq %d hash %x, want %d %x", round, rec.LastSeq, rec.StateHash, n, hashes[round-1])
		}
		if round > 0 && rec.FromSnapshot == 0 {
			t.Fatalf("round %d: recovery did not use the snapshot written at close", round)
		}
		for i := 0; i < 1000; i++ {
			c := randomCommand(r, uint32(i%3), n)
			n++
			if err := p.Submit(&c); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, p.Engine().StateHash())
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Commands != uint64(n) || res.StateHash != hashes[len(hashes)-1] {
		t.Fatalf("full replay: %d commands hash %x, want %d %x", res.Commands, res.StateHash, n, hashes[len(hashes)-1])
	}
	// Snapshot + tail from an older snapshot gives the same state as the full replay.
	part, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), FromSnapshot: true, StopSeq: 2500})
	if err != nil {
		t.Fatal(err)
	}
	full, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), StopSeq: 2500})
	if err != nil {
		t.Fatal(err)
	}
	if part.FromSnapshot == 0 || part.StateHash != full.StateHash || part.LastSeq != 2500 {
		t.Fatalf("snapshot %d + tail to 2500: hash %x, full replay %x", part.FromSnapshot, part.StateHash, full.StateHash)
	}
}

// TestSubmitDoesNotAllocate: the producer side of the hot path.
func TestSubmitDoesNotAllocate(t *testing.T) {
	p, _, err := Open(Options{Engine: testConfig(), Dir: t.TempDir(), MatcherCPU: -1, Durability: journal.PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mustStart(t, p, nil)
	id, _ := engine.MakeID("x")
	c := engine.Command{Kind: engine.KindCancel, Owner: 1, ClOrdID: id, OrigClOrdID: id}
	if a := testing.AllocsPerRun(1000, func() { _ = p.Submit(&c) }); a != 0 {
		t.Fatalf("Submit: %.1f allocs per call", a)
	}
}

// TestSubmitKeepsTheJournalReadable: IDs with junk past their length are
// canonicalized before journaling, and impossible lengths are refused, so a
// recovery can always decode what was journaled.
func TestSubmitKeepsTheJournalReadable(t *testing.T) {
	dir := t.TempDir()
	p, _, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	c := engine.Command{Kind: engine.KindCancel, Owner: 1}
	c.ClOrdID, _ = engine.MakeID("c1")
	c.OrigClOrdID.B[5] = 'x' // N is 0: junk in the padding
	if err := p.Submit(&c); err != nil {
		t.Fatal(err)
	}
	c.ClOrdID.N = engine.MaxIDLen + 1
	if err := p.Submit(&c); err != ErrBadCommand {
		t.Fatalf("Submit with an over-long ID: %v, want ErrBadCommand", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig()})
	if err != nil || res.Commands != 1 {
		t.Fatalf("replay: %d commands, %v", res.Commands, err)
	}
}

// TestConfigGuard: the data directory remembers its symbols; reopening with
// different symbols is refused with a message naming both lists, and capacity
// changes are allowed.
func TestConfigGuard(t *testing.T) {
	dir := t.TempDir()
	p, _, err := Open(Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	stored, err := datadir.LoadConfig(dir)
	if err != nil || len(stored.Symbols) != 3 {
		t.Fatalf("stored config: %+v, %v", stored, err)
	}
	other := testConfig()
	other.Symbols = other.Symbols[:2]
	if _, _, err := Open(Options{Engine: other, Dir: dir, MatcherCPU: -1}); err == nil || !strings.Contains(err.Error(), "symbols may not change") {
		t.Fatalf("reopen with other symbols: %v", err)
	}
	bigger := testConfig()
	bigger.MaxOrders *= 2
	p, _, err = Open(Options{Engine: bigger, Dir: dir, MatcherCPU: -1})
	if err != nil {
		t.Fatalf("reopen with more capacity: %v", err)
	}
	_ = p.Close()
}

// TestStageLatencies: with stage timing on, every stage records one value per
// command (the release stage one per command that produced a report), and reset
// empties them.
func TestStageLatencies(t *testing.T) {
	p, _, err := Open(Options{Engine: testConfig(), Dir: t.TempDir(), MatcherCPU: -1, StageTiming: true, Durability: journal.PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	r := rand.New(rand.NewSource(9))
	const n = 300
	for i := 0; i < n; i++ {
		c := randomCommand(r, 1, i)
		c.Received = time.Now().Add(-time.Millisecond).UnixNano()
		if err := p.Submit(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	st := p.StageLatencies(true)
	if len(st) != 4 {
		t.Fatalf("%d stages", len(st))
	}
	for _, s := range st {
		if s.Hist.TotalCount() != n {
			t.Errorf("stage %s recorded %d values, want %d", s.Name, s.Hist.TotalCount(), n)
		}
	}
	for _, s := range p.StageLatencies(false) {
		if s.Hist.TotalCount() != 0 {
			t.Errorf("stage %s not reset", s.Name)
		}
	}
	off, _, err := Open(Options{Engine: testConfig(), Dir: t.TempDir(), MatcherCPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if off.StageLatencies(false) != nil {
		t.Error("stage timing off must report nothing")
	}
}

// TestMatcherPinning: with a CPU the matcher is pinned (and Stats says so once it
// has consumed a batch); without one it is neither pinned nor locked.
func TestMatcherPinning(t *testing.T) {
	for _, cpu := range []int{0, -1} {
		p, _, err := Open(Options{Engine: testConfig(), Dir: t.TempDir(), MatcherCPU: cpu, Durability: journal.PolicyNone})
		if err != nil {
			t.Fatal(err)
		}
		mustStart(t, p, nil)
		id, _ := engine.MakeID("x")
		c := engine.Command{Kind: engine.KindCancel, Owner: 1, ClOrdID: id, OrigClOrdID: id}
		if err := p.Submit(&c); err != nil {
			t.Fatal(err)
		}
		for p.Stats().Matched < 1 {
			runtime.Gosched()
		}
		if got := p.Stats().MatcherPinned; got != (cpu >= 0) {
			t.Errorf("MatcherCPU %d: MatcherPinned = %v", cpu, got)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
