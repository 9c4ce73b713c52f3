package marketdata

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/openmatch/matchd/engine"
	"github.com/rs/zerolog"
)

// Client receives one session's market data. Send is called from one goroutine
// per client, in order; it may block (a client that does not read): the feed
// queues meanwhile and resyncs past the limit. Send must return once the
// session is gone, or Close waits for it.
type Client interface {
	Send(reqID string, r *Refresh) error
}

// Request is one MarketDataRequest, validated and resolved by the gateway.
type Request struct {
	ReqID string
	// Symbols are symbol indexes (engine.Config.Symbols order), all known.
	Symbols []uint32
	// Depth is MarketDepth(264): 0 full book, N top N levels.
	Depth int
	// Types is non-empty.
	Types Types
	// Updates is SubscriptionRequestType 1 (true) or 0, snapshot only (false).
	Updates bool
}

// DefaultQueueLimit is the per-client queue bound when Options.QueueLimit is 0:
// about 0.4 s of full-depth updates at 10k orders/s before a resync.
const DefaultQueueLimit = 4096

// Options configure a Feed.
type Options struct {
	// Symbols is the number of configured symbols.
	Symbols int
	// QueueLimit is the per-client queue bound, in refreshes (0: DefaultQueueLimit).
	QueueLimit int
	// Log receives resyncs and send errors.
	Log zerolog.Logger
}

// BookView is a consistent copy of one symbol's book for operators (GET /book).
type BookView struct {
	Symbol     uint32
	Seq        uint64
	Bids, Asks []Level
	Trades     []TradeRecord
}

// Stats are the feed's counters.
type Stats struct {
	Clients, Subscriptions int
	// Refreshes handed to Client.Send or BatchClient.SendBatch successfully
	// (a batch counts each of its refreshes).
	Refreshes uint64
	// Messages counts the successful Send and SendBatch calls (a batch counts
	// once): Refreshes minus Messages is what batching saved.
	Messages uint64
	Resyncs  uint64
	// SendErrors counts failed Send and SendBatch calls.
	SendErrors uint64
}

// Feed is the market-data fan-out: a Book fed by Deliver, the top-N views
// subscribed, and one queue and sender goroutine per client. Safe for
// concurrent use; Deliver must be called from one goroutine.
type Feed struct {
	opts Options

	// mu guards everything below. Deliver holds it from a command's first event
	// to its Last one, so Subscribe, View and Stats see command boundaries only.
	mu      sync.Mutex
	inCmd   bool
	closed  bool
	book    *Book
	clients map[uint32]*client
	bySym   [][]*subscription // kept subscriptions per symbol
	views   [][]*view         // top-N views per symbol (depth > 0)
	subs    int

	// Per command scratch (Deliver only, under mu).
	xs       []Refresh
	fulls    []*Refresh
	variants []variant

	senders sync.WaitGroup

	refreshes, messages, resyncs, sendErrors atomic.Uint64
}

// subscription is one kept (Updates) MarketDataRequest.
type subscription struct {
	c     *client
	reqID string
	syms  []uint32
	depth int
	types Types
}

// variant caches a Refresh filtered to a set of types, per command.
type variant struct {
	base  *Refresh
	types Types
	r     *Refresh // nil: nothing left after filtering
}

// NewFeed returns a feed with an empty book.
func NewFeed(opts Options) *Feed {
	if opts.QueueLimit <= 0 {
		opts.QueueLimit = DefaultQueueLimit
	}
	return &Feed{opts: opts, book: NewBook(opts.Symbols), clients: make(map[uint32]*client),
		bySym: make([][]*subscription, opts.Symbols), views: make([][]*view, opts.Symbols)}
}

// Load sets the book from a recovered engine before any event is delivered
// (see Book.Load). It must not run while the engine is in use.
func (f *Feed) Load(e *engine.Engine) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.book.Load(e)
	for s, vs := range f.views {
		for _, v := range vs {
			v.reset(f.book, uint32(s))
		}
	}
}

// Deliver implements pipeline.Reporter: called on the feed's own consumer
// goroutine with every event in order, once its command is durable. It never
// blocks on a client. It holds the feed's mutex from a command's first event
// to its Last one, so it must be handed whole commands: Subscribe, View, Stats
// and Close wait for the command in progress.
func (f *Feed) Deliver(ev *engine.Event) {
	if !f.inCmd { // only Deliver writes inCmd, and only while it holds mu
		f.mu.Lock()
		f.inCmd = true
	}
	f.book.Apply(ev)
	if !ev.Last {
		return
	}
	f.publish()
	f.inCmd = false
	f.mu.Unlock()
}

// publish hands the refreshes of the command just applied to the subscribers.
func (f *Feed) publish() {
	f.xs = f.book.Flush(f.xs[:0])
	clear(f.variants)
	f.variants = f.variants[:0]
	// Every view first: a resync while queuing takes a W of every symbol of
	// the client, which the X that follow it must continue from.
	f.fulls = f.fulls[:0]
	for i := range f.xs {
		x := &f.xs[i]
		if len(f.bySym[x.Symbol]) == 0 {
			continue
		}
		full := new(Refresh)
		*full = *x
		f.fulls = append(f.fulls, full)
		for _, v := range f.views[x.Symbol] {
			v.update(f.book, full)
		}
	}
	for _, full := range f.fulls {
		for _, s := range f.bySym[full.Symbol] {
			r := full
			if s.depth > 0 {
				r = f.viewOf(full.Symbol, s.depth).x
			}
			if r = f.filtered(r, s.types); r != nil {
				f.enqueueX(s.c, s.reqID, r)
			}
		}
	}
	clear(f.xs)
	clear(f.fulls)
}

// filtered returns r restricted to types, nil when no entry is left; shared
// between the subscribers of one command.
func (f *Feed) filtered(r *Refresh, types Types) *Refresh {
	if r == nil {
		return nil
	}
	if types == AllTypes {
		return r
	}
	for _, v := range f.variants {
		if v.base == r && v.types == types {
			return v.r
		}
	}
	n := 0
	for i := range r.Entries {
		if types.has(r.Entries[i].Type) {
			n++
		}
	}
	var out *Refresh
	switch n {
	case len(r.Entries):
		out = r
	case 0:
	default:
		out = &Refresh{Full: r.Full, Symbol: r.Symbol, Seq: r.Seq, Time: r.Time, Entries: make([]Entry, 0, n)}
		for _, e := range r.Entries {
			if types.has(e.Type) {
				out.Entries = append(out.Entries, e)
			}
		}
	}
	f.variants = append(f.variants, variant{base: r, types: types, r: out})
	return out
}

func (f *Feed) viewOf(sym uint32, depth int) *view {
	for _, v := range f.views[sym] {
		if v.depth == depth {
			return v
		}
	}
	return nil
}

// validate checks a request against the feed's configuration.
func (f *Feed) validate(req *Request) error {
	switch {
	case len(req.Symbols) == 0:
		return fmt.Errorf("marketdata: request %q names no symbol", req.ReqID)
	case req.Depth < 0:
		return fmt.Errorf("marketdata: request %q: negative depth %d", req.ReqID, req.Depth)
	case req.Types == 0 || req.Types&^AllTypes != 0:
		return fmt.Errorf("marketdata: request %q: bad entry type set %#x", req.ReqID, uint8(req.Types))
	}
	for i, s := range req.Symbols {
		if s >= uint32(f.opts.Symbols) {
			return fmt.Errorf("marketdata: request %q: symbol %d (position %d) is not configured", req.ReqID, s, i)
		}
	}
	return nil
}

// Subscribe answers req for client key (the session's owner id): queues a W
// per symbol (taken at a command boundary), and when req.Updates every X after
// it until Unsubscribe/Disconnect. The first Subscribe of a key starts its
// sender with c (later calls of the same key reuse it). A request whose ReqID
// the key already has a kept subscription under fails with ErrDuplicateReqID
// and changes nothing.
func (f *Feed) Subscribe(key uint32, c Client, req Request) error {
	if err := f.validate(&req); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	cl := f.clients[key]
	if req.Updates && cl != nil && cl.subs[req.ReqID] != nil {
		return ErrDuplicateReqID
	}
	if cl == nil {
		cl = newClient(f, key, c)
		f.clients[key] = cl
		f.senders.Add(1)
		go cl.run()
	}
	syms := append([]uint32(nil), req.Symbols...)
	if !req.Updates {
		for _, s := range syms {
			w := f.book.Snapshot(s, req.Depth, req.Types)
			cl.enqueue(item{reqID: req.ReqID, r: &w, once: true})
		}
		return nil
	}
	sub := &subscription{c: cl, reqID: req.ReqID, syms: syms, depth: req.Depth, types: req.Types}
	cl.subs[req.ReqID] = sub
	f.subs++
	for _, s := range syms {
		f.bySym[s] = append(f.bySym[s], sub)
		if sub.depth > 0 {
			v := f.viewOf(s, sub.depth)
			if v == nil {
				v = &view{depth: sub.depth}
				v.reset(f.book, s)
				f.views[s] = append(f.views[s], v)
			}
			v.refs++
		}
		w := f.book.Snapshot(s, sub.depth, sub.types)
		cl.enqueue(item{reqID: req.ReqID, r: &w})
	}
	return nil
}

// Unsubscribe ends the kept subscription reqID of key and drops its queued
// refreshes. It reports false when there is no such subscription.
func (f *Feed) Unsubscribe(key uint32, reqID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	cl := f.clients[key]
	if cl == nil || cl.subs[reqID] == nil {
		return false
	}
	f.drop(cl.subs[reqID])
	cl.dropQueued(reqID)
	return true
}

// drop unregisters a kept subscription (mu held).
func (f *Feed) drop(sub *subscription) {
	delete(sub.c.subs, sub.reqID)
	f.subs--
	for _, s := range sub.syms {
		list := f.bySym[s]
		for i, x := range list {
			if x == sub {
				f.bySym[s] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if sub.depth > 0 {
			v := f.viewOf(s, sub.depth)
			if v.refs--; v.refs == 0 {
				vs := f.views[s]
				for i, x := range vs {
					if x == v {
						f.views[s] = append(vs[:i:i], vs[i+1:]...)
						break
					}
				}
			}
		}
	}
}

// Disconnect drops every subscription of key and its queue, and stops its
// sender (without waiting for a Send in progress).
func (f *Feed) Disconnect(key uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cl := f.clients[key]
	if cl == nil {
		return
	}
	for _, sub := range cl.subs {
		f.drop(sub)
	}
	delete(f.clients, key)
	cl.stop()
}

// View returns a consistent copy of one symbol's book: up to depth levels a
// side (0: all) and the recent trades. An unknown symbol gives an empty view.
func (f *Feed) View(sym uint32, depth int) BookView {
	f.mu.Lock()
	defer f.mu.Unlock()
	return BookView{Symbol: sym, Seq: f.book.Seq(),
		Bids:   f.book.Levels(sym, engine.Buy, depth, nil),
		Asks:   f.book.Levels(sym, engine.Sell, depth, nil),
		Trades: f.book.Trades(sym, nil)}
}

// Stats returns the feed's counters.
func (f *Feed) Stats() Stats {
	f.mu.Lock()
	s := Stats{Clients: len(f.clients), Subscriptions: f.subs}
	f.mu.Unlock()
	s.Refreshes = f.refreshes.Load()
	s.Messages = f.messages.Load()
	s.Resyncs = f.resyncs.Load()
	s.SendErrors = f.sendErrors.Load()
	return s
}

// Close stops every sender and waits for them (a Send in progress finishes
// first). Later Subscribe calls return ErrClosed; Deliver keeps the book.
func (f *Feed) Close() {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		for key, cl := range f.clients {
			for _, sub := range cl.subs {
				f.drop(sub)
			}
			delete(f.clients, key)
			cl.stop()
		}
	}
	f.mu.Unlock()
	f.senders.Wait()
}
