package engine

import "encoding/binary"

// OrderView is a resting order as seen from outside the engine.
type OrderView struct {
	OrderID  uint64
	Owner    uint32
	Symbol   uint32
	Side     Side
	TIF      TIF
	Price    int64
	OrderQty int64
	Leaves   int64
	Cum      int64
	Notional int64
	ClOrdID  ID
}

// HistoryEntry is a finished ClOrdID that is still remembered for duplicate
// detection, for the OrdStatus of a cancel or replace that names it, and for
// the answer to an OrderStatusRequest that names it.
type HistoryEntry struct {
	Owner uint32
	// Request marks the ClOrdID of an accepted request that names no order
	// (an OrderMassCancelRequest's). It is remembered only so that the owner
	// cannot use it again; a cancel, replace or status request naming it is
	// answered as for an unknown ClOrdID. Such an entry has Status
	// StatusRejected (what a cancel reject naming it reports) and no details.
	Request bool
	// Expired marks an order that expired at the last end of day (Status
	// StatusExpired, with the order's details, LeavesQty 0). The end of day
	// clears the history so that ClOrdIDs may be used again, then records one
	// such entry per order it expired, in canonical book order. A cancel or
	// replace naming it is rejected as too late with OrdStatus C, a status
	// request reports it; but it does not make its ClOrdID a duplicate: the
	// first accepted request that uses the ClOrdID as its own drops the entry
	// and takes the key (see "End of day" in the package doc). Expired entries
	// are always the oldest in the history.
	Expired bool
	// Status is the OrdStatus a cancel reject naming ClOrdID reports: the order's
	// final status (StatusFilled, StatusCanceled) when the ClOrdID finished with
	// the order, or the order's status right after the replace that moved it to
	// a new ClOrdID (StatusNew, StatusPartiallyFilled, StatusFilled);
	// StatusExpired exactly for an Expired entry.
	// StatusRejected means not known: the entry was restored from a snapshot
	// older than version 3 (or, with Request, that it names no order).
	Status  OrdStatus
	ClOrdID ID

	// The order's details at the moment ClOrdID finished (for a ClOrdID
	// replaced away: the order as that replace left it, with the new OrderQty
	// and Price). OrderQty 0 means there are none: the entry is a Request or
	// was restored from a snapshot older than version 4, and every other
	// detail is zero too (an order's OrderQty is never 0).
	OrderID  uint64
	Symbol   uint32
	Side     Side
	Type     OrdType
	TIF      TIF
	Price    int64 // 0 for MARKET
	OrderQty int64
	CumQty   int64
	Notional int64
}

// Known reports whether the entry holds the order's details (see OrderQty).
// A Request entry never does.
func (h *HistoryEntry) Known() bool { return h.OrderQty != 0 }

// State is the engine's whole logical state in canonical order: Orders by symbol
// (ascending index), then bids best first (price descending), then asks best first
// (price ascending), each level in time priority; History oldest first. Two engines
// in the same State behave identically on every future command.
type State struct {
	// LastSeq is the Seq of the last command applied (0 before any).
	LastSeq uint64
	// NextExecID is the ExecID the next event will get.
	NextExecID uint64
	Orders     []OrderView
	History    []HistoryEntry
}

// Hash returns the canonical 64-bit state hash (FNV-1a over a fixed little-endian
// encoding). Engines publish it in checkpoints; replay recomputes it.
func (s *State) Hash() uint64 {
	var h stateHasher
	h.begin(s.LastSeq, s.NextExecID)
	for i := range s.Orders {
		h.order(&s.Orders[i])
	}
	h.endOrders()
	for i := range s.History {
		h.history(&s.History[i])
	}
	return h.sum()
}

// stateHasher defines the canonical encoding once, for State.Hash and for the
// engine's streaming StateHash.
type stateHasher struct {
	h   uint64
	buf [128]byte
}

// FNV-1a 64 parameters (as in hash/fnv), inlined so hashing never allocates.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (s *stateHasher) write(b []byte) {
	h := s.h
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	s.h = h
}

func (s *stateHasher) begin(lastSeq, nextExecID uint64) {
	s.h = fnvOffset
	b := s.buf[:0]
	b = binary.LittleEndian.AppendUint64(b, lastSeq)
	b = binary.LittleEndian.AppendUint64(b, nextExecID)
	s.write(b)
}

func (s *stateHasher) order(o *OrderView) {
	b := s.buf[:0]
	b = append(b, 'O')
	b = binary.LittleEndian.AppendUint64(b, o.OrderID)
	b = binary.LittleEndian.AppendUint32(b, o.Owner)
	b = binary.LittleEndian.AppendUint32(b, o.Symbol)
	b = append(b, byte(o.Side), byte(o.TIF))
	b = binary.LittleEndian.AppendUint64(b, uint64(o.Price))
	b = binary.LittleEndian.AppendUint64(b, uint64(o.OrderQty))
	b = binary.LittleEndian.AppendUint64(b, uint64(o.Leaves))
	b = binary.LittleEndian.AppendUint64(b, uint64(o.Cum))
	b = binary.LittleEndian.AppendUint64(b, uint64(o.Notional))
	b = append(b, o.ClOrdID.N)
	b = append(b, o.ClOrdID.B[:o.ClOrdID.N]...)
	s.write(b)
}

func (s *stateHasher) endOrders() { s.write([]byte{'E'}) }

func (s *stateHasher) history(e *HistoryEntry) {
	b := s.buf[:0]
	tag := byte('H')
	if e.Request {
		// A distinct tag rather than a new field, so that the hash of every
		// state without request entries is what it was before they existed.
		tag = 'R'
	} else if e.Expired {
		tag = 'X'
	}
	b = append(b, tag)
	b = binary.LittleEndian.AppendUint32(b, e.Owner)
	b = append(b, byte(e.Status), e.ClOrdID.N)
	b = append(b, e.ClOrdID.B[:e.ClOrdID.N]...)
	b = binary.LittleEndian.AppendUint64(b, e.OrderID)
	b = binary.LittleEndian.AppendUint32(b, e.Symbol)
	b = append(b, byte(e.Side), byte(e.Type), byte(e.TIF))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Price))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.OrderQty))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.CumQty))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Notional))
	s.write(b)
}

func (s *stateHasher) sum() uint64 { return s.h }

// State fills s with the engine's canonical state, reusing s's slices.
func (e *Engine) State(s *State) {
	s.LastSeq = e.lastSeq
	s.NextExecID = e.nextExecID
	s.Orders = s.Orders[:0]
	e.eachOrder(func(o *order) {
		s.Orders = append(s.Orders, o.view())
	})
	s.History = s.History[:0]
	e.eachHistory(func(h *HistoryEntry) { s.History = append(s.History, *h) })
}

// StateHash returns State.Hash of the current state without building the State.
func (e *Engine) StateHash() uint64 {
	var h stateHasher
	h.begin(e.lastSeq, e.nextExecID)
	var v OrderView
	e.eachOrder(func(o *order) {
		v = o.view()
		h.order(&v)
	})
	h.endOrders()
	e.eachHistory(func(x *HistoryEntry) { h.history(x) })
	return h.sum()
}

func (o *order) view() OrderView {
	return OrderView{OrderID: o.orderID, Owner: o.owner, Symbol: o.sym, Side: o.side, TIF: o.tif,
		Price: o.price, OrderQty: o.qty, Leaves: o.leaves, Cum: o.cum, Notional: o.notional, ClOrdID: o.id}
}

// eachOrder visits resting orders in canonical order: symbols ascending, bids best
// first, asks best first, each level oldest first.
func (e *Engine) eachOrder(fn func(o *order)) {
	for s := range e.books {
		b := &e.books[s]
		for off := b.bid; off >= 0; off = b.occ.prev(off - 1) {
			for oi := e.levels[b.at[off]-1].head; oi >= 0; oi = e.orders[oi].next {
				fn(&e.orders[oi])
			}
		}
		for off := b.ask; off >= 0; off = b.occ.next(off + 1) {
			for oi := e.levels[b.at[off]-1].head; oi >= 0; oi = e.orders[oi].next {
				fn(&e.orders[oi])
			}
		}
	}
}

func (e *Engine) eachHistory(fn func(h *HistoryEntry)) {
	for i := 0; i < e.hLen; i++ {
		j := e.hHead + i
		if j >= len(e.hist) {
			j -= len(e.hist)
		}
		fn(&e.hist[j])
	}
}

// Book returns one symbol's resting orders in canonical order (allocates; for
// tools and tests).
func (e *Engine) Book(symbol uint32) []OrderView {
	var s State
	e.State(&s)
	var r []OrderView
	for _, o := range s.Orders {
		if o.Symbol == symbol {
			r = append(r, o)
		}
	}
	return r
}

// BestBid returns the best bid price of a symbol in ticks, and false when there
// is no bid.
func (e *Engine) BestBid(symbol uint32) (int64, bool) {
	b := &e.books[symbol]
	return b.min + b.bid, b.bid >= 0
}

// BestAsk returns the best ask price of a symbol in ticks, and false when there
// is no ask.
func (e *Engine) BestAsk(symbol uint32) (int64, bool) {
	b := &e.books[symbol]
	return b.min + b.ask, b.ask >= 0
}

// Resting is the number of orders in the books.
func (e *Engine) Resting() int { return e.resting }
