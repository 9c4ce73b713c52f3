package engine

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Snapshot encoding (little-endian), version 5:
//
//	"MESN" | version u16 | lastSeq u64 | nextExecID u64 | dayOpened i64 | nSymbols u32
//	nOrders u32 | nOrders × order | nHistory u32 | nHistory × history
//	order   = orderID u64 | owner u32 | symbol u32 | side u8 | tif u8 |
//	          price i64 | orderQty i64 | leaves i64 | cum i64 | notional i64 | ID
//	history = owner u32 | status u8 | ID | orderID u64 | symbol u32 | side u8 |
//	          type u8 | tif u8 | price i64 | orderQty i64 | cum i64 | notional i64 |
//	          kind u8
//	ID      = len u8 | 39 bytes, zero past len
//
// Orders are in canonical order (see State), so restoring them in sequence rebuilds
// each level's time priority. The snapshot file adds its own checksum (journal).
// kind is 0 for an order's ClOrdID, 1 for a Request entry (a mass cancel's
// ClOrdID: status 8 and every detail zero), 2 for an Expired entry (an order
// that expired at the last end of day: status C, a resting DAY LIMIT order's
// details; these come before every other entry); nothing else is valid.
// Kind 2 was added without a new version: a snapshot without Expired entries
// is byte for byte what an engine without them wrote, so older version 5
// readers still read it, and one with them is refused by those readers with
// their "bad kind 2" error rather than misread.
// Restore also reads the older versions:
//   - Version 4 is version 5 without kind: every entry is an order's ClOrdID
//     (engines of that version did not remember a mass cancel's ClOrdID).
//   - Version 3 is version 4 without the order's details in the history
//     entries (everything after the ID); Restore gives those entries no details
//     (HistoryEntry.Known is false, every detail zero). An OrderStatusRequest
//     naming one then reports the entry's status with OrderID 0 and zero
//     quantities, and cannot check its Side or Symbol (see the package doc).
//   - Version 2 is version 3 without the history status; Restore gives those
//     entries StatusRejected (not known), which a cancel reject naming one reports,
//     as every engine before version 3 did.
//   - Version 1 is version 2 without dayOpened; Restore reads it as dayOpened 0
//     (the day opens again at the first command replayed after the snapshot).

const (
	snapMagic       = "MESN"
	snapVersion     = 5
	snapOrderSize   = 8 + 4 + 4 + 1 + 1 + 8*5 + 1 + MaxIDLen
	snapHistSizeV3  = 4 + 1 + 1 + MaxIDLen // version 3: no details
	snapHistSizeV4  = snapHistSizeV3 + 8 + 4 + 1 + 1 + 1 + 8*4
	snapHistSize    = snapHistSizeV4 + 1 // kind
	snapHistSizeV12 = 4 + 1 + MaxIDLen   // versions 1 and 2: no status
)

// AppendSnapshot appends the engine's state to dst in the snapshot encoding.
func (e *Engine) AppendSnapshot(dst []byte) []byte {
	le := binary.LittleEndian
	dst = append(dst, snapMagic...)
	dst = le.AppendUint16(dst, snapVersion)
	dst = le.AppendUint64(dst, e.lastSeq)
	dst = le.AppendUint64(dst, e.nextExecID)
	dst = le.AppendUint64(dst, uint64(e.dayOpened))
	dst = le.AppendUint32(dst, uint32(len(e.books)))
	dst = le.AppendUint32(dst, uint32(e.resting))
	e.eachOrder(func(o *order) {
		dst = le.AppendUint64(dst, o.orderID)
		dst = le.AppendUint32(dst, o.owner)
		dst = le.AppendUint32(dst, o.sym)
		dst = append(dst, byte(o.side), byte(o.tif))
		for _, v := range [...]int64{o.price, o.qty, o.leaves, o.cum, o.notional} {
			dst = le.AppendUint64(dst, uint64(v))
		}
		dst = appendID(dst, &o.id)
	})
	dst = le.AppendUint32(dst, uint32(e.hLen))
	e.eachHistory(func(h *HistoryEntry) {
		dst = le.AppendUint32(dst, h.Owner)
		dst = append(dst, byte(h.Status))
		dst = appendID(dst, &h.ClOrdID)
		dst = le.AppendUint64(dst, h.OrderID)
		dst = le.AppendUint32(dst, h.Symbol)
		dst = append(dst, byte(h.Side), byte(h.Type), byte(h.TIF))
		for _, v := range [...]int64{h.Price, h.OrderQty, h.CumQty, h.Notional} {
			dst = le.AppendUint64(dst, uint64(v))
		}
		kind := byte(0)
		if h.Request {
			kind = 1
		} else if h.Expired {
			kind = 2
		}
		dst = append(dst, kind)
	})
	return dst
}

// Restore builds an engine with configuration cfg from a snapshot written by
// AppendSnapshot. It checks everything it reads (lengths, symbols, prices against
// the band, quantities, capacity, book order, duplicate ClOrdIDs) and returns an
// error saying which record is wrong rather than building an inconsistent engine.
func Restore(cfg Config, data []byte) (*Engine, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	fail := func(msg string) (*Engine, error) { return nil, errors.New("engine: snapshot: " + msg) }
	le := binary.LittleEndian
	if len(data) < 6 || string(data[:4]) != snapMagic {
		return fail("not a snapshot (bad magic or too short)")
	}
	v := le.Uint16(data[4:])
	header := 4 + 2 + 8 + 8 + 4 // version 1
	histSize := snapHistSizeV12
	switch v {
	case 1:
	case 2:
		header += 8 // dayOpened
	case 3:
		header += 8
		histSize = snapHistSizeV3
	case 4:
		header += 8
		histSize = snapHistSizeV4
	case snapVersion:
		header += 8
		histSize = snapHistSize
	default:
		return fail("unsupported version " + strconv.Itoa(int(v)))
	}
	if len(data) < header+4 {
		return fail("too short for its header")
	}
	e.lastSeq = le.Uint64(data[6:])
	e.nextExecID = le.Uint64(data[14:])
	if v >= 2 {
		if e.dayOpened = int64(le.Uint64(data[22:])); e.dayOpened < 0 {
			return fail("negative day-opened time")
		}
	}
	if n := le.Uint32(data[header-4:]); n != uint32(len(e.books)) {
		return fail("written for " + strconv.Itoa(int(n)) + " symbols, configured " + strconv.Itoa(len(e.books)))
	}
	p := header
	nOrders := int(le.Uint32(data[p:]))
	p += 4
	if nOrders > cfg.MaxOrders {
		return fail(strconv.Itoa(nOrders) + " orders exceed MaxOrders")
	}
	if len(data)-p < nOrders*snapOrderSize+4 {
		return fail("truncated order section")
	}
	var prev OrderView
	for i := 0; i < nOrders; i++ {
		var v OrderView
		v.OrderID = le.Uint64(data[p:])
		v.Owner = le.Uint32(data[p+8:])
		v.Symbol = le.Uint32(data[p+12:])
		v.Side = Side(data[p+16])
		v.TIF = TIF(data[p+17])
		q := p + 18
		for _, f := range [...]*int64{&v.Price, &v.OrderQty, &v.Leaves, &v.Cum, &v.Notional} {
			*f = int64(le.Uint64(data[q:]))
			q += 8
		}
		var ok bool
		if _, ok = decodeID(data, q, &v.ClOrdID); !ok {
			return fail("order " + strconv.Itoa(i) + ": bad ClOrdID")
		}
		p += snapOrderSize
		if msg := e.restoreOrder(&v, i > 0, &prev); msg != "" {
			return fail("order " + strconv.Itoa(i) + " (OrderID " + strconv.FormatUint(v.OrderID, 10) + "): " + msg)
		}
		prev = v
	}
	nHist := int(le.Uint32(data[p:]))
	p += 4
	if nHist > cfg.History {
		return fail(strconv.Itoa(nHist) + " history entries exceed History")
	}
	if len(data)-p != nHist*histSize {
		return fail("history section has the wrong length")
	}
	for i := 0; i < nHist; i++ {
		h := HistoryEntry{Owner: le.Uint32(data[p:]), Status: StatusRejected}
		q := p + 4
		if histSize != snapHistSizeV12 {
			if h.Status = OrdStatus(data[q]); !historyStatus(h.Status) {
				return fail("history " + strconv.Itoa(i) + ": bad status " + strconv.Itoa(int(h.Status)))
			}
			q++
		}
		var ok bool
		if q, ok = decodeID(data, q, &h.ClOrdID); !ok {
			return fail("history " + strconv.Itoa(i) + ": bad ClOrdID")
		}
		if histSize >= snapHistSizeV4 {
			h.OrderID = le.Uint64(data[q:])
			h.Symbol = le.Uint32(data[q+8:])
			h.Side, h.Type, h.TIF = Side(data[q+12]), OrdType(data[q+13]), TIF(data[q+14])
			q += 15
			for _, f := range [...]*int64{&h.Price, &h.OrderQty, &h.CumQty, &h.Notional} {
				*f = int64(le.Uint64(data[q:]))
				q += 8
			}
		}
		if histSize == snapHistSize {
			switch data[q] {
			case 0:
			case 1:
				h.Request = true
			case 2:
				h.Expired = true
			default:
				return fail("history " + strconv.Itoa(i) + ": bad kind " + strconv.Itoa(int(data[q])))
			}
		}
		p += histSize
		if msg := e.historyProblem(&h); msg != "" {
			return fail("history " + strconv.Itoa(i) + ": " + msg)
		}
		if h.Expired && e.hExpired != e.hLen {
			return fail("history " + strconv.Itoa(i) + ": expired entry after an entry of another kind")
		}
		if e.find(h.Owner, &h.ClOrdID) >= 0 {
			return fail("history " + strconv.Itoa(i) + ": duplicate ClOrdID")
		}
		e.pushHistory(&h)
	}
	return e, nil
}

// historyStatus reports whether st is a status a history entry can hold (see
// HistoryEntry.Status).
func historyStatus(st OrdStatus) bool {
	switch st {
	case StatusNew, StatusPartiallyFilled, StatusFilled, StatusCanceled, StatusRejected, StatusExpired:
		return true
	}
	return false
}

// historyProblem checks a history entry's details against the configuration
// and its status, for Restore and CheckInvariants. It returns a problem
// description or "".
func (e *Engine) historyProblem(h *HistoryEntry) string {
	if h.Request && (h.Status != StatusRejected || h.Known() || h.Expired) {
		return "request entry with a status or details"
	}
	if h.Expired != (h.Status == StatusExpired) {
		return "status C without the expired kind, or the reverse"
	}
	if h.Expired && (!h.Known() || h.Type != Limit || h.TIF != Day) {
		return "expired entry that is not a DAY LIMIT order with details"
	}
	if !h.Known() {
		if h.OrderID != 0 || h.Symbol != 0 || h.Side != 0 || h.Type != 0 || h.TIF != 0 || h.Price != 0 || h.CumQty != 0 || h.Notional != 0 {
			return "details without an OrderQty"
		}
		return ""
	}
	if h.Symbol >= uint32(len(e.books)) {
		return "unknown symbol"
	}
	b := &e.books[h.Symbol]
	switch {
	case h.Side != Buy && h.Side != Sell:
		return "bad side"
	case h.TIF != Day && h.TIF != GTC && h.TIF != IOC && h.TIF != FOK:
		return "bad time in force"
	case h.Type == Market && h.Price != 0, h.Type == Limit && (h.Price < b.min || h.Price > b.max), h.Type != Market && h.Type != Limit:
		return "bad type or price"
	case h.OrderQty < 0 || h.OrderQty > e.cfg.MaxQty || h.CumQty < 0 || h.CumQty > e.cfg.MaxQty:
		return "quantity out of range"
	case h.Notional < 0 || h.Notional > h.CumQty*b.max:
		return "impossible notional"
	case h.OrderID > e.lastSeq:
		return "OrderID after the snapshot's last sequence"
	}
	var ok bool
	switch h.Status {
	case StatusNew:
		ok = h.CumQty == 0
	case StatusPartiallyFilled:
		ok = h.CumQty > 0 && h.CumQty < h.OrderQty
	case StatusFilled:
		ok = h.CumQty > 0 && h.CumQty >= h.OrderQty
	case StatusCanceled, StatusExpired:
		ok = h.CumQty < h.OrderQty
	}
	if !ok {
		return "status " + strconv.Itoa(int(h.Status)) + " does not fit its quantities"
	}
	return ""
}

// restoreOrder validates one snapshot order against the configuration and the
// order before it, and rests it. It returns a problem description or "".
func (e *Engine) restoreOrder(v *OrderView, hasPrev bool, prev *OrderView) string {
	if v.Symbol >= uint32(len(e.books)) {
		return "unknown symbol"
	}
	b := &e.books[v.Symbol]
	switch {
	case v.Side != Buy && v.Side != Sell:
		return "bad side"
	case v.TIF != Day && v.TIF != GTC:
		return "bad time in force"
	case v.Price < b.min || v.Price > b.max:
		return "price outside the band"
	case v.Leaves <= 0 || v.Cum < 0 || v.Leaves+v.Cum != v.OrderQty || v.OrderQty > e.cfg.MaxQty:
		return "inconsistent quantities"
	case v.Notional < 0 || v.Notional > v.Cum*b.max:
		return "impossible notional"
	case v.OrderID > e.lastSeq:
		return "OrderID after the snapshot's last sequence"
	}
	if hasPrev && prev.Symbol == v.Symbol {
		// Canonical order: bids (price descending) before asks (price ascending).
		switch {
		case prev.Side == Sell && v.Side == Buy:
			return "bid after an ask"
		case prev.Side == v.Side && v.Side == Buy && v.Price > prev.Price:
			return "bids out of price order"
		case prev.Side == v.Side && v.Side == Sell && v.Price < prev.Price:
			return "asks out of price order"
		}
	} else if hasPrev && prev.Symbol > v.Symbol {
		return "symbols out of order"
	}
	// Against the best bid, not the previous order (the lowest bid).
	if v.Side == Sell && b.bid >= 0 && v.Price <= b.min+b.bid {
		return "crossed book"
	}
	if e.find(v.Owner, &v.ClOrdID) >= 0 {
		return "duplicate ClOrdID"
	}
	if b.at[v.Price-b.min] == 0 && e.usedLevel == len(e.levels) {
		return "more price levels than MaxLevels"
	}
	oi := e.freeOrder
	o := &e.orders[oi]
	e.freeOrder = o.next
	*o = order{next: -1, prev: -1, level: -1, owner: v.Owner, sym: v.Symbol, side: v.Side, tif: v.TIF, typ: Limit,
		price: v.Price, qty: v.OrderQty, leaves: v.Leaves, cum: v.Cum, notional: v.Notional, orderID: v.OrderID, id: v.ClOrdID}
	e.insert(o.owner, &o.id, oi)
	e.rest(b, oi)
	return ""
}
