// Package refbook is the naive reference model of the matching rules written down
// in package engine's documentation (engine/doc.go) and in CONTRACT §2–§4. It is
// the oracle the fast engine is tested against, so clarity wins over speed: per
// symbol two plain slices of orders kept sorted by price then arrival, linear
// scans for every lookup (there is no index that could disagree with the books),
// and a plain slice for the FIFO ClOrdID history. It is not for production use.
//
// Readings of the documentation where it is terse, pinned by the scenario files
// in engine/testdata:
//   - "The order's price has no level" (capacity) looks at both sides of the
//     symbol's book: a level on the opposite side at that price counts, since
//     the order must trade it away completely before it could rest there.
//   - Priority is kept only when the quantity is strictly reduced at an
//     unchanged price; an unchanged quantity at an unchanged price loses it.
//   - Replace checks its 99 reasons in the order doc.go lists them: Side,
//     Symbol, TimeInForce, OrdType, quantity, price, capacity.
//   - Texts: the remainder of a MARKET order (any TIF) is canceled with
//     TextMarketNoLiquidity unless it is a FOK that failed the pre-check; an
//     IOC LIMIT remainder with TextIOCRemainder.
//   - A command of unknown Kind gets EvRejected (reason 99, TextUnknownKind),
//     which like every EvRejected echoes the command's fields.
//   - A ClOrdID replaced away is remembered with the order's status right after
//     the replace (before any trade the replace causes); the order's later fate
//     does not change it. Each history entry copies the order's fields at the
//     moment it is remembered (after the replace's new OrderQty and Price), and
//     a status request naming it answers with them.
//   - A status request checks Side, then Symbol, against the order's for a
//     live order and for a history entry alike.
//   - A mass cancel checks, in order: duplicate ClOrdID, scope, Side, Symbol
//     (MassBySymbol only); MassOnDisconnect checks nothing, ignores Side,
//     Symbol and ClOrdID, and remembers nothing of its own. It picks its
//     orders in canonical order before canceling any, and remembers an
//     accepted request's ClOrdID after them, as a request entry: it blocks
//     reuse, and a cancel, replace or status request naming it is answered
//     as for an unknown ClOrdID.
//   - End of day forgets the whole history, then remembers every order it
//     expired, in canonical order, as an expired entry (status C, the order's
//     details). A cancel or replace naming one is too late, a status request
//     reports it, but it does not block reuse: the first accepted new order,
//     cancel, replace or mass cancel using its ClOrdID as its own drops it
//     before remembering anything, and the oldest entry (expired too) takes
//     its place in the history (engine.HistoryEntry.Expired).
package refbook

import (
	"github.com/openmatch/matchd/engine"
)

// order is one order: resting in a book, or incoming while it matches.
type order struct {
	orderID  uint64
	owner    uint32
	symbol   uint32
	side     engine.Side
	typ      engine.OrdType
	tif      engine.TIF
	price    int64 // limit price in ticks; 0 for MARKET
	qty      int64 // OrderQty
	cum      int64
	notional int64
	clOrdID  engine.ID
	// closed is set once the order is finished (filled, canceled, replaced down
	// to CumQty, expired): its LeavesQty is 0 from then on.
	closed bool
}

func (o *order) leaves() int64 {
	if o.closed || o.qty <= o.cum {
		return 0
	}
	return o.qty - o.cum
}

// status is the OrdStatus of a live order.
func (o *order) status() engine.OrdStatus {
	if o.cum > 0 {
		return engine.StatusPartiallyFilled
	}
	return engine.StatusNew
}

// Book is the reference model of an engine.Engine. Not safe for concurrent use.
type Book struct {
	cfg engine.Config
	// bids[s] and asks[s] are symbol s's resting orders, best price first, and
	// within a price in time priority.
	bids, asks [][]*order
	// history holds finished ClOrdIDs, oldest first, at most cfg.History, each
	// with the OrdStatus a cancel reject naming it reports and the order's
	// details when it finished.
	history    []engine.HistoryEntry
	lastSeq    uint64
	nextExecID uint64

	// Per-Apply scratch: the command being applied and the events so far.
	cmd *engine.Command
	out []engine.Event
}

// New returns an empty reference book for cfg, or cfg's validation error.
func New(cfg engine.Config) (*Book, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Symbols = append([]engine.SymbolConfig(nil), cfg.Symbols...)
	n := len(cfg.Symbols)
	return &Book{
		cfg:        cfg,
		bids:       make([][]*order, n),
		asks:       make([][]*order, n),
		nextExecID: 1,
	}, nil
}

// Apply applies one command and returns out with the events it caused appended.
func (b *Book) Apply(cmd *engine.Command, out []engine.Event) []engine.Event {
	first := len(out)
	b.cmd, b.out = cmd, out
	b.lastSeq = cmd.Seq
	switch cmd.Kind {
	case engine.KindNew:
		b.newOrder()
	case engine.KindCancel:
		b.cancel()
	case engine.KindReplace:
		b.replace()
	case engine.KindEndOfDay:
		b.endOfDay()
	case engine.KindStatus:
		b.status()
	case engine.KindMassCancel:
		b.massCancel()
	default:
		b.reject(engine.ReasonOther, engine.TextUnknownKind)
	}
	out = b.out
	b.cmd, b.out = nil, nil
	if len(out) > first {
		out[len(out)-1].Last = true
	}
	return out
}

// emit numbers e and appends it.
func (b *Book) emit(e engine.Event) {
	e.ExecID = b.nextExecID
	b.nextExecID++
	e.Seq = b.cmd.Seq
	e.Time = b.cmd.Time
	b.out = append(b.out, e)
}

// orderEvent describes o as it stands.
func orderEvent(kind engine.EventKind, status engine.OrdStatus, o *order) engine.Event {
	return engine.Event{
		Kind:      kind,
		Status:    status,
		OrderID:   o.orderID,
		Owner:     o.owner,
		Symbol:    o.symbol,
		Side:      o.side,
		Type:      o.typ,
		TIF:       o.tif,
		Price:     o.price,
		OrderQty:  o.qty,
		CumQty:    o.cum,
		LeavesQty: o.leaves(),
		Notional:  o.notional,
		ClOrdID:   o.clOrdID,
	}
}

// reject emits EvRejected for the current command, echoing its fields.
func (b *Book) reject(reason engine.Reason, text engine.Text) {
	c := b.cmd
	e := engine.Event{
		Kind:     engine.EvRejected,
		Status:   engine.StatusRejected,
		Reason:   reason,
		Text:     text,
		Owner:    c.Owner,
		Symbol:   c.Symbol,
		Side:     c.Side,
		Type:     c.Type,
		TIF:      c.TIF,
		OrderQty: c.Qty,
		ClOrdID:  c.ClOrdID,
	}
	if c.Type == engine.Limit {
		e.Price = c.Price
	}
	b.emit(e)
}

// cancelReject emits EvCancelRejected for the current cancel or replace.
// named is the owner's live order that OrigClOrdID names, or nil. OrdStatus is
// the named order's, else the history's for OrigClOrdID (8 for a request
// entry), else 8.
func (b *Book) cancelReject(named *order, reason engine.Reason, text engine.Text) {
	c := b.cmd
	status := engine.StatusRejected
	if st, ok := b.inHistory(c.Owner, c.OrigClOrdID); ok {
		status = st
	}
	e := engine.Event{
		Kind:        engine.EvCancelRejected,
		Status:      status,
		Reason:      reason,
		ResponseTo:  1,
		Text:        text,
		Owner:       c.Owner,
		Symbol:      c.Symbol,
		Side:        c.Side,
		ClOrdID:     c.ClOrdID,
		OrigClOrdID: c.OrigClOrdID,
	}
	if c.Kind == engine.KindReplace {
		e.ResponseTo = 2
	}
	if named != nil {
		e.OrderID = named.orderID
		e.Status = named.status()
		e.Symbol = named.symbol
		e.Side = named.side
	}
	b.emit(e)
}

// --- lookups: all linear scans ---

// side returns the slice holding orders of symbol sym on side s.
func (b *Book) side(sym uint32, s engine.Side) *[]*order {
	if s == engine.Buy {
		return &b.bids[sym]
	}
	return &b.asks[sym]
}

// live returns owner's resting order whose current ClOrdID is id, or nil.
func (b *Book) live(owner uint32, id engine.ID) *order {
	for s := range b.bids {
		for _, book := range [][]*order{b.bids[s], b.asks[s]} {
			for _, o := range book {
				if o.owner == owner && o.clOrdID == id {
					return o
				}
			}
		}
	}
	return nil
}

// inHistory returns the status remembered for owner's finished ClOrdID id, and
// whether it is remembered.
func (b *Book) inHistory(owner uint32, id engine.ID) (engine.OrdStatus, bool) {
	if h := b.historyEntry(owner, id); h != nil {
		return h.Status, true
	}
	return 0, false
}

// historyEntry returns the history entry of owner's finished ClOrdID id, or nil.
func (b *Book) historyEntry(owner uint32, id engine.ID) *engine.HistoryEntry {
	for i := range b.history {
		if h := &b.history[i]; h.Owner == owner && h.ClOrdID == id {
			return h
		}
	}
	return nil
}

// used reports whether owner may not use id for a new request: an expired
// entry does not count.
func (b *Book) used(owner uint32, id engine.ID) bool {
	h := b.historyEntry(owner, id)
	return b.live(owner, id) != nil || (h != nil && !h.Expired)
}

// reclaim drops owner's expired entry for id, if any, moving the oldest entry
// into its place: an accepted request takes its ClOrdID.
func (b *Book) reclaim(owner uint32, id engine.ID) {
	for i := range b.history {
		if h := &b.history[i]; h.Owner == owner && h.ClOrdID == id && h.Expired {
			b.history[i] = b.history[0]
			b.history = b.history[1:]
			return
		}
	}
}

// rememberRequest pushes the ClOrdID of an accepted request that names no
// order (engine.HistoryEntry.Request), forgetting the oldest beyond
// cfg.History.
func (b *Book) rememberRequest(owner uint32, id engine.ID) {
	b.history = append(b.history, engine.HistoryEntry{
		Owner: owner, Status: engine.StatusRejected, ClOrdID: id, Request: true,
	})
	if len(b.history) > b.cfg.History {
		b.history = b.history[len(b.history)-b.cfg.History:]
	}
}

// remember pushes a finished ClOrdID id of order o with the status a reject
// naming it reports and o's details as they stand, forgetting the oldest beyond
// cfg.History. Status C makes it an expired entry.
func (b *Book) remember(o *order, id engine.ID, status engine.OrdStatus) {
	b.history = append(b.history, engine.HistoryEntry{
		Owner: o.owner, Status: status, ClOrdID: id, Expired: status == engine.StatusExpired,
		OrderID: o.orderID, Symbol: o.symbol, Side: o.side, Type: o.typ, TIF: o.tif,
		Price: o.price, OrderQty: o.qty, CumQty: o.cum, Notional: o.notional,
	})
	if len(b.history) > b.cfg.History {
		b.history = b.history[len(b.history)-b.cfg.History:]
	}
}

func (b *Book) restingOrders() int {
	n := 0
	for s := range b.bids {
		n += len(b.bids[s]) + len(b.asks[s])
	}
	return n
}

// levelsInUse counts distinct (symbol, side, price) among resting orders.
func (b *Book) levelsInUse() int {
	n := 0
	for s := range b.bids {
		for _, book := range [][]*order{b.bids[s], b.asks[s]} {
			for i, o := range book {
				if i == 0 || o.price != book[i-1].price {
					n++
				}
			}
		}
	}
	return n
}

// hasLevel reports whether symbol sym has a level at price, on either side. A
// level on the opposite side counts: an order at that price either trades it
// away completely before it could rest there, or never rests.
func (b *Book) hasLevel(sym uint32, price int64) bool {
	for _, book := range [][]*order{b.bids[sym], b.asks[sym]} {
		for _, o := range book {
			if o.price == price {
				return true
			}
		}
	}
	return false
}

// --- book changes ---

// insert puts o at the back of its price level.
func (b *Book) insert(o *order) {
	book := b.side(o.symbol, o.side)
	i := 0
	for i < len(*book) && !better(o.side, o.price, (*book)[i].price) {
		i++
	}
	*book = append(*book, nil)
	copy((*book)[i+1:], (*book)[i:])
	(*book)[i] = o
}

// better reports whether price p is strictly better than q for side s.
func better(s engine.Side, p, q int64) bool {
	if s == engine.Buy {
		return p > q
	}
	return p < q
}

func (b *Book) remove(o *order) {
	book := b.side(o.symbol, o.side)
	for i, x := range *book {
		if x == o {
			*book = append((*book)[:i], (*book)[i+1:]...)
			return
		}
	}
	panic("refbook: removing an order that is not in its book")
}

// crosses reports whether incoming order o may trade with a resting price p.
func crosses(o *order, p int64) bool {
	switch {
	case o.typ == engine.Market:
		return true
	case o.side == engine.Buy:
		return o.price >= p
	default:
		return o.price <= p
	}
}

// available sums the opposite side's quantity at prices o accepts.
func (b *Book) available(o *order) int64 {
	var n int64
	for _, r := range *b.side(o.symbol, opposite(o.side)) {
		if crosses(o, r.price) {
			n += r.leaves()
		}
	}
	return n
}

func opposite(s engine.Side) engine.Side {
	if s == engine.Buy {
		return engine.Sell
	}
	return engine.Buy
}

// match trades incoming o (not in the book) against the best opposite order
// while they cross, at the resting order's price, incoming side's fill first.
func (b *Book) match(o *order) {
	opp := b.side(o.symbol, opposite(o.side))
	for o.leaves() > 0 && len(*opp) > 0 && crosses(o, (*opp)[0].price) {
		r := (*opp)[0]
		q := min(o.leaves(), r.leaves())
		px := r.price
		o.cum += q
		o.notional += q * px
		r.cum += q
		r.notional += q * px
		for _, x := range [2]*order{o, r} {
			e := orderEvent(engine.EvFill, fillStatus(x), x)
			e.LastQty, e.LastPx = q, px
			b.emit(e)
		}
		if r.leaves() == 0 {
			r.closed = true
			b.remove(r)
			b.remember(r, r.clOrdID, engine.StatusFilled)
		}
	}
}

func fillStatus(o *order) engine.OrdStatus {
	if o.leaves() == 0 {
		return engine.StatusFilled
	}
	return engine.StatusPartiallyFilled
}

// --- new order ---

// checkQty is check 3 of a new order (and the quantity check of a replace).
func (b *Book) checkQty(c *engine.Command) (engine.Text, bool) {
	switch {
	case c.Invalid == engine.InvalidQty || c.Qty <= 0:
		return engine.TextBadQty, false
	case c.Qty > b.cfg.MaxQty:
		return engine.TextQtyTooLarge, false
	}
	return engine.TextNone, true
}

// checkPrice is check 4 of a LIMIT order against symbol sym's band.
func (b *Book) checkPrice(c *engine.Command, sym uint32) (engine.Text, bool) {
	sc := &b.cfg.Symbols[sym]
	switch {
	case c.Invalid == engine.InvalidTick:
		return engine.TextOffTick, false
	case c.Invalid == engine.InvalidPrice:
		return engine.TextBadPrice, false
	case c.Price == 0:
		return engine.TextNoPrice, false
	case c.Price < 0:
		return engine.TextBadPrice, false
	case c.Price < sc.MinPrice || c.Price > sc.MaxPrice:
		return engine.TextOutsideBand, false
	}
	return engine.TextNone, true
}

func (b *Book) newOrder() {
	c := b.cmd
	rej := b.reject
	// 1. Supported enums.
	switch {
	case c.Side != engine.Buy && c.Side != engine.Sell:
		rej(engine.ReasonOther, engine.TextBadSide)
		return
	case c.Type != engine.Market && c.Type != engine.Limit:
		rej(engine.ReasonOther, engine.TextBadType)
		return
	case c.TIF != engine.Day && c.TIF != engine.GTC && c.TIF != engine.IOC && c.TIF != engine.FOK:
		rej(engine.ReasonOther, engine.TextBadTIF)
		return
	}
	// 2. Symbol.
	if int64(c.Symbol) >= int64(len(b.cfg.Symbols)) {
		rej(engine.ReasonUnknownSymbol, engine.TextUnknownSymbol)
		return
	}
	// 3. Quantity.
	if t, ok := b.checkQty(c); !ok {
		rej(engine.ReasonBadQty, t)
		return
	}
	// 4. Price (LIMIT only).
	if c.Type == engine.Limit {
		if t, ok := b.checkPrice(c, c.Symbol); !ok {
			rej(engine.ReasonOther, t)
			return
		}
	}
	// 5. Duplicate ClOrdID.
	if b.used(c.Owner, c.ClOrdID) {
		rej(engine.ReasonDuplicate, engine.TextDuplicateClOrdID)
		return
	}
	// 6. Capacity, for the orders that may rest; before matching, conservatively.
	if c.Type == engine.Limit && (c.TIF == engine.Day || c.TIF == engine.GTC) {
		if b.restingOrders() >= b.cfg.MaxOrders ||
			(!b.hasLevel(c.Symbol, c.Price) && b.levelsInUse() >= b.cfg.MaxLevels) {
			rej(engine.ReasonOther, engine.TextBookFull)
			return
		}
	}
	b.reclaim(c.Owner, c.ClOrdID)

	o := &order{
		orderID: c.Seq,
		owner:   c.Owner,
		symbol:  c.Symbol,
		side:    c.Side,
		typ:     c.Type,
		tif:     c.TIF,
		qty:     c.Qty,
		clOrdID: c.ClOrdID,
	}
	if c.Type == engine.Limit {
		o.price = c.Price
	}
	b.emit(orderEvent(engine.EvAccepted, engine.StatusNew, o))

	if o.tif == engine.FOK && b.available(o) < o.qty {
		b.finishIncoming(o, engine.TextFOKUnfillable)
		return
	}
	b.match(o)
	switch {
	case o.leaves() == 0:
		o.closed = true
		b.remember(o, o.clOrdID, engine.StatusFilled)
	case o.typ == engine.Market:
		b.finishIncoming(o, engine.TextMarketNoLiquidity)
	case o.tif == engine.IOC:
		b.finishIncoming(o, engine.TextIOCRemainder)
	case o.tif == engine.FOK:
		// Unreachable: the pre-check guaranteed a complete fill.
		b.finishIncoming(o, engine.TextFOKUnfillable)
	default:
		b.insert(o)
	}
}

// finishIncoming cancels the remainder of an incoming order that may not rest.
func (b *Book) finishIncoming(o *order, text engine.Text) {
	o.closed = true
	e := orderEvent(engine.EvCanceled, engine.StatusCanceled, o)
	e.Text = text
	b.emit(e)
	b.remember(o, o.clOrdID, engine.StatusCanceled)
}

// --- cancel and replace ---

// target runs the checks that cancel and replace share: duplicate ClOrdID, then
// the named order. It emits the reject and returns nil when one fails.
func (b *Book) target() *order {
	c := b.cmd
	named := b.live(c.Owner, c.OrigClOrdID)
	if b.used(c.Owner, c.ClOrdID) {
		b.cancelReject(named, engine.ReasonDuplicate, engine.TextDuplicateClOrdID)
		return nil
	}
	if named == nil {
		if h := b.historyEntry(c.Owner, c.OrigClOrdID); h != nil && !h.Request {
			b.cancelReject(nil, engine.ReasonTooLate, engine.TextTooLate)
		} else {
			b.cancelReject(nil, engine.ReasonUnknownOrder, engine.TextUnknownOrder)
		}
		return nil
	}
	return named
}

// sameOrder is the check that cancel and replace share after target: Side, then
// Symbol, as the order's. It emits the reject (99) and returns false when one
// differs.
func (b *Book) sameOrder(o *order) bool {
	switch {
	case b.cmd.Side != o.side:
		b.cancelReject(o, engine.ReasonOther, engine.TextSideDiffers)
		return false
	case b.cmd.Symbol != o.symbol:
		b.cancelReject(o, engine.ReasonOther, engine.TextSymbolDiffers)
		return false
	}
	return true
}

func (b *Book) cancel() {
	o := b.target()
	if o == nil || !b.sameOrder(o) {
		return
	}
	b.reclaim(b.cmd.Owner, b.cmd.ClOrdID)
	b.remove(o)
	o.closed = true
	e := orderEvent(engine.EvCanceled, engine.StatusCanceled, o)
	e.ClOrdID = b.cmd.ClOrdID
	e.OrigClOrdID = o.clOrdID
	e.Text = engine.TextCanceledOnRequest
	b.emit(e)
	b.remember(o, o.clOrdID, engine.StatusCanceled)
	b.remember(o, b.cmd.ClOrdID, engine.StatusCanceled)
}

func (b *Book) replace() {
	o := b.target()
	if o == nil || !b.sameOrder(o) {
		return
	}
	c := b.cmd
	rej := func(t engine.Text) { b.cancelReject(o, engine.ReasonOther, t) }
	switch {
	case c.TIF != o.tif:
		rej(engine.TextTIFChange)
		return
	case c.Type != engine.Limit:
		rej(engine.TextTypeChange)
		return
	}
	if t, ok := b.checkQty(c); !ok {
		rej(t)
		return
	}
	if t, ok := b.checkPrice(c, o.symbol); !ok {
		rej(t)
		return
	}
	if c.Price != o.price && !b.hasLevel(o.symbol, c.Price) && b.levelsInUse() >= b.cfg.MaxLevels {
		rej(engine.TextBookFull)
		return
	}
	b.reclaim(c.Owner, c.ClOrdID)

	keepPriority := c.Price == o.price && c.Qty < o.qty
	old := o.clOrdID
	o.clOrdID, o.qty, o.price = c.ClOrdID, c.Qty, c.Price

	if o.qty <= o.cum {
		b.remember(o, old, engine.StatusFilled)
		b.remove(o)
		o.closed = true
		e := orderEvent(engine.EvReplaced, engine.StatusFilled, o)
		e.OrigClOrdID = old
		b.emit(e)
		b.remember(o, o.clOrdID, engine.StatusFilled)
		return
	}
	b.remember(o, old, o.status())
	e := orderEvent(engine.EvReplaced, o.status(), o)
	e.OrigClOrdID = old
	b.emit(e)
	if keepPriority {
		return
	}
	b.remove(o)
	b.match(o)
	if o.leaves() == 0 {
		o.closed = true
		b.remember(o, o.clOrdID, engine.StatusFilled)
		return
	}
	b.insert(o)
}

// --- order status ---

// differs is the Text for a request whose Side, else Symbol, is not the
// order's, or TextNone.
func differs(c *engine.Command, side engine.Side, sym uint32) engine.Text {
	switch {
	case c.Side != side:
		return engine.TextSideDiffers
	case c.Symbol != sym:
		return engine.TextSymbolDiffers
	}
	return engine.TextNone
}

func (b *Book) status() {
	c := b.cmd
	// Unless found below: unknown, echoing the request.
	e := engine.Event{
		Kind:        engine.EvStatus,
		Status:      engine.StatusRejected,
		Reason:      engine.ReasonUnknownOrderStatus,
		Text:        engine.TextUnknownOrder,
		Owner:       c.Owner,
		Symbol:      c.Symbol,
		Side:        c.Side,
		ClOrdID:     c.OrigClOrdID,
		OrigClOrdID: c.ClOrdID,
	}
	if o := b.live(c.Owner, c.OrigClOrdID); o != nil {
		if t := differs(c, o.side, o.symbol); t != engine.TextNone {
			e.Text = t
		} else {
			e = orderEvent(engine.EvStatus, o.status(), o)
			e.OrigClOrdID = c.ClOrdID
		}
	} else if h := b.historyEntry(c.Owner, c.OrigClOrdID); h != nil && !h.Request {
		// Every entry here has its order's details: the reference book never
		// restores a snapshot, so it has no entries from older versions.
		if t := differs(c, h.Side, h.Symbol); t != engine.TextNone {
			e.Text = t
		} else {
			var leaves int64
			if h.Status == engine.StatusNew || h.Status == engine.StatusPartiallyFilled {
				leaves = h.OrderQty - h.CumQty
			}
			e = engine.Event{
				Kind:        engine.EvStatus,
				Status:      h.Status,
				OrderID:     h.OrderID,
				Owner:       h.Owner,
				Symbol:      h.Symbol,
				Side:        h.Side,
				Type:        h.Type,
				TIF:         h.TIF,
				Price:       h.Price,
				OrderQty:    h.OrderQty,
				CumQty:      h.CumQty,
				LeavesQty:   leaves,
				Notional:    h.Notional,
				ClOrdID:     c.OrigClOrdID,
				OrigClOrdID: c.ClOrdID,
			}
		}
	}
	b.emit(e)
}

// --- mass cancel ---

func (b *Book) massCancel() {
	c := b.cmd
	text := engine.TextCanceledOnDisconnect
	var side engine.Side // 0: both
	symbols := make([]uint32, 0, len(b.bids))
	report := -1
	if c.Type == engine.MassOnDisconnect {
		for s := range b.bids {
			symbols = append(symbols, uint32(s))
		}
	} else {
		e := engine.Event{
			Kind:       engine.EvMassCancelReport,
			Status:     engine.StatusRejected,
			Owner:      c.Owner,
			Symbol:     c.Symbol,
			Side:       c.Side,
			ClOrdID:    c.ClOrdID,
			ResponseTo: uint8(c.Type),
		}
		switch {
		case b.used(c.Owner, c.ClOrdID):
			e.Reason, e.Text = engine.ReasonOther, engine.TextDuplicateClOrdID
		case c.Type != engine.MassBySymbol && c.Type != engine.MassAll:
			e.Reason, e.Text = engine.MassRejectNotSupported, engine.TextMassNotSupported
		case c.Side != 0 && c.Side != engine.Buy && c.Side != engine.Sell:
			e.Reason, e.Text = engine.ReasonOther, engine.TextBadSide
		case c.Type == engine.MassBySymbol && int64(c.Symbol) >= int64(len(b.bids)):
			e.Reason, e.Text = engine.MassRejectUnknownSymbol, engine.TextUnknownSymbol
		default:
			e.Status = engine.StatusCanceled
		}
		b.emit(e)
		if e.Status == engine.StatusRejected {
			return
		}
		report = len(b.out) - 1
		b.reclaim(c.Owner, c.ClOrdID)
		text, side = engine.TextMassCanceled, c.Side
		for s := range b.bids {
			if c.Type == engine.MassAll || uint32(s) == c.Symbol {
				symbols = append(symbols, uint32(s))
			}
		}
	}
	// The orders to cancel, in canonical order, before changing any book.
	var victims []*order
	for _, s := range symbols {
		for _, sd := range []engine.Side{engine.Buy, engine.Sell} {
			if side != 0 && side != sd {
				continue
			}
			for _, o := range *b.side(s, sd) {
				if o.owner == c.Owner {
					victims = append(victims, o)
				}
			}
		}
	}
	for _, o := range victims {
		b.remove(o)
		o.closed = true
		e := orderEvent(engine.EvCanceled, engine.StatusCanceled, o)
		e.Text = text
		b.emit(e)
		b.remember(o, o.clOrdID, engine.StatusCanceled)
	}
	if report >= 0 {
		b.out[report].OrderQty = int64(len(victims))
		b.rememberRequest(c.Owner, c.ClOrdID)
	}
}

// --- end of day ---

func (b *Book) endOfDay() {
	var expired []*order
	for s := range b.bids {
		for _, book := range []*[]*order{&b.bids[s], &b.asks[s]} {
			kept := (*book)[:0]
			for _, o := range *book {
				if o.tif != engine.Day {
					kept = append(kept, o)
					continue
				}
				o.closed = true
				e := orderEvent(engine.EvExpired, engine.StatusExpired, o)
				e.Text = engine.TextEndOfDay
				b.emit(e)
				expired = append(expired, o)
			}
			clear((*book)[len(kept):])
			*book = kept
		}
	}
	b.history = nil
	for _, o := range expired {
		b.remember(o, o.clOrdID, engine.StatusExpired)
	}
}

// --- state ---

// State fills s with the canonical state (see engine.State), reusing s's slices.
func (b *Book) State(s *engine.State) {
	s.LastSeq = b.lastSeq
	s.NextExecID = b.nextExecID
	s.Orders = s.Orders[:0]
	for sym := range b.bids {
		for _, book := range [][]*order{b.bids[sym], b.asks[sym]} {
			for _, o := range book {
				s.Orders = append(s.Orders, engine.OrderView{
					OrderID:  o.orderID,
					Owner:    o.owner,
					Symbol:   o.symbol,
					Side:     o.side,
					TIF:      o.tif,
					Price:    o.price,
					OrderQty: o.qty,
					Leaves:   o.leaves(),
					Cum:      o.cum,
					Notional: o.notional,
					ClOrdID:  o.clOrdID,
				})
			}
		}
	}
	s.History = append(s.History[:0], b.history...)
}

// StateHash returns the canonical hash of State.
func (b *Book) StateHash() uint64 {
	var s engine.State
	b.State(&s)
	return s.Hash()
}

// Config returns the configuration the book was built with.
func (b *Book) Config() engine.Config { return b.cfg }
