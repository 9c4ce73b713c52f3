package marketdata

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"sync"

	"github.com/openmatch/matchd/engine"
)

// testSymbols is the number of symbols of the engines in these tests.
const testSymbols = 3

func testEngine() *engine.Engine {
	cfg := engine.Config{MaxOrders: 10_000, MaxLevels: 1000, History: 10_000, MaxQty: 1_000_000}
	for _, s := range []string{"AAPL", "MSFT", "GOOG"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: s, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1000})
	}
	e, err := engine.New(cfg)
	if err != nil {
		panic(err)
	}
	return e
}

// mdBook is one symbol of a subscriber's book, rebuilt from the W and X it receives.
type mdBook struct {
	bids, asks map[int64]Level
	seq        uint64
	trades     []Entry
}

// clientBook is a subscriber's books, one per symbol.
type clientBook struct {
	syms   [testSymbols]mdBook
	ws, xs int
}

// apply applies one refresh, returning an error for an impossible one.
func (cb *clientBook) apply(r *Refresh) error {
	b := &cb.syms[r.Symbol]
	if r.Seq < b.seq {
		return fmt.Errorf("symbol %d: refresh seq %d after %d", r.Symbol, r.Seq, b.seq)
	}
	b.seq = r.Seq
	if r.Full {
		cb.ws++
		b.bids, b.asks = map[int64]Level{}, map[int64]Level{}
		for _, e := range r.Entries {
			if e.Action != 0 {
				return fmt.Errorf("W entry with action %c", e.Action)
			}
			m := b.bids
			switch e.Type {
			case Offer:
				m = b.asks
			case Trade:
				return fmt.Errorf("trade in a W")
			}
			if _, dup := m[e.Price]; dup {
				return fmt.Errorf("W: price %d twice", e.Price)
			}
			m[e.Price] = Level{Price: e.Price, Size: e.Size, Orders: e.Orders}
		}
		return nil
	}
	cb.xs++
	if len(r.Entries) == 0 {
		return fmt.Errorf("empty X")
	}
	if b.bids == nil {
		return fmt.Errorf("symbol %d: X before any W", r.Symbol)
	}
	for _, e := range r.Entries {
		if e.Type == Trade {
			b.trades = append(b.trades, e)
			continue
		}
		m := b.bids
		if e.Type == Offer {
			m = b.asks
		}
		_, had := m[e.Price]
		switch e.Action {
		case New:
			if had {
				return fmt.Errorf("seq %d: New %c at %d which exists", r.Seq, e.Type, e.Price)
			}
			m[e.Price] = Level{Price: e.Price, Size: e.Size, Orders: e.Orders}
		case Change:
			if !had {
				return fmt.Errorf("seq %d: Change %c at %d which does not exist", r.Seq, e.Type, e.Price)
			}
			m[e.Price] = Level{Price: e.Price, Size: e.Size, Orders: e.Orders}
		case Delete:
			if !had {
				return fmt.Errorf("seq %d: Delete %c at %d which does not exist", r.Seq, e.Type, e.Price)
			}
			delete(m, e.Price)
		default:
			return fmt.Errorf("X entry with action %d", e.Action)
		}
	}
	return nil
}

// levels returns one side of a symbol, best first.
func (cb *clientBook) levels(sym uint32, side engine.Side) []Level {
	m := cb.syms[sym].bids
	if side == engine.Sell {
		m = cb.syms[sym].asks
	}
	var ls []Level
	for _, l := range m {
		ls = append(ls, l)
	}
	sortLevels(ls, side)
	return ls
}

func sortLevels(ls []Level, side engine.Side) {
	slices.SortFunc(ls, func(x, y Level) int {
		if side == engine.Buy {
			return int(y.Price - x.Price)
		}
		return int(x.Price - y.Price)
	})
}

// engineLevels aggregates the engine's resting orders of one side by price,
// best first, up to depth levels (0: all).
func engineLevels(orders []engine.OrderView, side engine.Side, depth int) []Level {
	m := map[int64]Level{}
	for _, o := range orders {
		if o.Side != side {
			continue
		}
		l := m[o.Price]
		l.Price = o.Price
		l.Size += o.Leaves
		l.Orders++
		m[o.Price] = l
	}
	var ls []Level
	for _, l := range m {
		ls = append(ls, l)
	}
	sortLevels(ls, side)
	if depth > 0 && len(ls) > depth {
		ls = ls[:depth]
	}
	return ls
}

// testClient records what it is sent into a clientBook. With gate set, a Send
// blocks while hold is set, until release. It is a plain Client; batchTestClient
// makes it a BatchClient.
type testClient struct {
	mu      sync.Mutex
	book    clientBook
	err     error
	sent    []*Refresh
	reqIDs  []string
	msgs    []sentMsg // with keep: one per Send or SendBatch
	keep    bool      // keep every refresh in sent (and every message in msgs)
	batches int       // SendBatch calls
	// reqSyms, when set, are the symbols of each ReqID: a refresh of another
	// symbol under a ReqID is an error (a batch mixing subscriptions).
	reqSyms map[string][]uint32

	gate    sync.Mutex
	held    bool
	release chan struct{}
}

// sentMsg is one Send or SendBatch call.
type sentMsg struct {
	reqID string
	batch bool
	rs    []*Refresh
}

func (c *testClient) Send(reqID string, r *Refresh) error {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record(reqID, r)
	if c.keep {
		c.msgs = append(c.msgs, sentMsg{reqID: reqID, rs: []*Refresh{r}})
	}
	return nil
}

// sendBatch is SendBatch (see batchTestClient): it checks what BatchClient
// promises (two or more X of one ReqID, within the limits) and applies the
// refreshes in order.
func (c *testClient) sendBatch(reqID string, rs []*Refresh) error {
	c.wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches++
	entries := 0
	for _, r := range rs {
		entries += len(r.Entries)
		if r.Full && c.err == nil {
			c.err = fmt.Errorf("req %s: a W (symbol %d seq %d) in a batch", reqID, r.Symbol, r.Seq)
		}
	}
	if (len(rs) < 2 || len(rs) > MaxBatchRefreshes || entries > MaxBatchEntries) && c.err == nil {
		c.err = fmt.Errorf("req %s: a batch of %d refreshes, %d entries", reqID, len(rs), entries)
	}
	for _, r := range rs {
		c.record(reqID, r)
	}
	if c.keep {
		c.msgs = append(c.msgs, sentMsg{reqID: reqID, batch: true, rs: slices.Clone(rs)})
	}
	return nil
}

// wait blocks while the client is held.
func (c *testClient) wait() {
	c.gate.Lock()
	held, ch := c.held, c.release
	c.gate.Unlock()
	if held {
		<-ch
	}
}

// record applies one refresh (c.mu held).
func (c *testClient) record(reqID string, r *Refresh) {
	if c.keep {
		c.sent = append(c.sent, r)
		c.reqIDs = append(c.reqIDs, reqID)
	}
	if c.reqSyms != nil && !slices.Contains(c.reqSyms[reqID], r.Symbol) && c.err == nil {
		c.err = fmt.Errorf("req %s: a refresh of symbol %d, not one of %v", reqID, r.Symbol, c.reqSyms[reqID])
	}
	if err := c.book.apply(r); err != nil && c.err == nil {
		c.err = fmt.Errorf("req %s: %w", reqID, err)
	}
}

// batchTestClient is a testClient as a BatchClient.
type batchTestClient struct{ *testClient }

func (c batchTestClient) SendBatch(reqID string, rs []*Refresh) error { return c.sendBatch(reqID, rs) }

// hold makes the next Send block until unhold.
func (c *testClient) hold() {
	c.gate.Lock()
	c.held, c.release = true, make(chan struct{})
	c.gate.Unlock()
}

func (c *testClient) unhold() {
	c.gate.Lock()
	if c.held {
		c.held = false
		close(c.release)
	}
	c.gate.Unlock()
}

// cmdGen makes random commands over a narrow band so that orders cross often.
type cmdGen struct {
	r    *rand.Rand
	seq  uint64
	n    int
	live []liveRef // ClOrdIDs that may still be live
}

type liveRef struct {
	owner uint32
	id    string
	side  engine.Side
	sym   uint32
	tif   engine.TIF
}

func (g *cmdGen) next() engine.Command {
	g.seq++
	g.n++
	r := g.r
	c := engine.Command{Seq: g.seq, Time: int64(g.seq) * 1000, Owner: uint32(1 + r.Intn(3)), Symbol: uint32(r.Intn(testSymbols)),
		Side: engine.Side(1 + r.Intn(2)), Type: engine.Limit, Qty: 1 + r.Int63n(30)}
	if c.Side == engine.Buy {
		c.Price = 100 + r.Int63n(12)
	} else {
		c.Price = 106 + r.Int63n(12)
	}
	c.ClOrdID, _ = engine.MakeID("c" + strconv.Itoa(g.n))
	x := r.Intn(100)
	switch {
	case x < 1:
		c.Kind = engine.KindEndOfDay
		g.live = g.live[:0]
		return c
	case x < 3:
		// Mass cancel of one owner: by symbol or all, one side or both, now and
		// then on disconnect; and order status requests, which change nothing.
		// g.live may keep canceled orders: a later cancel of one is a reject.
		c.Kind = engine.KindMassCancel
		c.Type = []engine.OrdType{engine.MassBySymbol, engine.MassAll, engine.MassOnDisconnect}[r.Intn(3)]
		c.Side = engine.Side(r.Intn(3))
		if c.Type == engine.MassOnDisconnect {
			c.ClOrdID = engine.ID{}
		}
		return c
	case x < 4 && len(g.live) > 0:
		l := g.live[r.Intn(len(g.live))]
		c.Kind, c.Owner, c.Side, c.Symbol = engine.KindStatus, l.owner, l.side, l.sym
		c.OrigClOrdID, _ = engine.MakeID(l.id)
		return c
	case x < 15 && len(g.live) > 0:
		l := g.live[r.Intn(len(g.live))]
		c.Kind, c.Owner, c.Side, c.Symbol = engine.KindCancel, l.owner, l.side, l.sym
		c.OrigClOrdID, _ = engine.MakeID(l.id)
		return c
	case x < 30 && len(g.live) > 0:
		i := r.Intn(len(g.live))
		l := g.live[i]
		c.Kind, c.Owner, c.Side, c.Symbol, c.TIF = engine.KindReplace, l.owner, l.side, l.sym, l.tif
		c.OrigClOrdID, _ = engine.MakeID(l.id)
		g.live[i].id = c.ClOrdID.String()
		if r.Intn(2) == 0 {
			c.Price = 100 + r.Int63n(18) // may cross
		}
		return c
	}
	c.Kind = engine.KindNew
	switch y := r.Intn(20); {
	case y < 2:
		c.Type, c.Price = engine.Market, 0
	case y < 4:
		c.TIF = engine.IOC
	case y < 6:
		c.TIF = engine.FOK
	case y < 10:
		c.TIF = engine.GTC
	}
	if c.Type == engine.Limit && (c.TIF == engine.Day || c.TIF == engine.GTC) {
		g.live = append(g.live, liveRef{owner: c.Owner, id: c.ClOrdID.String(), side: c.Side, sym: c.Symbol, tif: c.TIF})
		if len(g.live) > 200 {
			g.live = g.live[1:]
		}
	}
	return c
}

func levelsError(sym uint32, side engine.Side, got, want []Level) error {
	return fmt.Errorf("symbol %d side %d:\n got %v\nwant %v", sym, side, got, want)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// clientOf returns the client of key (tests only).
func (f *Feed) clientOf(key uint32) *client {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clients[key]
}
