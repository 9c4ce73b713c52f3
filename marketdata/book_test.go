package marketdata

import (
	"slices"
	"testing"

	"github.com/openmatch/matchd/engine"
)

// ev builds a hand-written event.
type evb struct {
	kind         engine.EventKind
	id           uint64
	sym          uint32
	side         engine.Side
	typ          engine.OrdType
	tif          engine.TIF
	px, leaves   int64
	lastQ, lastP int64
	last         bool
}

func (e evb) event(seq uint64) engine.Event {
	typ := e.typ
	if typ == 0 {
		typ = engine.Limit
	}
	return engine.Event{Seq: seq, Time: int64(seq) * 10, Kind: e.kind, OrderID: e.id, Symbol: e.sym, Side: e.side, Type: typ,
		TIF: e.tif, Price: e.px, LeavesQty: e.leaves, LastQty: e.lastQ, LastPx: e.lastP, Last: e.last}
}

const (
	buy  = engine.Buy
	sell = engine.Sell
)

// bookStep is one command's events and what Flush must give for it.
type bookStep struct {
	name       string
	events     []evb
	want       []Entry // the X's entries for symbol 0; nil: no X
	bids, asks []Level // the book of symbol 0 after the command
}

func runBookSteps(t *testing.T, steps []bookStep) *Book {
	t.Helper()
	b := NewBook(2)
	for i, st := range steps {
		seq := uint64(i + 1)
		for _, e := range st.events {
			ev := e.event(seq)
			b.Apply(&ev)
		}
		if b.Seq() != seq {
			t.Fatalf("%s: Seq %d, want %d", st.name, b.Seq(), seq)
		}
		xs := b.Flush(nil)
		var got []Entry
		if len(xs) > 1 {
			t.Fatalf("%s: %d refreshes, want at most 1: %+v", st.name, len(xs), xs)
		}
		if len(xs) == 1 {
			x := xs[0]
			if x.Full || x.Symbol != 0 || x.Seq != seq || x.Time != int64(seq)*10 {
				t.Fatalf("%s: header %+v", st.name, x)
			}
			got = x.Entries
		}
		if !slices.Equal(got, st.want) {
			t.Fatalf("%s: X entries\n got %+v\nwant %+v", st.name, got, st.want)
		}
		if got := b.Levels(0, buy, 0, nil); !slices.Equal(got, st.bids) {
			t.Fatalf("%s: bids %+v, want %+v", st.name, got, st.bids)
		}
		if got := b.Levels(0, sell, 0, nil); !slices.Equal(got, st.asks) {
			t.Fatalf("%s: asks %+v, want %+v", st.name, got, st.asks)
		}
	}
	return b
}

func bid(a Action, px, size int64, n int32) Entry {
	return Entry{Action: a, Type: Bid, Price: px, Size: size, Orders: n}
}
func offer(a Action, px, size int64, n int32) Entry {
	return Entry{Action: a, Type: Offer, Price: px, Size: size, Orders: n}
}
func trade(px, size int64) Entry       { return Entry{Type: Trade, Price: px, Size: size} }
func lv(px, size int64, n int32) Level { return Level{Price: px, Size: size, Orders: n} }

func TestBookSequences(t *testing.T) {
	acc := engine.EvAccepted
	steps := []bookStep{
		{name: "buy 10@100 rests", events: []evb{{kind: acc, id: 1, side: buy, px: 100, leaves: 10, last: true}},
			want: []Entry{bid(New, 100, 10, 1)}, bids: []Level{lv(100, 10, 1)}},
		{name: "buy 5@100 GTC joins", events: []evb{{kind: acc, id: 2, side: buy, tif: engine.GTC, px: 100, leaves: 5, last: true}},
			want: []Entry{bid(Change, 100, 15, 2)}, bids: []Level{lv(100, 15, 2)}},
		{name: "sell 4@105 and 6@106 rest", events: []evb{{kind: acc, id: 3, side: sell, px: 105, leaves: 4, last: true}},
			want: []Entry{offer(New, 105, 4, 1)}, bids: []Level{lv(100, 15, 2)}, asks: []Level{lv(105, 4, 1)}},
		{name: "sell 6@106", events: []evb{{kind: acc, id: 4, side: sell, px: 106, leaves: 6, last: true}},
			want: []Entry{offer(New, 106, 6, 1)}, bids: []Level{lv(100, 15, 2)}, asks: []Level{lv(105, 4, 1), lv(106, 6, 1)}},
		{name: "replace 1 down to 7 keeps its place", events: []evb{{kind: engine.EvReplaced, id: 1, side: buy, px: 100, leaves: 7, last: true}},
			want: []Entry{bid(Change, 100, 12, 2)}, bids: []Level{lv(100, 12, 2)}, asks: []Level{lv(105, 4, 1), lv(106, 6, 1)}},
		{name: "replace 1 to the same price and size: nothing", events: []evb{{kind: engine.EvReplaced, id: 1, side: buy, px: 100, leaves: 7, last: true}},
			bids: []Level{lv(100, 12, 2)}, asks: []Level{lv(105, 4, 1), lv(106, 6, 1)}},
		{name: "replace 2 to 8@106 crosses both offers and rests the rest", events: []evb{
			{kind: engine.EvReplaced, id: 2, side: buy, tif: engine.GTC, px: 106, leaves: 12},
			{kind: engine.EvFill, id: 2, side: buy, tif: engine.GTC, px: 106, leaves: 8, lastQ: 4, lastP: 105},
			{kind: engine.EvFill, id: 3, side: sell, px: 105, leaves: 0, lastQ: 4, lastP: 105},
			{kind: engine.EvFill, id: 2, side: buy, tif: engine.GTC, px: 106, leaves: 2, lastQ: 6, lastP: 106},
			{kind: engine.EvFill, id: 4, side: sell, px: 106, leaves: 0, lastQ: 6, lastP: 106, last: true}},
			want: []Entry{trade(105, 4), trade(106, 6), bid(New, 106, 2, 1), bid(Change, 100, 7, 1), offer(Delete, 105, 0, 0), offer(Delete, 106, 0, 0)},
			bids: []Level{lv(106, 2, 1), lv(100, 7, 1)}},
		{name: "sell IOC 5@100 partly fills, remainder canceled", events: []evb{
			{kind: acc, id: 8, side: sell, tif: engine.IOC, px: 106, leaves: 5},
			{kind: engine.EvFill, id: 8, side: sell, tif: engine.IOC, px: 106, leaves: 3, lastQ: 2, lastP: 106},
			{kind: engine.EvFill, id: 2, side: buy, tif: engine.GTC, px: 106, leaves: 0, lastQ: 2, lastP: 106},
			{kind: engine.EvCanceled, id: 8, side: sell, tif: engine.IOC, px: 106, last: true}},
			want: []Entry{trade(106, 2), bid(Delete, 106, 0, 0)}, bids: []Level{lv(100, 7, 1)}},
		{name: "FOK unfillable: accepted and canceled, nothing", events: []evb{
			{kind: acc, id: 9, side: sell, tif: engine.FOK, px: 100, leaves: 50},
			{kind: engine.EvCanceled, id: 9, side: sell, tif: engine.FOK, px: 100, last: true}},
			bids: []Level{lv(100, 7, 1)}},
		{name: "FOK filled", events: []evb{
			{kind: acc, id: 10, side: sell, tif: engine.FOK, px: 100, leaves: 3},
			{kind: engine.EvFill, id: 10, side: sell, tif: engine.FOK, px: 100, leaves: 0, lastQ: 3, lastP: 100},
			{kind: engine.EvFill, id: 1, side: buy, px: 100, leaves: 4, lastQ: 3, lastP: 100, last: true}},
			want: []Entry{trade(100, 3), bid(Change, 100, 4, 1)}, bids: []Level{lv(100, 4, 1)}},
		{name: "two bids for the next steps", events: []evb{{kind: acc, id: 11, side: buy, px: 99, leaves: 5, last: true}},
			want: []Entry{bid(New, 99, 5, 1)}, bids: []Level{lv(100, 4, 1), lv(99, 5, 1)}},
		{name: "market sell sweeps, remainder canceled", events: []evb{
			{kind: acc, id: 12, side: sell, typ: engine.Market, tif: engine.Day, leaves: 20},
			{kind: engine.EvFill, id: 12, side: sell, typ: engine.Market, leaves: 16, lastQ: 4, lastP: 100},
			{kind: engine.EvFill, id: 1, side: buy, px: 100, leaves: 0, lastQ: 4, lastP: 100},
			{kind: engine.EvFill, id: 12, side: sell, typ: engine.Market, leaves: 11, lastQ: 5, lastP: 99},
			{kind: engine.EvFill, id: 11, side: buy, px: 99, leaves: 0, lastQ: 5, lastP: 99},
			{kind: engine.EvCanceled, id: 12, side: sell, typ: engine.Market, last: true}},
			want: []Entry{trade(100, 4), trade(99, 5), bid(Delete, 100, 0, 0), bid(Delete, 99, 0, 0)}},
		{name: "a reject changes nothing", events: []evb{{kind: engine.EvRejected, side: buy, px: 5, leaves: 0, last: true}}},
		{name: "three orders rest", events: []evb{{kind: acc, id: 14, side: buy, px: 98, leaves: 5, last: true}},
			want: []Entry{bid(New, 98, 5, 1)}, bids: []Level{lv(98, 5, 1)}},
		{name: "GTC bid", events: []evb{{kind: acc, id: 15, side: buy, tif: engine.GTC, px: 98, leaves: 1, last: true}},
			want: []Entry{bid(Change, 98, 6, 2)}, bids: []Level{lv(98, 6, 2)}},
		{name: "offer", events: []evb{{kind: acc, id: 16, side: sell, px: 110, leaves: 3, last: true}},
			want: []Entry{offer(New, 110, 3, 1)}, bids: []Level{lv(98, 6, 2)}, asks: []Level{lv(110, 3, 1)}},
		{name: "end of day expires the DAY orders", events: []evb{
			{kind: engine.EvExpired, id: 14, side: buy, px: 98},
			{kind: engine.EvExpired, id: 16, side: sell, px: 110, last: true}},
			want: []Entry{bid(Change, 98, 1, 1), offer(Delete, 110, 0, 0)}, bids: []Level{lv(98, 1, 1)}},
		{name: "another bid", events: []evb{{kind: acc, id: 18, side: buy, px: 97, leaves: 2, last: true}},
			want: []Entry{bid(New, 97, 2, 1)}, bids: []Level{lv(98, 1, 1), lv(97, 2, 1)}},
		{name: "mass cancel: the report, then a cancel per order", events: []evb{
			{kind: engine.EvMassCancelReport, side: 0},
			{kind: engine.EvCanceled, id: 15, side: buy, tif: engine.GTC, px: 98},
			{kind: engine.EvCanceled, id: 18, side: buy, px: 97, last: true}},
			want: []Entry{bid(Delete, 98, 0, 0), bid(Delete, 97, 0, 0)}},
		{name: "status changes nothing", events: []evb{{kind: engine.EvStatus, id: 18, side: buy, px: 97, leaves: 0, last: true}}},
	}
	b := runBookSteps(t, steps)
	want := []TradeRecord{{7, 70, 105, 4}, {7, 70, 106, 6}, {8, 80, 106, 2}, {10, 100, 100, 3}, {12, 120, 100, 4}, {12, 120, 99, 5}}
	if got := b.Trades(0, nil); !slices.Equal(got, want) {
		t.Fatalf("trades %+v, want %+v", got, want)
	}
}

// TestBookLevelComesAndGoes: a level that appears and disappears within one
// command yields nothing (an order replaced away from a level and back).
func TestBookLevelComesAndGoes(t *testing.T) {
	runBookSteps(t, []bookStep{
		{name: "rest", events: []evb{{kind: engine.EvAccepted, id: 1, side: buy, px: 100, leaves: 5, last: true}},
			want: []Entry{bid(New, 100, 5, 1)}, bids: []Level{lv(100, 5, 1)}},
		{name: "sell rests", events: []evb{{kind: engine.EvAccepted, id: 2, side: sell, px: 101, leaves: 5, last: true}},
			want: []Entry{offer(New, 101, 5, 1)}, bids: []Level{lv(100, 5, 1)}, asks: []Level{lv(101, 5, 1)}},
		// A sell at 100 for 5 fills order 1 completely: level 100 goes; then
		// nothing is left to rest. Level 101 is untouched.
		{name: "sweep", events: []evb{
			{kind: engine.EvAccepted, id: 3, side: sell, px: 100, leaves: 5},
			{kind: engine.EvFill, id: 3, side: sell, px: 100, leaves: 0, lastQ: 5, lastP: 100},
			{kind: engine.EvFill, id: 1, side: buy, px: 100, leaves: 0, lastQ: 5, lastP: 100, last: true}},
			want: []Entry{trade(100, 5), bid(Delete, 100, 0, 0)}, asks: []Level{lv(101, 5, 1)}},
		// Order 2 is replaced to 102 and a new aggressor... the replace moves
		// it away from 101 (gone) and it rests at 102 (new).
		{name: "move", events: []evb{{kind: engine.EvReplaced, id: 2, side: sell, px: 102, leaves: 5, last: true}},
			want: []Entry{offer(Delete, 101, 0, 0), offer(New, 102, 5, 1)}, asks: []Level{lv(102, 5, 1)}},
		// A replace that increases the size loses its place but stays at the level.
		{name: "grow", events: []evb{{kind: engine.EvReplaced, id: 2, side: sell, px: 102, leaves: 9, last: true}},
			want: []Entry{offer(Change, 102, 9, 1)}, asks: []Level{lv(102, 9, 1)}},
		// A replace that moves to 101 and whose level 101 did not exist
		// before, then a fill of the moved order by... no: a replace to 101
		// and, in the same command, nothing else: New 101, Delete 102.
		{name: "back", events: []evb{{kind: engine.EvReplaced, id: 2, side: sell, px: 101, leaves: 9, last: true}},
			want: []Entry{offer(New, 101, 9, 1), offer(Delete, 102, 0, 0)}, asks: []Level{lv(101, 9, 1)}},
		// A replace down to what is already filled (leaves 0): the order leaves.
		{name: "replaced to filled", events: []evb{{kind: engine.EvReplaced, id: 2, side: sell, px: 101, leaves: 0, last: true}},
			want: []Entry{offer(Delete, 101, 0, 0)}},
	})
}

func TestBookTradesKeepsLast32(t *testing.T) {
	b := NewBook(1)
	var want []TradeRecord
	for i := 1; i <= 40; i++ {
		seq := uint64(2 * i)
		for _, e := range []evb{{kind: engine.EvAccepted, id: seq, side: sell, px: 100, leaves: 1, last: true}} {
			ev := e.event(seq - 1)
			b.Apply(&ev)
		}
		for _, e := range []evb{
			{kind: engine.EvAccepted, id: seq + 1000, side: buy, px: 100, leaves: 1},
			{kind: engine.EvFill, id: seq + 1000, side: buy, px: 100, lastQ: 1, lastP: 100},
			{kind: engine.EvFill, id: seq, side: sell, px: 100, lastQ: 1, lastP: 100, last: true}} {
			ev := e.event(seq)
			b.Apply(&ev)
		}
		b.Flush(nil)
		if i > 8 {
			want = append(want, TradeRecord{Seq: seq, Time: int64(seq) * 10, Price: 100, Size: 1})
		}
	}
	if got := b.Trades(0, nil); !slices.Equal(got, want) {
		t.Fatalf("trades\n got %+v\nwant %+v", got, want)
	}
	if got := b.Levels(0, sell, 0, nil); len(got) != 0 {
		t.Fatalf("offers left: %+v", got)
	}
}

func TestBookSnapshot(t *testing.T) {
	b := NewBook(2)
	for i, e := range []evb{
		{kind: engine.EvAccepted, id: 1, side: buy, px: 100, leaves: 1, last: true},
		{kind: engine.EvAccepted, id: 2, side: buy, px: 102, leaves: 2, last: true},
		{kind: engine.EvAccepted, id: 3, side: buy, px: 101, leaves: 3, last: true},
		{kind: engine.EvAccepted, id: 4, side: sell, px: 105, leaves: 4, last: true},
		{kind: engine.EvAccepted, id: 5, side: sell, px: 104, leaves: 5, last: true},
		{kind: engine.EvAccepted, id: 6, sym: 1, side: sell, px: 7, leaves: 5, last: true},
	} {
		ev := e.event(uint64(i + 1))
		b.Apply(&ev)
	}
	b.Flush(nil)
	w := b.Snapshot(0, 2, AllTypes)
	want := Refresh{Full: true, Symbol: 0, Seq: 6, Time: 60, Entries: []Entry{
		{Type: Bid, Price: 102, Size: 2, Orders: 1}, {Type: Bid, Price: 101, Size: 3, Orders: 1},
		{Type: Offer, Price: 104, Size: 5, Orders: 1}, {Type: Offer, Price: 105, Size: 4, Orders: 1}}}
	if w.Full != want.Full || w.Seq != want.Seq || w.Time != want.Time || !slices.Equal(w.Entries, want.Entries) {
		t.Fatalf("W\n got %+v\nwant %+v", w, want)
	}
	if w := b.Snapshot(0, 0, TypeOffer); !slices.Equal(w.Entries, want.Entries[2:]) {
		t.Fatalf("offers-only W: %+v", w.Entries)
	}
	if w := b.Snapshot(0, 0, TypeTrade); len(w.Entries) != 0 {
		t.Fatalf("trades-only W has entries: %+v", w.Entries)
	}
	if w := b.Snapshot(9, 0, AllTypes); len(w.Entries) != 0 || w.Symbol != 9 {
		t.Fatalf("unknown symbol: %+v", w)
	}
}

// TestBookLoad starts a book from an engine's resting orders.
func TestBookLoad(t *testing.T) {
	e := testEngine()
	out := engine.NewEvents(16)
	for i, c := range []engine.Command{
		{Kind: engine.KindNew, Side: buy, Type: engine.Limit, Price: 100, Qty: 3, Symbol: 1},
		{Kind: engine.KindNew, Side: buy, Type: engine.Limit, Price: 100, Qty: 4, Symbol: 1},
		{Kind: engine.KindNew, Side: sell, Type: engine.Limit, Price: 101, Qty: 5, Symbol: 1},
	} {
		c.Seq, c.Owner = uint64(i+1), 1
		c.ClOrdID, _ = engine.MakeID(string(rune('a' + i)))
		e.Apply(&c, out)
	}
	b := NewBook(testSymbols)
	b.Load(e)
	if b.Seq() != 3 || !slices.Equal(b.Levels(1, buy, 0, nil), []Level{lv(100, 7, 2)}) || !slices.Equal(b.Levels(1, sell, 0, nil), []Level{lv(101, 5, 1)}) {
		t.Fatalf("loaded: seq %d bids %+v asks %+v", b.Seq(), b.Levels(1, buy, 0, nil), b.Levels(1, sell, 0, nil))
	}
	if xs := b.Flush(nil); len(xs) != 0 {
		t.Fatalf("Flush after Load: %+v", xs)
	}
	// The loaded orders are known: a cancel of one updates its level.
	c := engine.Command{Seq: 4, Kind: engine.KindCancel, Owner: 1, Side: buy, Symbol: 1}
	c.ClOrdID, _ = engine.MakeID("x")
	c.OrigClOrdID, _ = engine.MakeID("a")
	out.Reset()
	e.Apply(&c, out)
	for _, ev := range out.Slice() {
		b.Apply(&ev)
	}
	xs := b.Flush(nil)
	if len(xs) != 1 || !slices.Equal(xs[0].Entries, []Entry{bid(Change, 100, 4, 1)}) {
		t.Fatalf("after the cancel: %+v", xs)
	}
}
