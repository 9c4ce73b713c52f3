package marketdata

import "github.com/openmatch/matchd/engine"

// view is the top-N view of one symbol shared by every subscription with that
// depth: the levels its subscribers' books hold, and the X of the current
// command (nil when the top N did not change and there was no trade).
type view struct {
	depth      int
	refs       int
	bids, asks []Level
	x          *Refresh
}

// reset takes the view from the book (a W is being sent).
func (v *view) reset(b *Book, sym uint32) {
	v.bids = b.Levels(sym, engine.Buy, v.depth, v.bids[:0])
	v.asks = b.Levels(sym, engine.Sell, v.depth, v.asks[:0])
	v.x = nil
}

// update diffs the view against the book after the command whose full-depth X
// is full, and sets v.x (a new Refresh) to the trades of full followed by the
// view's level changes.
func (v *view) update(b *Book, full *Refresh) {
	sym := full.Symbol
	bids := b.Levels(sym, engine.Buy, v.depth, nil)
	asks := b.Levels(sym, engine.Sell, v.depth, nil)
	var es []Entry
	for _, e := range full.Entries {
		if e.Type == Trade {
			es = append(es, e)
		}
	}
	es = diff(es, Bid, v.bids, bids, func(x, y int64) bool { return x > y })
	es = diff(es, Offer, v.asks, asks, func(x, y int64) bool { return x < y })
	v.bids, v.asks = bids, asks
	v.x = nil
	if len(es) > 0 {
		v.x = &Refresh{Symbol: sym, Seq: full.Seq, Time: full.Time, Entries: es}
	}
}

// diff appends the entries that turn old into now (both best first, better
// ordering prices best first), best first.
func diff(dst []Entry, t EntryType, old, now []Level, better func(x, y int64) bool) []Entry {
	i, j := 0, 0
	for i < len(old) || j < len(now) {
		switch {
		case j == len(now) || (i < len(old) && better(old[i].Price, now[j].Price)):
			dst = append(dst, Entry{Action: Delete, Type: t, Price: old[i].Price})
			i++
		case i == len(old) || better(now[j].Price, old[i].Price):
			dst = append(dst, Entry{Action: New, Type: t, Price: now[j].Price, Size: now[j].Size, Orders: now[j].Orders})
			j++
		default:
			if old[i] != now[j] {
				dst = append(dst, Entry{Action: Change, Type: t, Price: now[j].Price, Size: now[j].Size, Orders: now[j].Orders})
			}
			i++
			j++
		}
	}
	return dst
}
