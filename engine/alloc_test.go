package engine

import "testing"

// allocEngine builds an engine with room for the alloc tests and a helper that
// applies a command with a fresh sequence number.
func allocEngine(t *testing.T) (*Engine, func(c Command) *Events) {
	t.Helper()
	e, err := New(Config{
		Symbols:   []SymbolConfig{{Name: "AAPL", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100_000}},
		MaxOrders: 100_000, MaxLevels: 10_000, History: 1000, MaxQty: 1_000_000,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := NewEvents(64)
	var seq uint64
	return e, func(c Command) *Events {
		seq++
		c.Seq, c.Time = seq, int64(seq)
		out.Reset()
		e.Apply(&c, out)
		return out
	}
}

// counterID makes distinct ClOrdIDs without allocating (strconv would).
func counterID(prefix byte, n int) ID {
	var id ID
	id.B[0] = prefix
	i := 1
	for v := n; ; v /= 10 {
		id.B[i] = byte('0' + v%10)
		i++
		if v < 10 {
			break
		}
	}
	id.N = uint8(i)
	return id
}

// TestZeroAllocsPerOrder asserts the hot path allocates nothing once warm, for a
// resting new order, a new order crossing several levels, a cancel, cancel
// rejects (a side mismatch, a finished order), a replace, status requests (a
// live order, a finished one, an unknown one) and mass cancels of a few orders
// (by symbol, and on disconnect).
func TestZeroAllocsPerOrder(t *testing.T) {
	e, apply := allocEngine(t)
	// Warm: grow the event buffer to its largest burst once.
	for i := 0; i < 10; i++ {
		apply(Command{Kind: KindNew, Owner: 1, Side: Sell, Type: Limit, Price: int64(1000 + i), Qty: 10, ClOrdID: counterID('w', i)})
	}
	apply(Command{Kind: KindNew, Owner: 2, Side: Buy, Type: Market, Qty: 100, ClOrdID: counterID('W', 0)})

	n := 0
	cases := []struct {
		name string
		run  func()
	}{
		{"new resting", func() {
			n++
			apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, TIF: GTC, Price: int64(500 + n%100), Qty: 5, ClOrdID: counterID('a', n)})
		}},
		{"new crossing several levels", func() {
			n++
			for i := 0; i < 4; i++ {
				apply(Command{Kind: KindNew, Owner: 1, Side: Sell, Type: Limit, Price: int64(2000 + i), Qty: 3, ClOrdID: counterID('s', n*4+i)})
			}
			out := apply(Command{Kind: KindNew, Owner: 2, Side: Buy, Type: Limit, TIF: IOC, Price: 2003, Qty: 12, ClOrdID: counterID('b', n)})
			if out.Len() != 1+4*2 {
				t.Fatalf("crossing order produced %d events, want 9", out.Len())
			}
		}},
		{"cancel", func() {
			n++
			apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, Price: 700, Qty: 5, ClOrdID: counterID('c', n)})
			out := apply(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: counterID('x', n), OrigClOrdID: counterID('c', n)})
			if out.At(0).Kind != EvCanceled {
				t.Fatalf("cancel: got event kind %d", out.At(0).Kind)
			}
		}},
		{"cancel rejects", func() {
			n++
			apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, Price: 750, Qty: 5, ClOrdID: counterID('d', n)})
			out := apply(Command{Kind: KindCancel, Owner: 1, Side: Sell, ClOrdID: counterID('y', n), OrigClOrdID: counterID('d', n)})
			if ev := out.At(0); ev.Kind != EvCancelRejected || ev.Text != TextSideDiffers {
				t.Fatalf("cancel with the wrong side: got event kind %d text %d", ev.Kind, ev.Text)
			}
			apply(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: counterID('y', n), OrigClOrdID: counterID('d', n)})
			out = apply(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: counterID('Y', n), OrigClOrdID: counterID('d', n)})
			if ev := out.At(0); ev.Kind != EvCancelRejected || ev.Status != StatusCanceled {
				t.Fatalf("cancel of a canceled order: got event kind %d status %c", ev.Kind, ev.Status)
			}
		}},
		{"replace", func() {
			n++
			apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, Price: 800, Qty: 5, ClOrdID: counterID('r', n)})
			out := apply(Command{Kind: KindReplace, Owner: 1, Side: Buy, Type: Limit, Price: 801, Qty: 7, ClOrdID: counterID('R', n), OrigClOrdID: counterID('r', n)})
			if out.At(0).Kind != EvReplaced {
				t.Fatalf("replace: got event kind %d", out.At(0).Kind)
			}
		}},
		{"status", func() {
			n++
			apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, Price: 850, Qty: 5, ClOrdID: counterID('h', n)})
			out := apply(Command{Kind: KindStatus, Owner: 1, Side: Buy, ClOrdID: counterID('H', n), OrigClOrdID: counterID('h', n)})
			if ev := out.At(0); ev.Kind != EvStatus || ev.Status != StatusNew {
				t.Fatalf("status of a live order: got event kind %d status %c", ev.Kind, ev.Status)
			}
			apply(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: counterID('i', n), OrigClOrdID: counterID('h', n)})
			out = apply(Command{Kind: KindStatus, Owner: 1, Side: Buy, OrigClOrdID: counterID('h', n)})
			if ev := out.At(0); ev.Kind != EvStatus || ev.Status != StatusCanceled {
				t.Fatalf("status of a canceled order: got event kind %d status %c", ev.Kind, ev.Status)
			}
			out = apply(Command{Kind: KindStatus, Owner: 2, Side: Buy, OrigClOrdID: counterID('h', n)})
			if ev := out.At(0); ev.Kind != EvStatus || ev.Reason != ReasonUnknownOrderStatus {
				t.Fatalf("status of another owner's order: got event kind %d reason %d", ev.Kind, ev.Reason)
			}
		}},
		{"mass cancel", func() {
			n++
			for i := 0; i < 4; i++ {
				side, px := Buy, int64(880+i) // two bids, two asks that do not cross them
				if i%2 == 1 {
					side, px = Sell, int64(3000+i)
				}
				apply(Command{Kind: KindNew, Owner: 3, Side: side, Type: Limit, Price: px, Qty: 2, ClOrdID: counterID('m', n*4+i)})
			}
			out := apply(Command{Kind: KindMassCancel, Type: MassBySymbol, Owner: 3, Symbol: 0, Side: Buy, ClOrdID: counterID('M', n)})
			if out.Len() != 3 || out.At(0).Kind != EvMassCancelReport || out.At(0).OrderQty != 2 {
				t.Fatalf("mass cancel of 2 bids: %d events, first kind %d affected %d", out.Len(), out.At(0).Kind, out.At(0).OrderQty)
			}
			out = apply(Command{Kind: KindMassCancel, Type: MassOnDisconnect, Owner: 3})
			if out.Len() != 2 || out.At(1).Text != TextCanceledOnDisconnect {
				t.Fatalf("cancel on disconnect of 2 asks: %d events", out.Len())
			}
		}},
	}
	for _, c := range cases {
		c.run() // warm this path
		if a := testing.AllocsPerRun(200, c.run); a != 0 {
			t.Errorf("%s: %.1f allocs per run, want 0", c.name, a)
		}
	}
	if err := e.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}
