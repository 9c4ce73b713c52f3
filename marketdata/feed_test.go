package marketdata

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/rs/zerolog"
)

// feedRig drives an engine and a Feed with commands.
type feedRig struct {
	t    *testing.T
	eng  *engine.Engine
	feed *Feed
	out  *engine.Events
	seq  uint64
}

func newRig(t *testing.T, limit int) *feedRig {
	r := &feedRig{t: t, eng: testEngine(), out: engine.NewEvents(16),
		feed: NewFeed(Options{Symbols: testSymbols, QueueLimit: limit, Log: zerolog.Nop()})}
	t.Cleanup(r.feed.Close)
	return r
}

// order submits a new limit DAY order and delivers its events.
func (r *feedRig) order(sym uint32, side engine.Side, px, qty int64) {
	r.seq++
	c := engine.Command{Seq: r.seq, Time: int64(r.seq), Kind: engine.KindNew, Owner: 1, Symbol: sym, Side: side, Type: engine.Limit, Price: px, Qty: qty}
	c.ClOrdID, _ = engine.MakeID("o" + strconv.FormatUint(r.seq, 10))
	r.out.Reset()
	r.eng.Apply(&c, r.out)
	for _, ev := range r.out.Slice() {
		r.feed.Deliver(&ev)
	}
}

// sent waits until key's sender is idle and returns what c was sent.
func (r *feedRig) sent(key uint32, c *testClient) []*Refresh {
	if cl := r.feed.clientOf(key); cl != nil {
		cl.waitIdle()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		r.t.Fatal(c.err)
	}
	return slices.Clone(c.sent)
}

func TestFeedSubscribeUnsubscribe(t *testing.T) {
	r := newRig(t, 0)
	r.order(0, buy, 100, 5)
	c := &testClient{keep: true}
	if err := r.feed.Subscribe(7, c, Request{ReqID: "a", Symbols: []uint32{0, 1}, Types: AllTypes, Updates: true}); err != nil {
		t.Fatal(err)
	}
	got := r.sent(7, c)
	if len(got) != 2 || !got[0].Full || got[0].Symbol != 0 || got[0].Seq != 1 || !slices.Equal(got[0].Entries, []Entry{{Type: Bid, Price: 100, Size: 5, Orders: 1}}) ||
		!got[1].Full || got[1].Symbol != 1 || len(got[1].Entries) != 0 {
		t.Fatalf("first W: %+v", got)
	}
	r.order(0, sell, 101, 2) // symbol 0: an X
	r.order(2, sell, 101, 2) // symbol 2: not subscribed
	got = r.sent(7, c)
	if len(got) != 3 || got[2].Full || got[2].Seq != 2 || !slices.Equal(got[2].Entries, []Entry{offer(New, 101, 2, 1)}) {
		t.Fatalf("after two orders: %+v", got[2:])
	}
	if s := r.feed.Stats(); s.Clients != 1 || s.Subscriptions != 1 || s.Refreshes != 3 {
		t.Fatalf("stats %+v", s)
	}
	if !r.feed.Unsubscribe(7, "a") {
		t.Fatal("Unsubscribe: false")
	}
	if r.feed.Unsubscribe(7, "a") || r.feed.Unsubscribe(8, "a") {
		t.Fatal("a second Unsubscribe, or one of an unknown key, reported true")
	}
	r.order(0, sell, 102, 2)
	if got = r.sent(7, c); len(got) != 3 {
		t.Fatalf("refreshes after Unsubscribe: %+v", got[3:])
	}
	if s := r.feed.Stats(); s.Clients != 1 || s.Subscriptions != 0 {
		t.Fatalf("stats after Unsubscribe %+v", s)
	}
}

func TestFeedDuplicateReqID(t *testing.T) {
	r := newRig(t, 0)
	c := &testClient{keep: true}
	req := Request{ReqID: "a", Symbols: []uint32{0}, Types: AllTypes, Updates: true}
	if err := r.feed.Subscribe(7, c, req); err != nil {
		t.Fatal(err)
	}
	if err := r.feed.Subscribe(7, c, req); !errors.Is(err, ErrDuplicateReqID) {
		t.Fatalf("second Subscribe: %v", err)
	}
	// Another key may use the same MDReqID; a snapshot request may too.
	if err := r.feed.Subscribe(8, &testClient{}, req); err != nil {
		t.Fatal(err)
	}
	snap := req
	snap.Updates = false
	if err := r.feed.Subscribe(7, c, snap); err != nil {
		t.Fatal(err)
	}
	if s := r.feed.Stats(); s.Subscriptions != 2 || s.Clients != 2 {
		t.Fatalf("stats %+v", s)
	}
	r.order(0, buy, 100, 1)
	if got := r.sent(7, c); len(got) != 3 || !got[0].Full || !got[1].Full || got[2].Full {
		t.Fatalf("sent %+v (want W, W, X: one X despite the refused duplicate)", got)
	}
}

func TestFeedSnapshotOnly(t *testing.T) {
	r := newRig(t, 0)
	r.order(1, sell, 100, 5)
	c := &testClient{keep: true}
	if err := r.feed.Subscribe(7, c, Request{ReqID: "s", Symbols: []uint32{1}, Depth: 1, Types: TypeOffer}); err != nil {
		t.Fatal(err)
	}
	r.order(1, sell, 99, 5)
	got := r.sent(7, c)
	if len(got) != 1 || !got[0].Full || got[0].Seq != 1 || !slices.Equal(got[0].Entries, []Entry{{Type: Offer, Price: 100, Size: 5, Orders: 1}}) {
		t.Fatalf("sent %+v", got)
	}
	if s := r.feed.Stats(); s.Subscriptions != 0 {
		t.Fatalf("a snapshot request was kept: %+v", s)
	}
}

// TestFeedTypesFilter: a subscriber gets only the entry types it asked for,
// and no X for a command that left none of them.
func TestFeedTypesFilter(t *testing.T) {
	r := newRig(t, 0)
	tr, bk := &testClient{keep: true}, &testClient{keep: true}
	all := []uint32{0}
	if err := r.feed.Subscribe(1, tr, Request{ReqID: "t", Symbols: all, Types: TypeTrade, Updates: true}); err != nil {
		t.Fatal(err)
	}
	if err := r.feed.Subscribe(2, bk, Request{ReqID: "b", Symbols: all, Types: TypeBid, Updates: true}); err != nil {
		t.Fatal(err)
	}
	r.order(0, sell, 100, 5) // offer only: nothing for either after the W
	r.order(0, buy, 100, 2)  // a trade and an offer change
	r.order(0, buy, 99, 2)   // a bid
	gt, gb := r.sent(1, tr), r.sent(2, bk)
	if len(gt) != 2 || !slices.Equal(gt[1].Entries, []Entry{trade(100, 2)}) || gt[1].Seq != 2 {
		t.Fatalf("trades-only client: %+v", gt)
	}
	if len(gb) != 2 || !slices.Equal(gb[1].Entries, []Entry{bid(New, 99, 2, 1)}) || gb[1].Seq != 3 {
		t.Fatalf("bids-only client: %+v", gb)
	}
}

func TestFeedDisconnect(t *testing.T) {
	r := newRig(t, 0)
	c := &testClient{keep: true}
	req := Request{ReqID: "a", Symbols: []uint32{0}, Types: AllTypes, Updates: true}
	if err := r.feed.Subscribe(7, c, req); err != nil {
		t.Fatal(err)
	}
	r.sent(7, c)
	old := r.feed.clientOf(7)
	r.feed.Disconnect(7)
	r.feed.Disconnect(7) // twice is harmless
	old.waitIdle()       // returns: the sender has stopped
	if s := r.feed.Stats(); s.Clients != 0 || s.Subscriptions != 0 {
		t.Fatalf("stats after Disconnect %+v", s)
	}
	r.order(0, buy, 100, 1)
	if got := r.sent(7, c); len(got) != 1 {
		t.Fatalf("sent after Disconnect: %+v", got[1:])
	}
	// The key may subscribe again (a new session), with a new client and the
	// same MDReqID.
	c2 := &testClient{keep: true}
	if err := r.feed.Subscribe(7, c2, req); err != nil {
		t.Fatal(err)
	}
	if got := r.sent(7, c2); len(got) != 1 || got[0].Seq != 1 || len(got[0].Entries) != 1 {
		t.Fatalf("after resubscribing: %+v", got)
	}
}

func TestFeedSubscribeErrors(t *testing.T) {
	r := newRig(t, 0)
	for _, req := range []Request{
		{ReqID: "nosym", Types: AllTypes},
		{ReqID: "badsym", Symbols: []uint32{0, testSymbols}, Types: AllTypes},
		{ReqID: "depth", Symbols: []uint32{0}, Depth: -1, Types: AllTypes},
		{ReqID: "types", Symbols: []uint32{0}},
		{ReqID: "types2", Symbols: []uint32{0}, Types: 8},
	} {
		if err := r.feed.Subscribe(1, &testClient{}, req); err == nil {
			t.Errorf("%s: no error", req.ReqID)
		}
	}
	if s := r.feed.Stats(); s.Clients != 0 {
		t.Fatalf("a refused request started a client: %+v", s)
	}
}

// blockingClient blocks in Send until released.
type blockingClient struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingClient) Send(string, *Refresh) error {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return nil
}

func TestFeedClose(t *testing.T) {
	r := newRig(t, 0)
	b := &blockingClient{entered: make(chan struct{}), release: make(chan struct{})}
	if err := r.feed.Subscribe(1, b, Request{ReqID: "a", Symbols: []uint32{0}, Types: AllTypes, Updates: true}); err != nil {
		t.Fatal(err)
	}
	<-b.entered
	done := make(chan struct{})
	go func() { r.feed.Close(); close(done) }()
	// Close waits for the Send in progress; meanwhile Deliver is not blocked.
	r.order(0, buy, 100, 1)
	select {
	case <-done:
		t.Fatal("Close returned while a Send was in progress")
	default:
	}
	close(b.release)
	<-done
	if err := r.feed.Subscribe(2, &testClient{}, Request{ReqID: "b", Symbols: []uint32{0}, Types: AllTypes}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
	r.order(0, buy, 101, 1) // still fine
	if v := r.feed.View(0, 0); v.Seq != 2 || len(v.Bids) != 2 {
		t.Fatalf("view after Close: %+v", v)
	}
	r.feed.Close() // idempotent
}

// TestFeedNeverBlocks: a client that never returns from Send does not hold up
// Deliver; it is resynced, and the episode is counted.
func TestFeedNeverBlocks(t *testing.T) {
	r := newRig(t, 4)
	b := &blockingClient{entered: make(chan struct{}), release: make(chan struct{})}
	if err := r.feed.Subscribe(1, b, Request{ReqID: "a", Symbols: []uint32{0}, Types: AllTypes, Updates: true}); err != nil {
		t.Fatal(err)
	}
	<-b.entered
	for i := range 20 {
		r.order(0, buy, 100+int64(i), 1)
	}
	if s := r.feed.Stats(); s.Resyncs == 0 {
		t.Fatalf("no resync: %+v", s)
	}
	cl := r.feed.clientOf(1)
	cl.mu.Lock()
	n := cl.queued()
	cl.mu.Unlock()
	if n > 4 {
		t.Fatalf("queue holds %d > limit", n)
	}
	close(b.release)
}

func TestFeedView(t *testing.T) {
	r := newRig(t, 0)
	r.order(0, buy, 100, 1)
	r.order(0, buy, 101, 2)
	r.order(0, sell, 101, 1) // trades 1 @ 101
	v := r.feed.View(0, 1)
	if v.Symbol != 0 || v.Seq != 3 || !slices.Equal(v.Bids, []Level{lv(101, 1, 1)}) || len(v.Asks) != 0 ||
		!slices.Equal(v.Trades, []TradeRecord{{Seq: 3, Time: 3, Price: 101, Size: 1}}) {
		t.Fatalf("view %+v", v)
	}
}
