package engine

import (
	"errors"
	"strconv"
)

// CheckInvariants verifies that the engine's structures agree with each other:
// every occupied price has a level and a bit, bids lie below asks and the best
// prices are right, level links, counts and quantities add up, every resting order
// is consistent, the ClOrdID index holds exactly the live orders and the history
// (each with a status it can hold and details that fit it, the expired entries
// first), and the free lists account for everything else. It is for tests: it walks all
// the state and allocates.
func (e *Engine) CheckInvariants() error {
	fail := func(msg string) error { return errors.New("engine: invariant: " + msg) }
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	resting, levels := 0, 0
	for s := range e.books {
		b := &e.books[s]
		sym := "symbol " + itoa(int64(s)) + ": "
		maxBid, minAsk := int64(-1), int64(-1)
		for off := range b.at {
			o64 := int64(off)
			li := b.at[off] - 1
			if (li >= 0) != b.occ.has(o64) {
				return fail(sym + "bitmap and level index disagree at offset " + itoa(o64))
			}
			if li < 0 {
				continue
			}
			levels++
			lv := &e.levels[li]
			where := sym + "level at price " + itoa(lv.price) + ": "
			if lv.price != b.min+o64 {
				return fail(where + "price does not match its offset")
			}
			if lv.side == Buy {
				maxBid = o64
				if minAsk >= 0 {
					return fail(where + "bid above an ask")
				}
			} else {
				if minAsk < 0 {
					minAsk = o64
				}
			}
			var qty int64
			var n int32
			prev := int32(-1)
			for oi := lv.head; oi >= 0; oi = e.orders[oi].next {
				o := &e.orders[oi]
				if n > lv.count {
					return fail(where + "list longer than count (cycle?)")
				}
				if o.prev != prev || o.level != li || o.side != lv.side || o.price != lv.price || o.sym != uint32(s) {
					return fail(where + "order " + itoa(int64(o.orderID)) + " has wrong links or fields")
				}
				if o.leaves <= 0 || o.cum < 0 || o.leaves+o.cum != o.qty || o.typ != Limit || (o.tif != Day && o.tif != GTC) {
					return fail(where + "order " + itoa(int64(o.orderID)) + " has inconsistent quantities or type")
				}
				p := e.find(o.owner, &o.id)
				if p < 0 || e.index.slots[p].ref != oi {
					return fail(where + "order " + itoa(int64(o.orderID)) + " is not indexed by its ClOrdID")
				}
				qty += o.leaves
				n++
				prev = oi
			}
			if prev != lv.tail || n != lv.count || n == 0 || qty != lv.qty {
				return fail(where + "tail, count or quantity does not add up")
			}
			resting += int(n)
		}
		if maxBid != b.bid || minAsk != b.ask {
			return fail(sym + "best bid/ask offsets are stale")
		}
	}
	if resting != e.resting {
		return fail("resting count " + itoa(int64(e.resting)) + ", books hold " + itoa(int64(resting)))
	}
	if levels != e.usedLevel {
		return fail("used level count is off")
	}
	freeO := 0
	for oi := e.freeOrder; oi >= 0; oi = e.orders[oi].next {
		if freeO++; freeO > len(e.orders) {
			return fail("order free list has a cycle")
		}
	}
	if freeO+resting != len(e.orders) {
		return fail("order free list has " + itoa(int64(freeO)) + " entries, want " + itoa(int64(len(e.orders)-resting)))
	}
	freeL := 0
	for li := e.freeLevel; li >= 0; li = e.levels[li].head {
		if freeL++; freeL > len(e.levels) {
			return fail("level free list has a cycle")
		}
	}
	if freeL+levels != len(e.levels) {
		return fail("level free list does not account for every level")
	}
	bad := ""
	nExpired, other := 0, false
	e.eachHistory(func(h *HistoryEntry) {
		if h.Expired {
			nExpired++
			if other && bad == "" {
				bad = "expired history entry " + h.ClOrdID.String() + " after an entry of another kind"
			}
		} else {
			other = true
		}
		p := e.find(h.Owner, &h.ClOrdID)
		switch {
		case p < 0 || e.index.slots[p].ref >= 0:
			bad = "history entry " + h.ClOrdID.String() + " is not indexed"
		case !historyStatus(h.Status):
			bad = "history entry " + h.ClOrdID.String() + " has status " + itoa(int64(h.Status))
		default:
			if msg := e.historyProblem(h); msg != "" {
				bad = "history entry " + h.ClOrdID.String() + ": " + msg
			}
		}
	})
	if bad != "" {
		return fail(bad)
	}
	if nExpired != e.hExpired {
		return fail("history holds " + itoa(int64(nExpired)) + " expired entries, counted " + itoa(int64(e.hExpired)))
	}
	if e.index.count != resting+e.hLen {
		return fail("index holds " + itoa(int64(e.index.count)) + " keys, want " + itoa(int64(resting+e.hLen)))
	}
	return nil
}
