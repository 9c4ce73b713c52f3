package marketdata

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/pipeline"
	"github.com/rs/zerolog"
)

var _ pipeline.Reporter = (*Feed)(nil)

// TestFeedAsPipelineObserver runs the Feed as an observer of a real pipeline:
// once the pipeline has closed (every event delivered), a full-depth
// subscriber's book equals the engine's.
func TestFeedAsPipelineObserver(t *testing.T) {
	eng := testEngine()
	p, _, err := pipeline.Open(pipeline.Options{Engine: eng.Config(), Dir: t.TempDir(), MatcherCPU: -1, Durability: journal.PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	feed := NewFeed(Options{Symbols: testSymbols, Log: zerolog.Nop()})
	defer feed.Close()
	feed.Load(p.Engine())
	c := &testClient{}
	if err := feed.Subscribe(1, c, Request{ReqID: "a", Symbols: []uint32{0, 1, 2}, Types: AllTypes, Updates: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(nil, feed); err != nil {
		p.Close()
		t.Fatal(err)
	}
	g := &cmdGen{r: rand.New(rand.NewSource(5))}
	for range 2000 {
		cmd := g.next()
		if err := p.Submit(&cmd); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	feed.clientOf(1).waitIdle()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		t.Fatal(c.err)
	}
	for sym := range uint32(testSymbols) {
		ob := p.Engine().Book(sym)
		for _, side := range []engine.Side{engine.Buy, engine.Sell} {
			if got, want := c.book.levels(sym, side), engineLevels(ob, side, 0); !slices.Equal(got, want) {
				t.Fatal(levelsError(sym, side, got, want))
			}
		}
	}
	if p.Engine().Resting() == 0 || c.book.xs == 0 {
		t.Fatalf("nothing to compare: %d resting orders, %d X received", p.Engine().Resting(), c.book.xs)
	}
}
