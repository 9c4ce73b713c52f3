package marketdata

import (
	"slices"

	"github.com/openmatch/matchd/engine"
)

// tradesKept is how many recent trades Book keeps per symbol.
const tradesKept = 32

// Book is the market-by-price state of every symbol, built only from
// engine.Events (and, at start-up, Load). Not safe for concurrent use.
//
// It tracks every resting order by OrderID (side, price, LeavesQty), so that an
// event about an order is enough to update its level. Events of one command are
// folded in as they come; the command's aggressor (the order of an EvAccepted or
// EvReplaced) is held aside while it matches and rests, if it is a LIMIT DAY/GTC
// order with LeavesQty left, once the command's last event (Event.Last) has been
// applied. Flush then reports what the command changed.
type Book struct {
	syms   []symBook
	orders map[uint64]restingOrder

	agg     aggressor
	touched []uint32 // symbols changed by the current command, in first-touch order
	seq     uint64   // Seq of the last command whose Last event was applied
	time    int64    // its Time
	curSeq  uint64   // Seq of the command being applied
	curTime int64
}

// symBook is one symbol's levels and recent trades.
type symBook struct {
	bids, asks []Level // best first
	trades     [tradesKept]TradeRecord
	tHead, tN  int

	// Per command: the state of every level touched before the command, and the
	// trades it made (match order).
	before  map[levelKey]Level // Orders == 0: the level did not exist
	cmdTrd  []Entry
	touched bool
}

type levelKey struct {
	side  engine.Side
	price int64
}

type restingOrder struct {
	sym    uint32
	side   engine.Side
	price  int64
	leaves int64
}

// aggressor is the order of the current command's EvAccepted or EvReplaced.
type aggressor struct {
	active  bool
	rests   bool // LIMIT DAY/GTC: rests with what it has left
	orderID uint64
	order   restingOrder
}

// NewBook returns an empty book for symbols symbols.
func NewBook(symbols int) *Book {
	b := &Book{syms: make([]symBook, symbols), orders: make(map[uint64]restingOrder)}
	for i := range b.syms {
		b.syms[i].before = make(map[levelKey]Level)
	}
	return b
}

// Load replaces the book's contents with the resting orders of e (a recovered
// engine, before its pipeline starts: Load reads e, so e must not be in use).
// Seq becomes e.LastSeq(); recent trades are forgotten (they are not in the
// engine's state), and so is the time of command Seq (Time is 0 until the next
// command). Symbols beyond the book's count are ignored.
func (b *Book) Load(e *engine.Engine) {
	clear(b.orders)
	b.agg = aggressor{}
	b.touched = b.touched[:0]
	for s := range b.syms {
		sb := &b.syms[s]
		sb.bids, sb.asks = sb.bids[:0], sb.asks[:0]
		sb.tHead, sb.tN = 0, 0
		clear(sb.before)
		sb.cmdTrd, sb.touched = sb.cmdTrd[:0], false
		for _, o := range e.Book(uint32(s)) {
			ro := restingOrder{sym: o.Symbol, side: o.Side, price: o.Price, leaves: o.Leaves}
			b.orders[o.OrderID] = ro
			b.add(&ro, 1)
		}
		clear(sb.before)
		sb.touched = false
	}
	b.touched = b.touched[:0]
	b.seq, b.time = e.LastSeq(), 0
}

// Seq is the Seq of the last command whose events were applied (its Last event
// seen), 0 before any.
func (b *Book) Seq() uint64 { return b.seq }

// Time is the sequencer time of the command Seq names.
func (b *Book) Time() int64 { return b.time }

// Apply folds one event in. Kinds that do not change the book (rejects, status,
// mass-cancel reports) only count for Event.Last. Events about orders the book
// does not know (it was not loaded with the engine's state) are ignored.
func (b *Book) Apply(ev *engine.Event) {
	b.curSeq, b.curTime = ev.Seq, ev.Time
	if ev.Symbol < uint32(len(b.syms)) {
		b.apply(ev)
	}
	if ev.Last {
		b.endCommand()
	}
}

func (b *Book) apply(ev *engine.Event) {
	switch ev.Kind {
	case engine.EvAccepted:
		b.agg = aggressor{active: true, orderID: ev.OrderID, rests: restsWith(ev),
			order: restingOrder{sym: ev.Symbol, side: ev.Side, price: ev.Price, leaves: ev.LeavesQty}}
	case engine.EvReplaced:
		// The order leaves its level (a replace that keeps its place comes back
		// to the same level at the end of the command: the level's count is
		// unchanged and its size is the new LeavesQty) and becomes the aggressor.
		if ro, ok := b.orders[ev.OrderID]; ok {
			delete(b.orders, ev.OrderID)
			b.add(&ro, -1)
		}
		b.agg = aggressor{active: true, orderID: ev.OrderID, rests: restsWith(ev),
			order: restingOrder{sym: ev.Symbol, side: ev.Side, price: ev.Price, leaves: ev.LeavesQty}}
	case engine.EvFill:
		if b.agg.active && ev.OrderID == b.agg.orderID {
			b.agg.order.leaves = ev.LeavesQty
			b.trade(ev)
			return
		}
		ro, ok := b.orders[ev.OrderID]
		if !ok {
			return
		}
		lv := b.level(&ro)
		if lv == nil {
			return
		}
		b.touch(ro.sym, &ro)
		lv.Size -= ro.leaves - ev.LeavesQty
		ro.leaves = ev.LeavesQty
		if ro.leaves <= 0 {
			delete(b.orders, ev.OrderID)
			lv.Orders--
			b.dropIfEmpty(&ro)
		} else {
			b.orders[ev.OrderID] = ro
		}
	case engine.EvCanceled, engine.EvExpired:
		if b.agg.active && ev.OrderID == b.agg.orderID {
			b.agg.active = false
			return
		}
		if ro, ok := b.orders[ev.OrderID]; ok {
			delete(b.orders, ev.OrderID)
			b.add(&ro, -1)
		}
	}
}

// restsWith reports whether the order of an EvAccepted/EvReplaced rests with
// whatever it has left once it is done matching.
func restsWith(ev *engine.Event) bool {
	return ev.Type == engine.Limit && (ev.TIF == engine.Day || ev.TIF == engine.GTC)
}

// trade records one match (seen on the aggressor's fill: once per match).
func (b *Book) trade(ev *engine.Event) {
	sb := &b.syms[ev.Symbol]
	b.markTouched(ev.Symbol)
	sb.cmdTrd = append(sb.cmdTrd, Entry{Type: Trade, Price: ev.LastPx, Size: ev.LastQty})
	i := sb.tHead + sb.tN
	if sb.tN == tradesKept {
		i = sb.tHead
		sb.tHead = (sb.tHead + 1) % tradesKept
	} else {
		sb.tN++
	}
	sb.trades[i%tradesKept] = TradeRecord{Seq: ev.Seq, Time: ev.Time, Price: ev.LastPx, Size: ev.LastQty}
}

// endCommand rests the aggressor if it may, and closes the command.
func (b *Book) endCommand() {
	if a := &b.agg; a.active && a.rests && a.order.leaves > 0 && a.order.sym < uint32(len(b.syms)) {
		b.orders[a.orderID] = a.order
		b.add(&a.order, 1)
	}
	b.agg = aggressor{}
	b.seq, b.time = b.curSeq, b.curTime
}

func (b *Book) markTouched(sym uint32) {
	if sb := &b.syms[sym]; !sb.touched {
		sb.touched = true
		b.touched = append(b.touched, sym)
	}
}

// touch records the level of o as it was before the command, on first touch.
func (b *Book) touch(sym uint32, o *restingOrder) {
	b.markTouched(sym)
	sb := &b.syms[sym]
	k := levelKey{o.side, o.price}
	if _, ok := sb.before[k]; ok {
		return
	}
	var was Level
	if lv := b.level(o); lv != nil {
		was = *lv
	}
	sb.before[k] = was
}

// side returns the level slice of o's side and whether better means higher.
func (sb *symBook) side(s engine.Side) *[]Level {
	if s == engine.Buy {
		return &sb.bids
	}
	return &sb.asks
}

// find returns the index of price in levels (best first) or where it would go.
func find(levels []Level, s engine.Side, price int64) (int, bool) {
	return slices.BinarySearchFunc(levels, price, func(l Level, p int64) int {
		switch {
		case l.Price == p:
			return 0
		case (s == engine.Buy) == (l.Price > p):
			return -1 // l is better, so it comes first
		}
		return 1
	})
}

// level returns o's level, nil when there is none.
func (b *Book) level(o *restingOrder) *Level {
	lv := b.syms[o.sym].side(o.side)
	if i, ok := find(*lv, o.side, o.price); ok {
		return &(*lv)[i]
	}
	return nil
}

// add adds (n = 1) or removes (n = -1) o's LeavesQty and one order at its level.
func (b *Book) add(o *restingOrder, n int32) {
	b.touch(o.sym, o)
	lv := b.syms[o.sym].side(o.side)
	i, ok := find(*lv, o.side, o.price)
	if !ok {
		if n < 0 {
			return
		}
		*lv = slices.Insert(*lv, i, Level{Price: o.price})
	}
	l := &(*lv)[i]
	l.Size += int64(n) * o.leaves
	l.Orders += n
	b.dropIfEmpty(o)
}

// dropIfEmpty removes o's level once it holds no order.
func (b *Book) dropIfEmpty(o *restingOrder) {
	lv := b.syms[o.sym].side(o.side)
	if i, ok := find(*lv, o.side, o.price); ok && (*lv)[i].Orders <= 0 {
		*lv = slices.Delete(*lv, i, i+1)
	}
}

// Flush appends, after an event with Last, the full-depth X of that command for
// each symbol it touched (ascending symbol), and resets the per-command state.
// A symbol with no trade and no level whose size or count changed yields
// nothing. Each Refresh's Entries is a new slice, never reused by the Book.
func (b *Book) Flush(dst []Refresh) []Refresh {
	slices.Sort(b.touched)
	for _, s := range b.touched {
		sb := &b.syms[s]
		var es []Entry
		if len(sb.cmdTrd) > 0 || len(sb.before) > 0 {
			es = make([]Entry, 0, len(sb.cmdTrd)+len(sb.before))
			es = append(es, sb.cmdTrd...)
			es = sb.changes(es, engine.Buy, Bid)
			es = sb.changes(es, engine.Sell, Offer)
		}
		if len(es) > 0 {
			dst = append(dst, Refresh{Symbol: s, Seq: b.seq, Time: b.time, Entries: es})
		}
		clear(sb.before)
		sb.cmdTrd = sb.cmdTrd[:0]
		sb.touched = false
	}
	b.touched = b.touched[:0]
	return dst
}

// changes appends the level changes of one side, best first.
func (sb *symBook) changes(dst []Entry, s engine.Side, t EntryType) []Entry {
	start := len(dst)
	for k, was := range sb.before {
		if k.side != s {
			continue
		}
		var now Level
		if i, ok := find(*sb.side(s), s, k.price); ok {
			now = (*sb.side(s))[i]
		}
		switch {
		case was.Orders == 0 && now.Orders == 0:
		case was.Orders == now.Orders && was.Size == now.Size:
		case was.Orders == 0:
			dst = append(dst, Entry{Action: New, Type: t, Price: k.price, Size: now.Size, Orders: now.Orders})
		case now.Orders == 0:
			dst = append(dst, Entry{Action: Delete, Type: t, Price: k.price})
		default:
			dst = append(dst, Entry{Action: Change, Type: t, Price: k.price, Size: now.Size, Orders: now.Orders})
		}
	}
	part := dst[start:]
	slices.SortFunc(part, func(x, y Entry) int {
		switch {
		case x.Price == y.Price:
			return 0
		case (s == engine.Buy) == (x.Price > y.Price):
			return -1
		}
		return 1
	})
	return dst
}

// Snapshot returns a W of the current book of sym: up to depth levels a side
// (0: all), bids only if types has TypeBid, offers only if TypeOffer. Its Seq is
// Seq(). Entries is a new slice.
func (b *Book) Snapshot(sym uint32, depth int, types Types) Refresh {
	r := Refresh{Full: true, Symbol: sym, Seq: b.seq, Time: b.time}
	if sym >= uint32(len(b.syms)) {
		return r
	}
	sb := &b.syms[sym]
	bids, asks := top(sb.bids, depth), top(sb.asks, depth)
	n := 0
	if types&TypeBid != 0 {
		n += len(bids)
	}
	if types&TypeOffer != 0 {
		n += len(asks)
	}
	r.Entries = make([]Entry, 0, n)
	if types&TypeBid != 0 {
		for _, l := range bids {
			r.Entries = append(r.Entries, Entry{Type: Bid, Price: l.Price, Size: l.Size, Orders: l.Orders})
		}
	}
	if types&TypeOffer != 0 {
		for _, l := range asks {
			r.Entries = append(r.Entries, Entry{Type: Offer, Price: l.Price, Size: l.Size, Orders: l.Orders})
		}
	}
	return r
}

// top returns the first depth levels (all when depth is 0).
func top(levels []Level, depth int) []Level {
	if depth > 0 && depth < len(levels) {
		return levels[:depth]
	}
	return levels
}

// Levels appends up to depth levels (0: all) of one side of sym, best first.
func (b *Book) Levels(sym uint32, side engine.Side, depth int, dst []Level) []Level {
	if sym >= uint32(len(b.syms)) {
		return dst
	}
	return append(dst, top(*b.syms[sym].side(side), depth)...)
}

// Trades appends the recent trades of sym (up to 32), oldest first.
func (b *Book) Trades(sym uint32, dst []TradeRecord) []TradeRecord {
	if sym >= uint32(len(b.syms)) {
		return dst
	}
	sb := &b.syms[sym]
	for i := 0; i < sb.tN; i++ {
		dst = append(dst, sb.trades[(sb.tHead+i)%tradesKept])
	}
	return dst
}
