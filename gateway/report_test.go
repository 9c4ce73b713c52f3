package gateway

import (
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

func body(t *testing.T, m *quickfix.Message) map[quickfix.Tag]string {
	t.Helper()
	out := map[quickfix.Tag]string{}
	for _, tag := range m.Body.Tags() {
		v, err := m.Body.GetString(tag)
		if err != nil {
			t.Fatal(err)
		}
		out[tag] = v
	}
	mt, _ := m.Header.GetString(fixtag.MsgType)
	out[fixtag.MsgType] = mt
	return out
}

func checkFields(t *testing.T, what string, got map[quickfix.Tag]string, want map[quickfix.Tag]string) {
	t.Helper()
	for tag, w := range want {
		if w == "-" {
			if v, ok := got[tag]; ok {
				t.Errorf("%s: tag %d = %q, want absent", what, tag, v)
			}
			continue
		}
		if got[tag] != w {
			t.Errorf("%s: tag %d = %q, want %q", what, tag, got[tag], w)
		}
	}
}

// buildReport formats ev with a new builder: a fresh message, the reference
// the reused ones are checked against.
func buildReport(ev *engine.Event, fix42 bool, syms *symbolTable) *quickfix.Message {
	return newReportBuilder().build(ev, fix42, syms)
}

// reportCase is an event and the body fields its report must have ("-":
// absent).
type reportCase struct {
	what  string
	ev    engine.Event
	fix42 bool
	want  map[quickfix.Tag]string
}

func reportCases(syms *symbolTable) []reportCase {
	id := func(s string) engine.ID { x, _ := engine.MakeID(s); return x }
	ts := time.Date(2024, 3, 5, 14, 30, 1, 123456789, time.UTC).UnixNano()
	fill := engine.Event{
		ExecID: 42, Seq: 9, Time: ts, OrderID: 7, Kind: engine.EvFill, Status: engine.StatusPartiallyFilled,
		Side: engine.Sell, Type: engine.Limit, TIF: engine.GTC, Symbol: 0, Price: 10025, OrderQty: 300,
		LastQty: 100, LastPx: 10030, CumQty: 200, LeavesQty: 100, Notional: 10025*100 + 10030*100,
		ClOrdID: id("s1"),
	}
	fillWant := map[quickfix.Tag]string{
		fixtag.MsgType: "8", fixtag.OrderID: "7", fixtag.ExecID: "42", fixtag.ExecType: "F", fixtag.OrdStatus: "1",
		fixtag.ClOrdID: "s1", fixtag.OrigClOrdID: "-", fixtag.Symbol: "AAPL", fixtag.Side: "2", fixtag.OrdType: "2",
		fixtag.TimeInForce: "1", fixtag.OrderQty: "300", fixtag.Price: "100.25", fixtag.LastQty: "100", fixtag.LastPx: "100.30",
		fixtag.CumQty: "200", fixtag.LeavesQty: "100", fixtag.AvgPx: "100.275", fixtag.TransactTime: "20240305-14:30:01.123456",
		fixtag.ExecTransType: "-", fixtag.Text: "-", fixtag.OrdRejReason: "-",
	}
	partial42 := maps.Clone(fillWant)
	partial42[fixtag.ExecTransType], partial42[fixtag.ExecType] = "0", "1"
	filled := fill
	filled.Status = engine.StatusFilled
	filled42 := maps.Clone(partial42)
	filled42[fixtag.ExecType], filled42[fixtag.OrdStatus] = "2", "2"

	rep := engine.Event{ExecID: 45, Time: ts, OrderID: 7, Kind: engine.EvReplaced, Status: engine.StatusNew, Side: engine.Buy,
		Type: engine.Limit, TIF: engine.Day, Price: 9900, OrderQty: 50, LeavesQty: 50, ClOrdID: id("r2"), OrigClOrdID: id("r1")}
	exp := rep
	exp.Kind, exp.Status, exp.Text, exp.LeavesQty = engine.EvExpired, engine.StatusExpired, engine.TextEndOfDay, 0
	cases := []reportCase{
		{"4.4 fill", fill, false, fillWant},
		{"4.2 partial fill", fill, true, partial42},
		{"4.2 fill", filled, true, filled42},
		{"unknown symbol reject", engine.Event{
			ExecID: 43, Time: ts, Kind: engine.EvRejected, Status: engine.StatusRejected, Reason: engine.ReasonUnknownSymbol,
			Text: engine.TextUnknownSymbol, Side: engine.Buy, Type: engine.Limit, TIF: engine.Day,
			Symbol: syms.index([]byte("ZZZZ")), Price: 0, OrderQty: 5, ClOrdID: id("b1"),
		}, false, map[quickfix.Tag]string{
			fixtag.MsgType: "8", fixtag.OrderID: "NONE", fixtag.ExecType: "8", fixtag.OrdStatus: "8", fixtag.OrdRejReason: "1",
			fixtag.Symbol: "ZZZZ", fixtag.Text: "unknown symbol", fixtag.LeavesQty: "0", fixtag.CumQty: "0", fixtag.AvgPx: "0",
			fixtag.TimeInForce: "0", fixtag.Price: "-", fixtag.LastQty: "-", fixtag.LastPx: "-",
		}},
		{"market remainder", engine.Event{ExecID: 44, Time: ts, OrderID: 8, Kind: engine.EvCanceled, Status: engine.StatusCanceled,
			Side: engine.Buy, Type: engine.Market, TIF: engine.IOC, Symbol: 1, OrderQty: 10, CumQty: 4, LeavesQty: 0,
			Notional: 4 * 21, Text: engine.TextIOCRemainder, ClOrdID: id("m1")}, false, map[quickfix.Tag]string{
			fixtag.ExecType: "4", fixtag.OrdStatus: "4", fixtag.Symbol: "NICK", fixtag.OrdType: "1", fixtag.Price: "-", fixtag.AvgPx: "1.05",
			fixtag.TimeInForce: "3", fixtag.Text: "IOC remainder canceled", fixtag.LastQty: "-",
		}},
		{"replace", rep, false, map[quickfix.Tag]string{
			fixtag.ExecType: "5", fixtag.ClOrdID: "r2", fixtag.OrigClOrdID: "r1", fixtag.Price: "99.00", fixtag.OrderQty: "50", fixtag.LeavesQty: "50",
			fixtag.Text: "-",
		}},
		{"expired", exp, true, map[quickfix.Tag]string{fixtag.ExecType: "C", fixtag.OrdStatus: "C", fixtag.ExecTransType: "0"}},
		{"cancel reject", engine.Event{ExecID: 46, Time: ts, Kind: engine.EvCancelRejected, Status: engine.StatusRejected, Reason: engine.ReasonUnknownOrder,
			ResponseTo: 2, Text: engine.TextUnknownOrder, ClOrdID: id("x2"), OrigClOrdID: id("nope")}, false, map[quickfix.Tag]string{
			fixtag.MsgType: "9", fixtag.OrderID: "NONE", fixtag.ClOrdID: "x2", fixtag.OrigClOrdID: "nope", fixtag.OrdStatus: "8",
			fixtag.CxlRejResponseTo: "2", fixtag.CxlRejReason: "1", fixtag.Text: "unknown order", fixtag.TransactTime: "20240305-14:30:01.123456",
			fixtag.ExecType: "-", fixtag.ExecID: "-", fixtag.Symbol: "-", fixtag.LeavesQty: "-",
		}},
	}
	return append(cases, statusReportCases(ts)...)
}

func TestBuildReport(t *testing.T) {
	syms, _ := newSymbolTable(testSymbols())
	for _, c := range reportCases(syms) {
		ev := c.ev
		checkFields(t, c.what, body(t, buildReport(&ev, c.fix42, syms)), c.want)
	}
}

// TestReportBuilderReuse: one builder formatting reports one after the other,
// in every order of two cases, each sent the way QuickFIX sends it (header
// fields added, then serialized), gives the same bytes as a fresh message for
// each: no field of an earlier report survives into a later one.
func TestReportBuilderReuse(t *testing.T) {
	syms, _ := newSymbolTable(testSymbols())
	cases := reportCases(syms)
	// wire mimics session.prepMessageForSend: header fields, then the bytes.
	seq := 0
	wire := func(m *quickfix.Message) string {
		seq++
		m.Header.SetString(8, "FIX.4.4")
		m.Header.SetString(49, "ENGINE")
		m.Header.SetString(56, "CLIENT")
		m.Header.SetInt(34, seq)
		m.Header.SetString(52, "20240305-14:30:01.123")
		return m.String()
	}
	b := newReportBuilder()
	for _, first := range cases {
		for _, second := range cases {
			for _, c := range []reportCase{first, second} {
				ev := c.ev
				want := wire(buildReport(&ev, c.fix42, syms))
				seq--
				m := b.build(&ev, c.fix42, syms)
				checkFields(t, c.what+" after "+first.what, body(t, m), c.want)
				if got := wire(m); got != want {
					t.Fatalf("%s after %s: reused builder sent\n%q\nfresh message sends\n%q", c.what, first.what, got, want)
				}
			}
		}
	}
}

func TestLimiter(t *testing.T) {
	const sec = int64(time.Second)
	l := limiter{interval: sec / 10, tau: sec / 10 * 4} // 10/s, burst 5
	now := int64(1_000_000)
	n := 0
	for i := 0; i < 20; i++ {
		if l.allow(now) {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("burst allowed %d, want 5", n)
	}
	if l.allow(now + sec/20) {
		t.Fatal("allowed before a token was due")
	}
	if !l.allow(now + sec/10) {
		t.Fatal("refused after one interval")
	}
	n = 0
	for i := int64(0); i < 100; i++ { // one message every 50ms for 5s: half conform
		if l.allow(now + 2*sec + i*sec/20) {
			n++
		}
	}
	if n < 50 || n > 56 {
		t.Fatalf("steady state allowed %d of 100 at twice the rate", n)
	}
	var off limiter
	for i := 0; i < 3; i++ { // at one instant, more than any burst allows
		if !off.allow(0) {
			t.Fatalf("zero limiter limited message %d", i+1)
		}
	}
}

func TestEventQueue(t *testing.T) {
	var q eventQueue
	next, want := uint64(1), uint64(1)
	for round := 0; round < 50; round++ {
		for i := 0; i < round*7%23+1; i++ {
			q.push(&engine.Event{ExecID: next})
			next++
		}
		for i := 0; i < round*5%19 && q.len() > 0; i++ {
			if got := q.front().ExecID; got != want {
				t.Fatalf("round %d: front %d want %d", round, got, want)
			}
			q.pop()
			want++
		}
	}
	for q.len() > 0 {
		if q.front().ExecID != want {
			t.Fatalf("drain: front %d want %d", q.front().ExecID, want)
		}
		q.pop()
		want++
	}
	if want != next {
		t.Fatalf("drained up to %d, pushed up to %d", want, next)
	}
}

// TestReportBuilderRandom: random events of every kind and shape, more shapes
// than a builder caches, give the same bytes from one builder as from fresh
// messages.
func TestReportBuilderRandom(t *testing.T) {
	syms, _ := newSymbolTable(testSymbols())
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []engine.EventKind{engine.EvAccepted, engine.EvFill, engine.EvCanceled, engine.EvReplaced,
		engine.EvRejected, engine.EvExpired, engine.EvCancelRejected, engine.EvStatus, engine.EvMassCancelReport}
	id := func() engine.ID {
		if r.IntN(4) == 0 {
			return engine.ID{}
		}
		x, _ := engine.MakeID("c" + strconv.Itoa(r.IntN(1000)))
		return x
	}
	wire := func(m *quickfix.Message) string {
		m.Header.SetString(8, "FIX.4.4")
		m.Header.SetInt(34, 7)
		return m.String()
	}
	b := newReportBuilder()
	for i := range 3000 {
		ev := engine.Event{ExecID: uint64(i), Time: int64(i) * 1e9, OrderID: uint64(r.IntN(3)),
			Kind: kinds[r.IntN(len(kinds))], Status: engine.OrdStatus("0124568C"[r.IntN(8)]),
			Side: engine.Side(r.IntN(3)), Type: engine.OrdType(r.IntN(3)), TIF: engine.TIF(r.IntN(5)),
			Symbol: uint32(r.IntN(3)), Price: int64(r.IntN(2)) * 10025, OrderQty: 100, LastQty: 10, LastPx: 10030,
			CumQty: int64(r.IntN(100)), LeavesQty: 5, Notional: 1003000, Text: engine.Text(r.IntN(3)),
			ClOrdID: id(), OrigClOrdID: id(), Seq: uint64(i) + 1, ResponseTo: uint8(r.IntN(8)), Reason: engine.Reason(r.IntN(2))}
		fix42 := r.IntN(2) == 0
		want := wire(buildReport(&ev, fix42, syms))
		if got := wire(b.build(&ev, fix42, syms)); got != want {
			t.Fatalf("event %d %+v: builder sent\n%q\nfresh message sends\n%q", i, ev, got, want)
		}
	}
	if len(b.shapes) != maxShapes {
		t.Fatalf("%d shapes cached: the test did not reach the cache's bound (%d)", len(b.shapes), maxShapes)
	}
}
