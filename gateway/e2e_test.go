package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// TestEndToEnd drives a gateway with the real engine behind it from three
// QuickFIX/Go initiators, two FIX 4.4 and one FIX 4.2, through every order type
// and time in force, fills on both sides, cancel and replace with their priority
// rules, each reject reason, and malformed messages.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	gw, _ := startGateway(t, Options{})
	port := gw.opts.Port
	ids := &fixtest.ExecIDs{}
	a := fixtest.Start(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "E2E_A", ExecIDs: ids})
	b := fixtest.Start(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "E2E_B", ExecIDs: ids})
	c := fixtest.Start(t, fixtest.Options{Port: port, BeginString: "FIX.4.2", Name: "E2E_C", ExecIDs: ids})
	for _, cl := range []*fixtest.Client{a, b, c} {
		cl.WaitLogon()
	}
	// run runs a subtest that drives the clients: they report to it.
	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			for _, cl := range []*fixtest.Client{a, b, c} {
				cl.SetT(t)
			}
			f(t)
		})
	}

	run("limit rests then fills across sessions", func(t *testing.T) {
		a.Send("35=D|11=a1|55=AAPL|54=1|38=100|40=2|44=100.00")
		newA := a.Expect(fields{fixtag.ExecType: "0", fixtag.OrdStatus: "0", fixtag.ClOrdID: "a1", fixtag.Symbol: "AAPL", fixtag.Side: "1",
			fixtag.OrdType: "2", fixtag.TimeInForce: "0", fixtag.OrderQty: "100", fixtag.Price: "100.00", fixtag.LeavesQty: "100",
			fixtag.CumQty: "0", fixtag.AvgPx: "0", fixtag.OrigClOrdID: "-", fixtag.ExecTransType: "-"})
		orderID := newA[fixtag.OrderID]
		if orderID == "" || orderID == "NONE" {
			t.Fatalf("accepted order has OrderID %q", orderID)
		}

		b.Send("35=D|11=b1|55=AAPL|54=2|38=40|40=2|44=99.00")
		b.Expect(fields{fixtag.ExecType: "0", fixtag.OrdStatus: "0", fixtag.LeavesQty: "40", fixtag.Price: "99.00"})
		b.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.ClOrdID: "b1", fixtag.Side: "2", fixtag.LastQty: "40",
			fixtag.LastPx: "100.00", fixtag.CumQty: "40", fixtag.LeavesQty: "0", fixtag.AvgPx: "100.00", fixtag.Price: "99.00",
			fixtag.OrderQty: "40", fixtag.Symbol: "AAPL"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "1", fixtag.ClOrdID: "a1", fixtag.OrderID: orderID, fixtag.LastQty: "40",
			fixtag.LastPx: "100.00", fixtag.CumQty: "40", fixtag.LeavesQty: "60", fixtag.AvgPx: "100.00", fixtag.Price: "100.00",
			fixtag.OrderQty: "100", fixtag.Side: "1"})

		// FIX 4.2: ExecTransType 0 and ExecType 2 for the fill that completes.
		c.Send("35=D|11=c1|55=AAPL|54=2|38=60|40=2|44=100.00|59=3")
		c.Expect(fields{fixtag.ExecTransType: "0", fixtag.ExecType: "0", fixtag.OrdStatus: "0", fixtag.TimeInForce: "3"})
		c.Expect(fields{fixtag.ExecTransType: "0", fixtag.ExecType: "2", fixtag.OrdStatus: "2", fixtag.LastQty: "60",
			fixtag.LastPx: "100.00", fixtag.CumQty: "60", fixtag.LeavesQty: "0", fixtag.AvgPx: "100.00"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.LastQty: "60", fixtag.CumQty: "100", fixtag.LeavesQty: "0", fixtag.AvgPx: "100.00"})
	})

	run("market order sweeps levels then cancels its remainder", func(t *testing.T) {
		for i, px := range []string{"100.00", "100.01", "100.01"} {
			id := "b2" + string(rune('a'+i))
			b.Send("35=D|11=" + id + "|55=MSFT|54=2|38=1|40=2|44=" + px + "|59=1")
			b.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: id, fixtag.TimeInForce: "1"})
		}
		a.Send("35=D|11=a2|55=MSFT|54=1|38=5|40=1")
		a.Expect(fields{fixtag.ExecType: "0", fixtag.OrdType: "1", fixtag.Price: "-", fixtag.LeavesQty: "5"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "1", fixtag.LastPx: "100.00", fixtag.CumQty: "1", fixtag.AvgPx: "100.00"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "1", fixtag.LastPx: "100.01", fixtag.CumQty: "2", fixtag.AvgPx: "100.005"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "1", fixtag.LastPx: "100.01", fixtag.CumQty: "3", fixtag.AvgPx: "100.00666667", fixtag.LeavesQty: "2"})
		a.Expect(fields{fixtag.ExecType: "4", fixtag.OrdStatus: "4", fixtag.CumQty: "3", fixtag.LeavesQty: "0",
			fixtag.Text: "market order remainder canceled: no more liquidity"})
		for _, id := range []string{"b2a", "b2b", "b2c"} {
			b.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.ClOrdID: id, fixtag.TimeInForce: "1"})
		}
	})

	run("IOC FOK GTC DAY", func(t *testing.T) {
		a.Send("35=D|11=a3|55=TEST|54=1|38=10|40=2|44=50.00|59=3")
		a.Expect(fields{fixtag.ExecType: "0", fixtag.TimeInForce: "3"})
		a.Expect(fields{fixtag.ExecType: "4", fixtag.OrdStatus: "4", fixtag.LeavesQty: "0", fixtag.CumQty: "0", fixtag.Text: "IOC remainder canceled"})

		b.Send("35=D|11=b3|55=TEST|54=2|38=5|40=2|44=50.00|59=0")
		b.Expect(fields{fixtag.ExecType: "0", fixtag.TimeInForce: "0"})
		a.Send("35=D|11=a4|55=TEST|54=1|38=10|40=2|44=50.00|59=4")
		a.Expect(fields{fixtag.ExecType: "0", fixtag.TimeInForce: "4"})
		a.Expect(fields{fixtag.ExecType: "4", fixtag.OrdStatus: "4", fixtag.CumQty: "0", fixtag.LeavesQty: "0",
			fixtag.Text: "FOK order could not be filled completely"})
		b.Quiet(150 * time.Millisecond) // an unfillable FOK trades nothing

		a.Send("35=D|11=a5|55=TEST|54=1|38=5|40=2|44=50.00|59=4")
		a.Expect(fields{fixtag.ExecType: "0"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.LastQty: "5", fixtag.LastPx: "50.00"})
		b.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.ClOrdID: "b3"})

		a.Send("35=D|11=a6|55=TEST|54=1|38=7|40=2|44=40.00|59=1")
		a.Expect(fields{fixtag.ExecType: "0", fixtag.TimeInForce: "1", fixtag.LeavesQty: "7"})
	})

	run("cancel", func(t *testing.T) {
		a.Send("35=F|11=a6c|41=a6|55=TEST|54=1")
		a.Expect(fields{fixtag.MsgType: "8", fixtag.ExecType: "4", fixtag.OrdStatus: "4", fixtag.ClOrdID: "a6c", fixtag.OrigClOrdID: "a6",
			fixtag.LeavesQty: "0", fixtag.CumQty: "0", fixtag.Text: "canceled on request", fixtag.Symbol: "TEST", fixtag.OrderQty: "7"})
		a.Send("35=F|11=a6c2|41=a6|55=TEST|54=1")
		a.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejResponseTo: "1", fixtag.CxlRejReason: "0", fixtag.ClOrdID: "a6c2", fixtag.OrigClOrdID: "a6"})
		a.Send("35=F|11=a7c|41=nosuch|55=TEST|54=1")
		a.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejResponseTo: "1", fixtag.CxlRejReason: "1", fixtag.OrdStatus: "8",
			fixtag.OrderID: "NONE", fixtag.Text: "unknown order"})
		a.Send("35=F|11=a1|41=a3|55=TEST|54=1")
		a.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejResponseTo: "1", fixtag.CxlRejReason: "6", fixtag.Text: "duplicate ClOrdID"})
		a.Send("35=G|11=rx|41=nosuch|55=TEST|54=1|38=1|40=2|44=1")
		a.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejResponseTo: "2", fixtag.CxlRejReason: "1"})
	})

	run("replace and time priority", func(t *testing.T) {
		// Same price, smaller quantity: A keeps its place ahead of B.
		a.Send("35=D|11=p1|55=TEST|54=1|38=10|40=2|44=30.00")
		a.Expect(fields{fixtag.ExecType: "0"})
		b.Send("35=D|11=p2|55=TEST|54=1|38=10|40=2|44=30.00")
		b.Expect(fields{fixtag.ExecType: "0"})
		a.Send("35=G|11=p1r|41=p1|55=TEST|54=1|38=5|40=2|44=30.00")
		a.Expect(fields{fixtag.ExecType: "5", fixtag.OrdStatus: "0", fixtag.ClOrdID: "p1r", fixtag.OrigClOrdID: "p1", fixtag.OrderQty: "5",
			fixtag.Price: "30.00", fixtag.LeavesQty: "5", fixtag.CumQty: "0"})
		c.Send("35=D|11=c2|55=TEST|54=2|38=5|40=2|44=30.00")
		c.Expect(fields{fixtag.ExecType: "0"})
		c.Expect(fields{fixtag.ExecType: "2", fixtag.LastPx: "30.00"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.ClOrdID: "p1r", fixtag.LastQty: "5"})
		b.Quiet(150 * time.Millisecond)

		// Larger quantity: A goes behind B (on AAPL, whose book is empty now).
		a.Send("35=D|11=p3|55=AAPL|54=1|38=10|40=2|44=29.00")
		a.Expect(fields{fixtag.ExecType: "0"})
		b.Send("35=D|11=p4|55=AAPL|54=1|38=10|40=2|44=29.00")
		b.Expect(fields{fixtag.ExecType: "0"})
		a.Send("35=G|11=p3r|41=p3|55=AAPL|54=1|38=20|40=2|44=29.00")
		a.Expect(fields{fixtag.ExecType: "5", fixtag.OrderQty: "20", fixtag.LeavesQty: "20", fixtag.OrigClOrdID: "p3"})
		c.Send("35=D|11=c3|55=AAPL|54=2|38=10|40=2|44=29.00")
		c.Expect(fields{fixtag.ExecType: "0"})
		c.Expect(fields{fixtag.ExecType: "2"})
		b.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.ClOrdID: "p4", fixtag.LastQty: "10"})
		a.Quiet(150 * time.Millisecond)

		// Another session's live order is unknown to B.
		b.Send("35=F|11=bx|41=p3r|55=AAPL|54=1")
		b.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejReason: "1", fixtag.CxlRejResponseTo: "1", fixtag.OrigClOrdID: "p3r"})
		b.Send("35=G|11=bx2|41=p3r|55=AAPL|54=1|38=1|40=2|44=29.00")
		b.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejReason: "1", fixtag.CxlRejResponseTo: "2"})

		// New price, then a partial fill, then a replace down to the filled
		// quantity finishes the order.
		a.Send("35=G|11=p3r2|41=p3r|55=AAPL|54=1|38=20|40=2|44=29.50")
		a.Expect(fields{fixtag.ExecType: "5", fixtag.Price: "29.50", fixtag.ClOrdID: "p3r2", fixtag.OrigClOrdID: "p3r"})
		c.Send("35=D|11=c4|55=AAPL|54=2|38=5|40=2|44=29.50")
		c.Expect(fields{fixtag.ExecType: "0"})
		c.Expect(fields{fixtag.ExecType: "2"})
		a.Expect(fields{fixtag.ExecType: "F", fixtag.OrdStatus: "1", fixtag.CumQty: "5", fixtag.LeavesQty: "15", fixtag.LastPx: "29.50"})
		a.Send("35=G|11=p3r3|41=p3r2|55=AAPL|54=1|38=5|40=2|44=29.50")
		a.Expect(fields{fixtag.ExecType: "5", fixtag.OrdStatus: "2", fixtag.OrderQty: "5", fixtag.CumQty: "5", fixtag.LeavesQty: "0", fixtag.AvgPx: "29.50"})
		a.Send("35=F|11=p3c|41=p3r3|55=AAPL|54=1")
		a.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejReason: "0"})
	})

	run("business rejects", func(t *testing.T) {
		for _, tc := range []struct {
			msg, reason, text string
			extra             fields
		}{
			{"11=r1|55=ZZZZ|54=1|38=1|40=2|44=1.00", "1", "unknown symbol", fields{fixtag.Symbol: "ZZZZ"}},
			{"11=r2|55=AAPL|54=1|38=0|40=2|44=1.00", "13", "", nil},
			{"11=r3|55=AAPL|54=1|38=1.5|40=2|44=1.00", "13", "", nil},
			{"11=r4|55=AAPL|54=1|38=-5|40=2|44=1.00", "13", "", nil},
			{"11=r5|55=AAPL|54=1|38=1|40=2", "99", "limit order without a price", nil},
			{"11=r6|55=AAPL|54=1|38=1|40=2|44=0", "99", "", nil},
			{"11=r7|55=AAPL|54=1|38=1|40=2|44=-3.00", "99", "", nil},
			{"11=r8|55=AAPL|54=1|38=1|40=2|44=100.005", "99", "price is not on the tick grid", nil},
			{"11=a1|55=AAPL|54=1|38=1|40=2|44=1.00", "6", "duplicate ClOrdID", nil},
		} {
			a.Send("35=D|" + tc.msg)
			want := fields{fixtag.ExecType: "8", fixtag.OrdStatus: "8", fixtag.OrdRejReason: tc.reason, fixtag.OrderID: "NONE",
				fixtag.LeavesQty: "0", fixtag.CumQty: "0"}
			if tc.text != "" {
				want[fixtag.Text] = tc.text
			}
			for k, v := range tc.extra {
				want[k] = v
			}
			got := a.Expect(want)
			if got[fixtag.Text] == "" {
				t.Fatalf("reject without Text: %v", got)
			}
		}
		// B's ClOrdIDs do not collide with A's: p2 is B's live order, A may use it.
		a.Send("35=D|11=p2|55=MSFT|54=1|38=1|40=2|44=1.00")
		a.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: "p2"})
	})

	run("malformed messages are rejected and the session survives", func(t *testing.T) {
		in := gw.Counters.OrdersIn.Load()
		long := strings.Repeat("x", 40)
		for _, tc := range []struct {
			msg             string
			mt, reason, tag string
			textPart        string
		}{
			{"35=D|11=m1|55=AAPL|38=1|40=2|44=1", "3", "1", "54", "Side(54)"},
			{"35=D|11=m2|55=AAPL|54=1|38=1|40=3|44=1", "3", "5", "40", "OrdType(40)"},
			{"35=D|11=m3|55=AAPL|54=1|38=1|40=2|44=1|59=2", "3", "5", "59", "TimeInForce(59)"},
			{"35=D|11=m4|55=AAPL|54=7|38=1|40=2|44=1", "3", "5", "54", "Side(54)"},
			{"35=D|11=m5|55=AAPL|54=1|38=ten|40=2|44=1", "3", "6", "38", "OrderQty(38)"},
			{"35=D|11=" + long + "|55=AAPL|54=1|38=1|40=2|44=1", "3", "5", "11", "ClOrdID(11)"},
			{"35=F|11=m6|55=AAPL|54=1", "3", "1", "41", "OrigClOrdID(41)"},
			{"35=R|131=q1|146=0", "j", "3", "", "MsgType"},
		} {
			b.Send(tc.msg)
			want := fields{fixtag.MsgType: tc.mt}
			if tc.mt == "3" {
				want[373], want[371] = tc.reason, tc.tag
			} else {
				want[380] = tc.reason
			}
			got := b.Expect(want)
			if !strings.Contains(got[fixtag.Text], tc.textPart) {
				t.Fatalf("%s: Text %q does not mention %q", tc.msg, got[fixtag.Text], tc.textPart)
			}
		}
		c.Send("35=D|55=AAPL|54=1|38=1|40=2|44=1")
		c.Expect(fields{fixtag.MsgType: "3", 373: "1", 371: "11"})
		if got := gw.Counters.OrdersIn.Load(); got != in {
			t.Fatalf("malformed messages submitted: OrdersIn %d -> %d", in, got)
		}
		b.Send("35=D|11=m9|55=MSFT|54=2|38=1|40=2|44=500.00")
		b.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: "m9"})
		c.Send("35=D|11=m9|55=MSFT|54=2|38=1|40=2|44=500.00")
		c.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: "m9", fixtag.ExecTransType: "0"})
		if got := gw.Counters.MessageRejects[RejectMissingTag].Load(); got != 3 {
			t.Fatalf("MessageRejects[missing_tag] = %d, want 3", got)
		}
	})
}
