package engine

// order is a pool entry. Orders never move: an order is named by its index in
// Engine.orders, and a free order's next links the free list.
type order struct {
	next, prev int32 // FIFO links within the level; -1 at the ends
	level      int32 // level index while resting
	owner      uint32
	sym        uint32
	side       Side
	tif        TIF
	typ        OrdType
	price      int64 // ticks (0 for MARKET)
	qty        int64 // OrderQty
	leaves     int64
	cum        int64
	notional   int64
	orderID    uint64
	id         ID // current ClOrdID
}

// level is one occupied price of one symbol: a FIFO of orders of one side.
type level struct {
	head, tail int32 // order indexes; head is the oldest. A free level's head links the free list.
	count      int32
	side       Side
	price      int64
	qty        int64 // sum of leaves
}

// book is one symbol's side-agnostic price index. Bids and asks share it: every
// occupied price below the best ask is a bid, every one above the best bid an ask.
type book struct {
	min, max int64   // band in ticks
	at       []int32 // price-min -> level index + 1 (0: no level)
	occ      bitset  // occupied offsets
	bid, ask int64   // best offsets, -1 when that side is empty
}

// Engine holds every book and applies commands to them. It is single-threaded:
// one goroutine (the matcher) owns it.
type Engine struct {
	cfg   Config
	books []book

	orders    []order
	freeOrder int32
	resting   int // orders in books

	levels    []level
	freeLevel int32
	usedLevel int

	index idIndex
	hist  []HistoryEntry // ring of finished ClOrdIDs
	hHead int            // oldest entry
	hLen  int
	// hExpired is how many of the history's entries are Expired: always the
	// oldest hExpired (recorded first after the end of day cleared the ring).
	hExpired int

	lastSeq    uint64
	nextExecID uint64
	// dayOpened is the Time of the first command applied since the last end of
	// day (0: none yet). It never changes how a command matches, so it is not
	// part of State or its hash; it is in snapshots so that a restarted server
	// can tell whether it missed an end of day (DayOpened).
	dayOpened int64
}

// New allocates an engine sized by cfg. The per-tick price index is allocated
// zeroed and only touched where orders rest, so a wide band costs address space
// more than memory.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Symbols = append([]SymbolConfig(nil), cfg.Symbols...)
	e := &Engine{cfg: cfg, nextExecID: 1}
	e.books = make([]book, len(cfg.Symbols))
	for i, s := range cfg.Symbols {
		n := int(s.MaxPrice - s.MinPrice + 1)
		e.books[i] = book{min: s.MinPrice, max: s.MaxPrice, at: make([]int32, n), occ: newBitset(n), bid: -1, ask: -1}
	}
	// One spare order beyond MaxOrders carries an IOC, FOK or MARKET order while it
	// matches, since the capacity check only reserves room for orders that may rest.
	e.orders = make([]order, cfg.MaxOrders+1)
	for i := range e.orders {
		e.orders[i].next = int32(i + 1)
	}
	e.orders[len(e.orders)-1].next = -1
	e.levels = make([]level, cfg.MaxLevels)
	for i := range e.levels {
		e.levels[i].head = int32(i + 1)
	}
	e.levels[len(e.levels)-1].head = -1
	e.index = newIDIndex(cfg.MaxOrders + 1 + cfg.History)
	e.hist = make([]HistoryEntry, cfg.History)
	return e, nil
}

// Config returns the configuration the engine was built with.
func (e *Engine) Config() Config { return e.cfg }

// LastSeq is the Seq of the last command applied.
func (e *Engine) LastSeq() uint64 { return e.lastSeq }

// DayOpened is the Time of the first command applied since the last end of day
// (or since the start of the journal), 0 when there has been none. A trading
// day whose scheduled end lies after DayOpened and before now was never closed.
func (e *Engine) DayOpened() int64 { return e.dayOpened }

// Apply applies one command and appends the events it causes to out. It never
// fails: every problem with the command becomes a reject event.
func (e *Engine) Apply(cmd *Command, out *Events) {
	first := len(out.buf)
	e.apply(cmd, out)
	if n := len(out.buf); n > first {
		out.buf[n-1].Last = true
	}
}

func (e *Engine) apply(cmd *Command, out *Events) {
	e.lastSeq = cmd.Seq
	if e.dayOpened == 0 && cmd.Kind != KindEndOfDay {
		e.dayOpened = cmd.Time
	}
	switch cmd.Kind {
	case KindNew:
		e.newOrder(cmd, out)
	case KindCancel:
		e.cancel(cmd, out)
	case KindReplace:
		e.replace(cmd, out)
	case KindEndOfDay:
		e.endOfDay(cmd, out)
	case KindStatus:
		e.status(cmd, out)
	case KindMassCancel:
		e.massCancel(cmd, out)
	default:
		e.rejectNew(cmd, out, ReasonOther, TextUnknownKind)
	}
}

// event appends an event numbered and timed from cmd.
func (e *Engine) event(out *Events, cmd *Command, kind EventKind) *Event {
	ev := out.next()
	ev.ExecID = e.nextExecID
	e.nextExecID++
	ev.Seq = cmd.Seq
	ev.Time = cmd.Time
	ev.Kind = kind
	return ev
}

// orderEvent appends an event about order o with its current quantities.
func (e *Engine) orderEvent(out *Events, cmd *Command, kind EventKind, o *order) *Event {
	ev := e.event(out, cmd, kind)
	ev.OrderID = o.orderID
	ev.Side = o.side
	ev.Type = o.typ
	ev.TIF = o.tif
	ev.Owner = o.owner
	ev.Symbol = o.sym
	ev.Price = o.price
	ev.OrderQty = o.qty
	ev.CumQty = o.cum
	ev.LeavesQty = o.leaves
	ev.Notional = o.notional
	ev.ClOrdID = o.id
	ev.Status = o.status()
	return ev
}

func (o *order) status() OrdStatus {
	switch {
	case o.leaves == 0:
		return StatusFilled
	case o.cum > 0:
		return StatusPartiallyFilled
	}
	return StatusNew
}

// checkOrder applies the field checks shared by new orders and replaces. It
// returns TextNone when the fields are acceptable.
func (e *Engine) checkQtyPrice(cmd *Command) Text {
	if cmd.Invalid == InvalidQty || cmd.Qty <= 0 {
		return TextBadQty
	}
	if cmd.Qty > e.cfg.MaxQty {
		return TextQtyTooLarge
	}
	if cmd.Type == Limit {
		switch {
		case cmd.Invalid == InvalidTick:
			return TextOffTick
		case cmd.Invalid == InvalidPrice || cmd.Price < 0:
			return TextBadPrice
		case cmd.Price == 0:
			return TextNoPrice
		}
		b := &e.books[cmd.Symbol]
		if cmd.Price < b.min || cmd.Price > b.max {
			return TextOutsideBand
		}
	}
	return TextNone
}

func (e *Engine) rejectNew(cmd *Command, out *Events, reason Reason, text Text) {
	ev := e.event(out, cmd, EvRejected)
	ev.Status = StatusRejected
	ev.Reason = reason
	ev.Text = text
	ev.Side = cmd.Side
	ev.Type = cmd.Type
	ev.TIF = cmd.TIF
	ev.Owner = cmd.Owner
	ev.Symbol = cmd.Symbol
	if cmd.Type == Limit {
		ev.Price = cmd.Price
	}
	ev.OrderQty = cmd.Qty
	ev.ClOrdID = cmd.ClOrdID
}

func (e *Engine) newOrder(cmd *Command, out *Events) {
	switch {
	case cmd.Side != Buy && cmd.Side != Sell:
		e.rejectNew(cmd, out, ReasonOther, TextBadSide)
		return
	case cmd.Type != Limit && cmd.Type != Market:
		e.rejectNew(cmd, out, ReasonOther, TextBadType)
		return
	case cmd.TIF != Day && cmd.TIF != GTC && cmd.TIF != IOC && cmd.TIF != FOK:
		e.rejectNew(cmd, out, ReasonOther, TextBadTIF)
		return
	case cmd.Symbol >= uint32(len(e.books)):
		e.rejectNew(cmd, out, ReasonUnknownSymbol, TextUnknownSymbol)
		return
	}
	if t := e.checkQtyPrice(cmd); t != TextNone {
		r := ReasonOther
		if t == TextBadQty || t == TextQtyTooLarge {
			r = ReasonBadQty
		}
		e.rejectNew(cmd, out, r, t)
		return
	}
	if e.taken(cmd.Owner, &cmd.ClOrdID) {
		e.rejectNew(cmd, out, ReasonDuplicate, TextDuplicateClOrdID)
		return
	}
	b := &e.books[cmd.Symbol]
	mayRest := cmd.Type == Limit && (cmd.TIF == Day || cmd.TIF == GTC)
	if mayRest && (e.resting == e.cfg.MaxOrders || (b.at[cmd.Price-b.min] == 0 && e.usedLevel == len(e.levels))) {
		e.rejectNew(cmd, out, ReasonOther, TextBookFull)
		return
	}
	e.reclaim(cmd.Owner, &cmd.ClOrdID)

	oi := e.freeOrder
	o := &e.orders[oi]
	e.freeOrder = o.next
	o.next, o.prev, o.level = -1, -1, -1
	o.owner = cmd.Owner
	o.sym = cmd.Symbol
	o.side = cmd.Side
	o.tif = cmd.TIF
	o.typ = cmd.Type
	o.price = 0
	if cmd.Type == Limit {
		o.price = cmd.Price
	}
	o.qty = cmd.Qty
	o.leaves = cmd.Qty
	o.cum = 0
	o.notional = 0
	o.orderID = cmd.Seq
	o.id = cmd.ClOrdID
	e.insert(o.owner, &o.id, oi)
	e.orderEvent(out, cmd, EvAccepted, o)

	if cmd.TIF == FOK && e.available(b, o) < o.leaves {
		e.finishCanceled(cmd, out, oi, TextFOKUnfillable)
		return
	}
	e.match(cmd, out, b, oi)
	switch {
	case o.leaves == 0:
		e.retire(oi, StatusFilled)
	case cmd.Type == Market:
		e.finishCanceled(cmd, out, oi, TextMarketNoLiquidity)
	case !mayRest:
		e.finishCanceled(cmd, out, oi, TextIOCRemainder)
	default:
		e.rest(b, oi)
	}
}

// finishCanceled cancels the remainder of an order that is not in a book.
func (e *Engine) finishCanceled(cmd *Command, out *Events, oi int32, text Text) {
	o := &e.orders[oi]
	o.leaves = 0
	ev := e.orderEvent(out, cmd, EvCanceled, o)
	ev.Status = StatusCanceled
	ev.Text = text
	e.retire(oi, StatusCanceled)
}

// retire moves a finished order's ClOrdID to the history with its final status
// and frees the order. The order must not be in a book.
func (e *Engine) retire(oi int32, st OrdStatus) {
	o := &e.orders[oi]
	e.toHistory(&o.id, st, o)
	o.next = e.freeOrder
	e.freeOrder = oi
}

// toHistory records (o.owner, id) as finished with status st (what a cancel
// reject naming it reports) and order o's details as they stand.
func (e *Engine) toHistory(id *ID, st OrdStatus, o *order) {
	h := HistoryEntry{Owner: o.owner, Status: st, ClOrdID: *id, OrderID: o.orderID, Symbol: o.sym, Side: o.side,
		Type: o.typ, TIF: o.tif, Price: o.price, OrderQty: o.qty, CumQty: o.cum, Notional: o.notional}
	e.pushHistory(&h)
}

// requestToHistory records (owner, id) as the ClOrdID of an accepted request
// that names no order (see HistoryEntry.Request). The key must be absent.
func (e *Engine) requestToHistory(owner uint32, id *ID) {
	h := HistoryEntry{Owner: owner, Status: StatusRejected, ClOrdID: *id, Request: true}
	e.pushHistory(&h)
}

// pushHistory appends h to the history ring, evicting the oldest entry when it
// is full. If h's key is indexed (a live order's ClOrdID) its entry is repointed
// to the history; otherwise it is inserted. With History 0 the key is forgotten
// at once.
func (e *Engine) pushHistory(h *HistoryEntry) {
	owner, id := h.Owner, &h.ClOrdID
	if len(e.hist) == 0 {
		if p := e.find(owner, id); p >= 0 {
			e.index.remove(p)
		}
		return
	}
	var slot int
	if e.hLen == len(e.hist) {
		// Evict the oldest before touching the table: removal shifts entries.
		slot = e.hHead
		old := &e.hist[slot]
		e.index.remove(e.find(old.Owner, &old.ClOrdID))
		if old.Expired {
			e.hExpired--
		}
		e.hHead++
		if e.hHead == len(e.hist) {
			e.hHead = 0
		}
		e.hLen--
	} else {
		slot = e.hHead + e.hLen
		if slot >= len(e.hist) {
			slot -= len(e.hist)
		}
	}
	p := e.find(owner, id)
	e.hist[slot] = *h
	e.hLen++
	if h.Expired {
		e.hExpired++
	}
	if p >= 0 {
		e.index.slots[p].ref = histRef(int32(slot))
	} else {
		e.insert(owner, id, histRef(int32(slot)))
	}
}

// taken reports whether owner's ClOrdID id is in use, so that a new request
// may not use it as its own: a live order's, or a history entry's other than
// an Expired one.
func (e *Engine) taken(owner uint32, id *ID) bool {
	p := e.find(owner, id)
	if p < 0 {
		return false
	}
	ref := e.index.slots[p].ref
	return ref >= 0 || !e.hist[-ref-1].Expired
}

// reclaim drops the Expired history entry of (owner, id), if there is one, so
// that an accepted request can take the key. The oldest history entry (itself
// Expired, since those are the oldest) moves into the dropped entry's slot, so
// that the ring stays contiguous in O(1); this reorders only entries recorded
// by the same end of day.
func (e *Engine) reclaim(owner uint32, id *ID) {
	if e.hExpired == 0 {
		return
	}
	p := e.find(owner, id)
	if p < 0 {
		return
	}
	ref := e.index.slots[p].ref
	if ref >= 0 || !e.hist[-ref-1].Expired {
		return
	}
	slot := int(-ref - 1)
	e.index.remove(p)
	if slot != e.hHead {
		head := &e.hist[e.hHead]
		e.index.slots[e.find(head.Owner, &head.ClOrdID)].ref = ref
		e.hist[slot] = *head
	}
	e.hist[e.hHead] = HistoryEntry{}
	e.hHead++
	if e.hHead == len(e.hist) {
		e.hHead = 0
	}
	e.hLen--
	e.hExpired--
}

// available sums the opposite side's quantity the order could trade against, up
// to what it needs.
func (e *Engine) available(b *book, o *order) int64 {
	var sum int64
	if o.side == Buy {
		for i := b.ask; i >= 0; i = b.occ.next(i + 1) {
			if o.typ == Limit && b.min+i > o.price {
				break
			}
			if sum += e.levels[b.at[i]-1].qty; sum >= o.leaves {
				break
			}
		}
	} else {
		for i := b.bid; i >= 0; i = b.occ.prev(i - 1) {
			if o.typ == Limit && b.min+i < o.price {
				break
			}
			if sum += e.levels[b.at[i]-1].qty; sum >= o.leaves {
				break
			}
		}
	}
	return sum
}

// match trades the incoming order oi (not in a book) against the opposite side
// while prices cross, best level first, oldest order first, at the resting price.
func (e *Engine) match(cmd *Command, out *Events, b *book, oi int32) {
	o := &e.orders[oi]
	for o.leaves > 0 {
		var off int64
		if o.side == Buy {
			off = b.ask
			if off < 0 || (o.typ == Limit && b.min+off > o.price) {
				return
			}
		} else {
			off = b.bid
			if off < 0 || (o.typ == Limit && b.min+off < o.price) {
				return
			}
		}
		li := b.at[off] - 1
		lv := &e.levels[li]
		px := lv.price
		for o.leaves > 0 && lv.head >= 0 {
			ri := lv.head
			r := &e.orders[ri]
			q := min(o.leaves, r.leaves)
			n := q * px
			o.leaves -= q
			o.cum += q
			o.notional += n
			r.leaves -= q
			r.cum += q
			r.notional += n
			lv.qty -= q
			ev := e.orderEvent(out, cmd, EvFill, o)
			ev.LastQty, ev.LastPx = q, px
			ev = e.orderEvent(out, cmd, EvFill, r)
			ev.LastQty, ev.LastPx = q, px
			if r.leaves == 0 {
				e.unlink(lv, ri)
				e.resting--
				e.retire(ri, StatusFilled)
			}
		}
		if lv.head < 0 {
			e.dropLevel(b, off, li)
		}
	}
}

// rest appends order oi at the back of its price level, creating the level.
func (e *Engine) rest(b *book, oi int32) {
	o := &e.orders[oi]
	off := o.price - b.min
	li := b.at[off] - 1
	if li < 0 {
		li = e.freeLevel
		lv := &e.levels[li]
		e.freeLevel = lv.head
		e.usedLevel++
		*lv = level{head: -1, tail: -1, side: o.side, price: o.price}
		b.at[off] = li + 1
		b.occ.set(off)
		if o.side == Buy {
			if off > b.bid {
				b.bid = off
			}
		} else if b.ask < 0 || off < b.ask {
			b.ask = off
		}
	}
	lv := &e.levels[li]
	o.level = li
	o.next = -1
	o.prev = lv.tail
	if lv.tail >= 0 {
		e.orders[lv.tail].next = oi
	} else {
		lv.head = oi
	}
	lv.tail = oi
	lv.count++
	lv.qty += o.leaves
	e.resting++
}

// unlink takes order oi out of level lv (the level may become empty).
func (e *Engine) unlink(lv *level, oi int32) {
	o := &e.orders[oi]
	if o.prev >= 0 {
		e.orders[o.prev].next = o.next
	} else {
		lv.head = o.next
	}
	if o.next >= 0 {
		e.orders[o.next].prev = o.prev
	} else {
		lv.tail = o.prev
	}
	lv.count--
	o.next, o.prev, o.level = -1, -1, -1
}

// dropLevel frees an empty level and moves the best price past it.
func (e *Engine) dropLevel(b *book, off int64, li int32) {
	b.at[off] = 0
	b.occ.clear(off)
	if off == b.bid {
		b.bid = b.occ.prev(off - 1)
	} else if off == b.ask {
		b.ask = b.occ.next(off + 1)
	}
	e.levels[li].head = e.freeLevel
	e.freeLevel = li
	e.usedLevel--
}

// remove takes a resting order out of its book.
func (e *Engine) remove(oi int32) {
	o := &e.orders[oi]
	b := &e.books[o.sym]
	li := o.level
	lv := &e.levels[li]
	lv.qty -= o.leaves
	e.unlink(lv, oi)
	e.resting--
	if lv.head < 0 {
		e.dropLevel(b, o.price-b.min, li)
	}
}

// origRef is what a cancel's or replace's OrigClOrdID names.
type origRef struct {
	oi     int32     // the owner's live order, or -1
	status OrdStatus // its OrdStatus for a reject: the live order's, the history's, or 8
	reason Reason    // the CxlRejReason when oi < 0
	text   Text
}

// lookupOrig resolves a cancel's or replace's OrigClOrdID.
func (e *Engine) lookupOrig(cmd *Command) origRef {
	p := e.find(cmd.Owner, &cmd.OrigClOrdID)
	if p < 0 {
		return origRef{oi: -1, status: StatusRejected, reason: ReasonUnknownOrder, text: TextUnknownOrder}
	}
	if ref := e.index.slots[p].ref; ref >= 0 {
		return origRef{oi: ref, status: e.orders[ref].status()}
	}
	h := &e.hist[-e.index.slots[p].ref-1]
	if h.Request {
		// A mass cancel's ClOrdID names no order.
		return origRef{oi: -1, status: StatusRejected, reason: ReasonUnknownOrder, text: TextUnknownOrder}
	}
	return origRef{oi: -1, status: h.Status, reason: ReasonTooLate, text: TextTooLate}
}

// mismatch is the reject text for a cancel or replace whose Side or Symbol is
// not the order's, or TextNone.
func mismatch(cmd *Command, o *order) Text { return differs(cmd, o.side, o.sym) }

func (e *Engine) cancelReject(cmd *Command, out *Events, r *origRef, to uint8, reason Reason, text Text) {
	ev := e.event(out, cmd, EvCancelRejected)
	ev.ResponseTo = to
	ev.Reason = reason
	ev.Text = text
	ev.Owner = cmd.Owner
	ev.ClOrdID = cmd.ClOrdID
	ev.OrigClOrdID = cmd.OrigClOrdID
	ev.Status = r.status
	if r.oi >= 0 {
		o := &e.orders[r.oi]
		ev.OrderID = o.orderID
		ev.Symbol = o.sym
		ev.Side = o.side
	} else {
		ev.Symbol = cmd.Symbol
		ev.Side = cmd.Side
	}
}

func (e *Engine) cancel(cmd *Command, out *Events) {
	r := e.lookupOrig(cmd)
	if e.taken(cmd.Owner, &cmd.ClOrdID) {
		e.cancelReject(cmd, out, &r, 1, ReasonDuplicate, TextDuplicateClOrdID)
		return
	}
	if r.oi < 0 {
		e.cancelReject(cmd, out, &r, 1, r.reason, r.text)
		return
	}
	oi := r.oi
	if t := mismatch(cmd, &e.orders[oi]); t != TextNone {
		e.cancelReject(cmd, out, &r, 1, ReasonOther, t)
		return
	}
	e.reclaim(cmd.Owner, &cmd.ClOrdID)
	e.remove(oi)
	o := &e.orders[oi]
	o.leaves = 0
	ev := e.orderEvent(out, cmd, EvCanceled, o)
	ev.Status = StatusCanceled
	ev.Text = TextCanceledOnRequest
	ev.ClOrdID = cmd.ClOrdID
	ev.OrigClOrdID = o.id
	e.retire(oi, StatusCanceled)
	// The request's ClOrdID now names the canceled order (FIX chains ClOrdIDs):
	// its entry has the order's details too.
	e.toHistory(&cmd.ClOrdID, StatusCanceled, o)
}

func (e *Engine) replace(cmd *Command, out *Events) {
	r := e.lookupOrig(cmd)
	if e.taken(cmd.Owner, &cmd.ClOrdID) {
		e.cancelReject(cmd, out, &r, 2, ReasonDuplicate, TextDuplicateClOrdID)
		return
	}
	if r.oi < 0 {
		e.cancelReject(cmd, out, &r, 2, r.reason, r.text)
		return
	}
	oi := r.oi
	o := &e.orders[oi]
	text := mismatch(cmd, o)
	switch {
	case text != TextNone:
	case cmd.TIF != o.tif:
		text = TextTIFChange
	case cmd.Type != Limit:
		text = TextTypeChange
	default:
		text = e.checkQtyPrice(cmd)
	}
	b := &e.books[o.sym]
	if text == TextNone && cmd.Price != o.price && b.at[cmd.Price-b.min] == 0 && e.usedLevel == len(e.levels) {
		text = TextBookFull
	}
	if text != TextNone {
		e.cancelReject(cmd, out, &r, 2, ReasonOther, text)
		return
	}
	e.reclaim(cmd.Owner, &cmd.ClOrdID)

	old := o.id
	keep := cmd.Price == o.price && cmd.Qty < o.qty && cmd.Qty > o.cum
	if keep {
		lv := &e.levels[o.level]
		newLeaves := cmd.Qty - o.cum
		lv.qty -= o.leaves - newLeaves
		o.leaves = newLeaves
	} else {
		e.remove(oi)
		o.leaves = max(cmd.Qty-o.cum, 0)
	}
	o.qty = cmd.Qty
	o.price = cmd.Price
	// The old ClOrdID finishes now, with the order's status as the replace left
	// it; the order lives on under the new one.
	e.toHistory(&old, o.status(), o)
	o.id = cmd.ClOrdID
	e.insert(o.owner, &o.id, oi)
	ev := e.orderEvent(out, cmd, EvReplaced, o)
	ev.OrigClOrdID = old
	if keep {
		return
	}
	if o.leaves == 0 {
		e.retire(oi, StatusFilled)
		return
	}
	e.match(cmd, out, b, oi)
	if o.leaves == 0 {
		e.retire(oi, StatusFilled)
		return
	}
	e.rest(b, oi)
}

// endOfDay expires every resting DAY order (see "End of day" in the package
// doc). Clearing the history first and then recording each expired order as it
// goes is the same as expiring, clearing and recording, since clearing emits
// nothing; it lets the orders go to the history like any finished order.
func (e *Engine) endOfDay(cmd *Command, out *Events) {
	// A new trading day: finished ClOrdIDs may be used again.
	for e.hLen > 0 {
		h := &e.hist[e.hHead]
		e.index.remove(e.find(h.Owner, &h.ClOrdID))
		e.hHead++
		if e.hHead == len(e.hist) {
			e.hHead = 0
		}
		e.hLen--
	}
	e.hHead = 0
	e.hExpired = 0
	for s := range e.books {
		b := &e.books[s]
		for off := b.bid; off >= 0; {
			nextOff := b.occ.prev(off - 1)
			e.expireLevel(cmd, out, b.at[off]-1)
			off = nextOff
		}
		for off := b.ask; off >= 0; {
			nextOff := b.occ.next(off + 1)
			e.expireLevel(cmd, out, b.at[off]-1)
			off = nextOff
		}
	}
	e.dayOpened = 0
}

func (e *Engine) expireLevel(cmd *Command, out *Events, li int32) {
	for oi := e.levels[li].head; oi >= 0; {
		o := &e.orders[oi]
		next := o.next
		if o.tif == Day {
			e.remove(oi)
			o.leaves = 0
			ev := e.orderEvent(out, cmd, EvExpired, o)
			ev.Status = StatusExpired
			ev.Text = TextEndOfDay
			h := HistoryEntry{Owner: o.owner, Expired: true, Status: StatusExpired, ClOrdID: o.id, OrderID: o.orderID,
				Symbol: o.sym, Side: o.side, Type: o.typ, TIF: o.tif, Price: o.price, OrderQty: o.qty, CumQty: o.cum,
				Notional: o.notional}
			e.pushHistory(&h)
			o.next = e.freeOrder
			e.freeOrder = oi
		}
		oi = next
	}
}
