package marketdata

import (
	"flag"
	"math/rand"
	"slices"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/rs/zerolog"
)

var seedFlag = flag.Int64("md.seed", 0, "seed of TestFeedCrossCheck (0: a fixed set)")

// TestFeedCrossCheck is the acceptance test of market data: an engine applies
// thousands of random commands, every event goes to a Feed, and after each
// command every subscriber's book, rebuilt only from the W and X it received,
// must equal the engine's own book aggregated by price (top N where
// subscribed). One client blocks now and then so that its queue overflows: it
// must be resynced and then be consistent again. That client and top5 are
// BatchClients: the slow one's backlog must reach it in batches.
func TestFeedCrossCheck(t *testing.T) {
	seeds := []int64{1, 2, 3}
	if *seedFlag != 0 {
		seeds = []int64{*seedFlag}
	}
	n := 4000
	if testing.Short() {
		n = 1000
	}
	for _, seed := range seeds {
		crossCheck(t, seed, n)
	}
}

type subscriber struct {
	name  string
	c     *testClient
	key   uint32
	reqs  []Request
	slow  bool
	batch bool           // subscribe as a BatchClient
	depth map[uint32]int // per symbol subscribed: the depth of its book view
	types Types
}

func crossCheck(t *testing.T, seed int64, n int) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d (rerun with -md.seed=%d): "+format, append([]any{seed, seed}, args...)...)
	}
	eng := testEngine()
	feed := NewFeed(Options{Symbols: testSymbols, QueueLimit: 12, Log: zerolog.Nop()})
	all := []uint32{0, 1, 2}
	subs := []*subscriber{
		{name: "full", key: 1, reqs: []Request{{ReqID: "f", Symbols: all, Types: AllTypes, Updates: true}}},
		{name: "top1", key: 2, reqs: []Request{{ReqID: "t1", Symbols: all, Depth: 1, Types: AllTypes, Updates: true}}},
		{name: "top5", key: 3, batch: true, reqs: []Request{{ReqID: "t5", Symbols: all, Depth: 5, Types: TypeBid | TypeOffer, Updates: true}}},
		{name: "trades", key: 4, reqs: []Request{{ReqID: "tr", Symbols: all, Types: TypeTrade, Updates: true}}},
		{name: "slow", key: 5, slow: true, batch: true, reqs: []Request{
			{ReqID: "s-full", Symbols: []uint32{0, 1}, Types: AllTypes, Updates: true},
			{ReqID: "s-top2", Symbols: []uint32{2}, Depth: 2, Types: TypeBid | TypeOffer, Updates: true}}},
	}
	defer func() { // a held Send would keep Close waiting
		if c := subs[4].c; c != nil {
			c.unhold()
		}
		feed.Close()
	}()
	var wantTrades [testSymbols][]Entry
	subscribe := func(s *subscriber) {
		s.c = &testClient{reqSyms: map[string][]uint32{}}
		for _, q := range s.reqs { // before the sender starts reading it
			s.c.reqSyms[q.ReqID] = q.Symbols
		}
		s.depth = map[uint32]int{}
		var c Client = s.c
		if s.batch {
			c = batchTestClient{s.c}
		}
		for _, q := range s.reqs {
			if err := feed.Subscribe(s.key, c, q); err != nil {
				fail("%s: Subscribe: %v", s.name, err)
			}
			for _, sym := range q.Symbols {
				s.depth[sym] = q.Depth
			}
			s.types |= q.Types
		}
	}
	// Two subscribe at once, the others after a while (their first W then
	// shows a book with history).
	subscribe(subs[0])
	subscribe(subs[3])
	late := map[int]*subscriber{50: subs[1], 300: subs[2], 500: subs[4]}

	g := &cmdGen{r: r}
	out := engine.NewEvents(64)
	slow := subs[4]
	heldFor := -1 // commands since the slow client was held; -1: not held
	checks := 0
	for i := 0; i < n; i++ {
		if s := late[i]; s != nil {
			subscribe(s)
		}
		cmd := g.next()
		out.Reset()
		eng.Apply(&cmd, out)
		evs := out.Slice()
		for k := range evs {
			feed.Deliver(&evs[k])
		}
		collectTrades(evs, &wantTrades)

		// The slow client: held now and then for long enough to overflow.
		if slow.c != nil {
			switch {
			case heldFor < 0 && r.Intn(60) == 0:
				slow.c.hold()
				heldFor = 0
			case heldFor >= 0:
				if heldFor++; heldFor > 10+r.Intn(40) {
					slow.c.unhold()
					heldFor = -1
				}
			}
		}
		var books [testSymbols][]engine.OrderView
		for sym := range books {
			books[sym] = eng.Book(uint32(sym))
		}
		if i == n-1 && heldFor >= 0 { // end consistent: the slow client too
			slow.c.unhold()
			heldFor = -1
		}
		for _, s := range subs {
			if s.c == nil || (s.slow && heldFor >= 0) {
				continue
			}
			feed.clientOf(s.key).waitIdle()
			s.c.mu.Lock()
			err := s.c.err
			if err == nil {
				err = checkClient(&books, eng.LastSeq(), s)
			}
			s.c.mu.Unlock()
			if err != nil {
				fail("after command %d (%d of %d, kind %d): client %s: %v", cmd.Seq, i, n, cmd.Kind, s.name, err)
			}
			checks++
		}
	}
	// The trades client subscribed first: it saw every trade, in order.
	tc := subs[3].c
	for sym := range testSymbols {
		got := tc.book.syms[sym].trades
		if !slices.Equal(got, wantTrades[sym]) {
			fail("trades of symbol %d: got %d, want %d (first difference at %d)", sym, len(got), len(wantTrades[sym]), firstDiff(got, wantTrades[sym]))
		}
	}
	st := feed.Stats()
	if st.Resyncs == 0 {
		fail("the slow client never resynced (stats %+v)", st)
	}
	if slow.c.book.ws <= len(slow.reqs[0].Symbols)+len(slow.reqs[1].Symbols) {
		fail("the slow client received %d W, no more than its first ones", slow.c.book.ws)
	}
	if slow.c.batches == 0 || st.Messages >= st.Refreshes {
		fail("the slow client's backlog never came as a batch (%d batches, stats %+v)", slow.c.batches, st)
	}
	for _, s := range subs {
		if !s.batch && s.c.batches != 0 {
			fail("client %s is no BatchClient but got %d batches", s.name, s.c.batches)
		}
	}
	if st.Clients != len(subs) || st.Subscriptions != 6 || st.SendErrors != 0 {
		fail("stats %+v", st)
	}
	t.Logf("seed %d: %d commands, %d checks, %d resyncs, %d refreshes sent in %d messages (slow client: %d batches, top5: %d)",
		seed, n, checks, st.Resyncs, st.Refreshes, st.Messages, slow.c.batches, subs[2].c.batches)
}

// collectTrades appends the trades of one command's events: each match is a
// pair of EvFill (aggressor, then resting order) with the same LastQty/LastPx.
func collectTrades(evs []engine.Event, dst *[testSymbols][]Entry) {
	fills := 0
	for k := range evs {
		ev := &evs[k]
		if ev.Kind != engine.EvFill {
			continue
		}
		if fills%2 == 0 {
			dst[ev.Symbol] = append(dst[ev.Symbol], Entry{Type: Trade, Price: ev.LastPx, Size: ev.LastQty})
		}
		fills++
	}
}

func firstDiff(a, b []Entry) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// checkClient compares a subscriber's books with the engine's (c.mu held).
func checkClient(books *[testSymbols][]engine.OrderView, lastSeq uint64, s *subscriber) error {
	for sym, depth := range s.depth {
		for _, side := range []engine.Side{engine.Buy, engine.Sell} {
			var want []Level
			if (side == engine.Buy && s.types&TypeBid != 0) || (side == engine.Sell && s.types&TypeOffer != 0) {
				want = engineLevels(books[sym], side, depth)
			}
			got := s.c.book.levels(sym, side)
			if !slices.Equal(got, want) {
				return levelsError(sym, side, got, want)
			}
		}
		if b := &s.c.book.syms[sym]; b.seq > lastSeq {
			return errorf("symbol %d: seq %d ahead of the engine's %d", sym, b.seq, lastSeq)
		}
	}
	return nil
}
