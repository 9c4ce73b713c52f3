package gateway

import (
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

func testSymbols() []engine.SymbolConfig {
	return []engine.SymbolConfig{
		{Name: "AAPL", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1_000_000},
		{Name: "NICK", TickDecimals: 2, TickSize: 5, MinPrice: 1, MaxPrice: 1_000_000},
	}
}

func newTestDecoder(t testing.TB) *decoder {
	syms, err := newSymbolTable(testSymbols())
	if err != nil {
		t.Fatal(err)
	}
	return &decoder{syms: syms}
}

// fixMsg builds a message from "35=D|11=a|..." (header tag 35 only).
func fixMsg(spec string) *quickfix.Message {
	m := quickfix.NewMessage()
	for _, kv := range strings.Split(spec, "|") {
		k, v, _ := strings.Cut(kv, "=")
		var tag int
		for _, c := range k {
			tag = tag*10 + int(c-'0')
		}
		if tag == 35 {
			m.Header.SetString(quickfix.Tag(tag), v)
		} else {
			m.Body.SetString(quickfix.Tag(tag), v)
		}
	}
	return m
}

func TestDecode(t *testing.T) {
	d := newTestDecoder(t)
	id := func(s string) engine.ID { x, _ := engine.MakeID(s); return x }
	for _, tc := range []struct {
		name string
		msg  string
		want engine.Command
	}{
		{"limit day", "35=D|11=a1|55=AAPL|54=1|38=100|40=2|44=100.25",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, TIF: engine.Day, Symbol: 0, Price: 10025, Qty: 100, ClOrdID: id("a1")}},
		{"market ioc ignores price", "35=D|11=a2|55=NICK|54=2|38=5|40=1|59=3|44=junk",
			engine.Command{Kind: engine.KindNew, Side: engine.Sell, Type: engine.Market, TIF: engine.IOC, Symbol: 1, Qty: 5, ClOrdID: id("a2")}},
		{"gtc", "35=D|11=a3|55=AAPL|54=1|38=1|40=2|59=1|44=1",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, TIF: engine.GTC, Price: 100, Qty: 1, ClOrdID: id("a3")}},
		{"fok", "35=D|11=a4|55=AAPL|54=1|38=1|40=2|59=4|44=1",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, TIF: engine.FOK, Price: 100, Qty: 1, ClOrdID: id("a4")}},
		{"limit without price", "35=D|11=a5|55=AAPL|54=1|38=10|40=2",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Qty: 10, ClOrdID: id("a5")}},
		{"off tick", "35=D|11=a6|55=NICK|54=1|38=10|40=2|44=1.07",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Symbol: 1, Qty: 10, Invalid: engine.InvalidTick, ClOrdID: id("a6")}},
		{"negative price", "35=D|11=a8|55=AAPL|54=1|38=10|40=2|44=-1",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Qty: 10, Price: -100, ClOrdID: id("a8")}},
		{"fractional qty wins over off-tick price", "35=D|11=a9|55=AAPL|54=1|38=1.5|40=2|44=1.001",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Invalid: engine.InvalidQty, ClOrdID: id("a9")}},
		{"price with 19 digits fits", "35=D|11=a7|55=AAPL|54=1|38=10|40=2|44=92233720368547758.07",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Qty: 10, Price: 1<<63 - 1, ClOrdID: id("a7")}},
		{"unknown symbol, long price", "35=D|11=b3|55=ZZZZ|54=1|38=1|40=2|44=9223372036854775807.99",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Symbol: 2, Qty: 1, ClOrdID: id("b3")}},
		{"zero qty", "35=D|11=b1|55=AAPL|54=1|38=0|40=2|44=1",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Price: 100, ClOrdID: id("b1")}},
		{"unknown symbol", "35=D|11=b2|55=ZZZZ|54=1|38=1|40=2|44=1",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Symbol: 2, Qty: 1, ClOrdID: id("b2")}},
		{"cancel", "35=F|11=c1|41=a1|55=AAPL|54=1",
			engine.Command{Kind: engine.KindCancel, Side: engine.Buy, ClOrdID: id("c1"), OrigClOrdID: id("a1")}},
		{"cancel unknown symbol", "35=F|11=c2|41=a1|55=QQQQ|54=2",
			engine.Command{Kind: engine.KindCancel, Side: engine.Sell, Symbol: engine.NoSymbol, ClOrdID: id("c2"), OrigClOrdID: id("a1")}},
		{"replace", "35=G|11=r1|41=a1|55=AAPL|54=1|38=50|40=2|44=99.5|59=1",
			engine.Command{Kind: engine.KindReplace, Side: engine.Buy, Type: engine.Limit, TIF: engine.GTC, Price: 9950, Qty: 50, ClOrdID: id("r1"), OrigClOrdID: id("a1")}},
		{"39-byte ClOrdID", "35=D|11=" + strings.Repeat("x", 39) + "|55=AAPL|54=1|38=1|40=1",
			engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Market, Qty: 1, ClOrdID: id(strings.Repeat("x", 39))}},
	} {
		var cmd engine.Command
		cmd.Owner = 77 // decode leaves Owner to the caller but resets everything
		de, ok := d.decode(fixMsg(tc.msg), &cmd)
		if !ok {
			t.Errorf("%s: refused: %+v", tc.name, de)
			continue
		}
		if cmd != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, cmd, tc.want)
		}
	}
}

func TestDecodeRefused(t *testing.T) {
	d := newTestDecoder(t)
	long := strings.Repeat("x", engine.MaxIDLen+1)
	for _, tc := range []struct {
		msg  string
		kind RejectKind
		tag  quickfix.Tag
	}{
		{"35=D|55=AAPL|54=1|38=1|40=2|44=1", RejectMissingTag, fixtag.ClOrdID},
		{"35=D|11=|55=AAPL|54=1|38=1|40=2|44=1", RejectMissingTag, fixtag.ClOrdID},
		{"35=D|11=a|54=1|38=1|40=2|44=1", RejectMissingTag, fixtag.Symbol},
		{"35=D|11=a|55=AAPL|38=1|40=2|44=1", RejectMissingTag, fixtag.Side},
		{"35=D|11=a|55=AAPL|54=1|40=2|44=1", RejectMissingTag, fixtag.OrderQty},
		{"35=D|11=a|55=AAPL|54=1|38=1|44=1", RejectMissingTag, fixtag.OrdType},
		{"35=D|11=a|55=AAPL|54=3|38=1|40=2|44=1", RejectBadValue, fixtag.Side},
		{"35=D|11=a|55=AAPL|54=11|38=1|40=2|44=1", RejectBadValue, fixtag.Side},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=3|44=1", RejectBadValue, fixtag.OrdType},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=2|44=1|59=2", RejectBadValue, fixtag.TimeInForce},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=2|44=1|59=", RejectBadValue, fixtag.TimeInForce},
		{"35=D|11=a|55=AAPL|54=1|38=ten|40=2|44=1", RejectBadFormat, fixtag.OrderQty},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=2|44=abc", RejectBadFormat, fixtag.Price},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=2|44=1,5", RejectBadFormat, fixtag.Price},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=2|44=", RejectBadFormat, fixtag.Price},
		{"35=D|11=a|55=AAPL|54=1|38=1|40=2|44=123456789012345678901234567890", RejectBadFormat, fixtag.Price},
		{"35=D|11=a|55=AAPL|54=1|38=1.5|40=2|44=x", RejectBadFormat, fixtag.Price},
		{"35=D|11=a|55=ZZZZ|54=1|38=1|40=2|44=abc", RejectBadFormat, fixtag.Price},
		{"35=D|11=a|55=ZZZZ|54=1|38=1|40=2|44=99999999999999999999", RejectBadFormat, fixtag.Price},
		{"35=G|11=r|41=a|55=AAPL|54=1|38=1|40=2|44=abc", RejectBadFormat, fixtag.Price},
		{"35=D|11=" + long + "|55=AAPL|54=1|38=1|40=2|44=1", RejectIDTooLong, fixtag.ClOrdID},
		{"35=F|11=c|55=AAPL|54=1", RejectMissingTag, fixtag.OrigClOrdID},
		{"35=F|11=c|41=" + long + "|55=AAPL|54=1", RejectIDTooLong, fixtag.OrigClOrdID},
		{"35=F|11=c|41=a|54=1", RejectMissingTag, fixtag.Symbol},
		{"35=F|11=c|41=a|55=AAPL", RejectMissingTag, fixtag.Side},
		{"35=G|11=r|41=a|55=AAPL|54=1|40=2|44=1", RejectMissingTag, fixtag.OrderQty},
		{"35=G|11=r|41=a|55=AAPL|54=1|38=1|44=1", RejectMissingTag, fixtag.OrdType},
		{"35=R|131=q", RejectUnsupportedMsgType, 0},
		{"35=AE|571=x", RejectUnsupportedMsgType, 0},
	} {
		var cmd engine.Command
		de, ok := d.decode(fixMsg(tc.msg), &cmd)
		if ok {
			t.Errorf("%s: accepted as %+v", tc.msg, cmd)
			continue
		}
		if de.kind != tc.kind || de.tag != tc.tag || de.text == "" {
			t.Errorf("%s: got kind %v tag %d text %q; want kind %v tag %d", tc.msg, de.kind, de.tag, de.text, tc.kind, tc.tag)
		}
		e := de.messageReject()
		if e.Error() == "" || (e.IsBusinessReject() != (tc.kind == RejectUnsupportedMsgType)) {
			t.Errorf("%s: reject %+v", tc.msg, e)
		}
	}
}

// TestDecodeNoAllocs asserts the gateway's part of the inbound path allocates
// nothing once warm.
func TestDecodeNoAllocs(t *testing.T) {
	d := newTestDecoder(t)
	for _, spec := range []string{
		"35=D|11=order-1|55=AAPL|54=1|38=100|40=2|44=100.25|59=1|60=20240101-00:00:00",
		"35=D|11=order-2|55=NICK|54=2|38=100|40=1",
		"35=D|11=order-3|55=ZZZZ|54=2|38=100|40=2|44=1", // unknown name interned on first sight
		"35=F|11=cxl-1|41=order-1|55=AAPL|54=1",
		"35=G|11=rpl-1|41=order-1|55=AAPL|54=1|38=90|40=2|44=100.30",
		"35=H|11=order-1|55=AAPL|54=1|790=st-1",
		"35=H|11=order-1|55=ZZZZ|54=1",
		"35=q|11=mc-1|530=1|55=AAPL|54=2|60=20240101-00:00:00",
		"35=q|11=mc-2|530=7",
		"35=q|11=mc-3|530=1|55=ZZZZ",
		// A repeating group (Parties) is no duplicate; the scan costs nothing.
		"35=D|11=order-4|55=AAPL|54=1|38=100|40=2|44=100.25|453=2|448=A|447=D|452=1|448=B|447=D|452=3",
	} {
		msg := parsedMsg(t, spec) // as off the wire: decode scans msg.Bytes()
		var cmd engine.Command
		if _, ok := d.decode(msg, &cmd); !ok {
			t.Fatalf("%s refused", spec)
		}
		if n := testing.AllocsPerRun(200, func() { d.decode(msg, &cmd) }); n != 0 {
			t.Errorf("%s: %v allocs per decode, want 0", spec, n)
		}
	}
}

func BenchmarkDecodeNewOrder(b *testing.B) {
	d := newTestDecoder(b)
	msg := parsedMsg(b, "35=D|11=order-1|55=AAPL|54=1|38=100|40=2|44=100.25|59=1")
	var cmd engine.Command
	b.ReportAllocs()
	for b.Loop() {
		d.decode(msg, &cmd)
	}
}

func TestSymbolTableUnknownRing(t *testing.T) {
	syms, err := newSymbolTable(testSymbols())
	if err != nil {
		t.Fatal(err)
	}
	a := syms.index([]byte("ZZZZ"))
	if a < 2 || a == engine.NoSymbol || syms.name(a) != "ZZZZ" || syms.config(a) != nil {
		t.Fatalf("unknown ZZZZ -> %d %q", a, syms.name(a))
	}
	if b := syms.index([]byte("ZZZZ")); b != a {
		t.Fatalf("same unknown name got %d then %d", a, b)
	}
	long := strings.Repeat("Q", 200)
	if got := syms.name(syms.index([]byte(long))); got != long[:maxUnknownSymbolLen] {
		t.Fatalf("long name kept as %q", got)
	}
	for i := 0; i < unknownSlots; i++ {
		syms.index([]byte("U" + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + string(rune('A'+i/26%26))))
	}
	if len(syms.unknownIdx) > unknownSlots {
		t.Fatalf("unknown index holds %d names, bound %d", len(syms.unknownIdx), unknownSlots)
	}
	if syms.name(engine.NoSymbol) != "" {
		t.Fatal("NoSymbol has a name")
	}
}
