package marketdata

import (
	"math/rand"
	"slices"
	"sync"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/rs/zerolog"
)

// TestSubscribeAtCommandBoundary: Subscribe runs while another goroutine
// delivers events; every W must show the book exactly as it was after the
// command it names (never half a command: a sweep takes several events).
func TestSubscribeAtCommandBoundary(t *testing.T) {
	const seed, n = 7, 3000
	r := rand.New(rand.NewSource(seed))
	eng := testEngine()
	g := &cmdGen{r: r}
	out := engine.NewEvents(64)
	var events []engine.Event
	want := map[uint64][2][]Level{0: {nil, nil}} // symbol 0's book after each command
	for range n {
		cmd := g.next()
		out.Reset()
		eng.Apply(&cmd, out)
		events = append(events, out.Slice()...)
		ob := eng.Book(0)
		want[cmd.Seq] = [2][]Level{engineLevels(ob, engine.Buy, 0), engineLevels(ob, engine.Sell, 0)}
	}
	feed := NewFeed(Options{Symbols: testSymbols, Log: zerolog.Nop()})
	defer feed.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range events {
			feed.Deliver(&events[i])
		}
	}()
	c := &testClient{keep: true}
	for i := 0; ; i++ {
		if err := feed.Subscribe(1, c, Request{ReqID: "s", Symbols: []uint32{0}, Types: TypeBid | TypeOffer}); err != nil {
			t.Fatal(err)
		}
		feed.clientOf(1).waitIdle()
		c.mu.Lock()
		w := c.sent[len(c.sent)-1]
		c.mu.Unlock()
		var bids, asks []Level
		for _, e := range w.Entries {
			l := Level{Price: e.Price, Size: e.Size, Orders: e.Orders}
			if e.Type == Bid {
				bids = append(bids, l)
			} else {
				asks = append(asks, l)
			}
		}
		exp, ok := want[w.Seq]
		if !ok || !slices.Equal(bids, exp[0]) || !slices.Equal(asks, exp[1]) {
			t.Fatalf("seed %d: W at seq %d (known %v):\n got %v %v\nwant %v %v", seed, w.Seq, ok, bids, asks, exp[0], exp[1])
		}
		if w.Seq == events[len(events)-1].Seq {
			t.Logf("%d snapshots checked", i+1)
			break
		}
	}
	wg.Wait()
}
