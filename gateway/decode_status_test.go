package gateway

import (
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// TestDecodeStatusAndMassCancel: OrderStatusRequest (H) and
// OrderMassCancelRequest (q) decode into the commands engine/types.go
// describes.
func TestDecodeStatusAndMassCancel(t *testing.T) {
	d := newTestDecoder(t)
	id := func(s string) engine.ID { x, _ := engine.MakeID(s); return x }
	for _, tc := range []struct {
		name string
		msg  string
		want engine.Command
	}{
		{"status", "35=H|11=a1|55=AAPL|54=1",
			engine.Command{Kind: engine.KindStatus, Side: engine.Buy, Symbol: 0, OrigClOrdID: id("a1")}},
		{"status with OrdStatusReqID", "35=H|11=a1|55=NICK|54=2|790=req-1|37=12",
			engine.Command{Kind: engine.KindStatus, Side: engine.Sell, Symbol: 1, OrigClOrdID: id("a1"), ClOrdID: id("req-1")}},
		{"status unknown symbol", "35=H|11=a1|55=ZZZZ|54=1",
			engine.Command{Kind: engine.KindStatus, Side: engine.Buy, Symbol: engine.NoSymbol, OrigClOrdID: id("a1")}},
		{"status 39-byte ids", "35=H|11=" + strings.Repeat("o", 39) + "|55=AAPL|54=1|790=" + strings.Repeat("r", 39),
			engine.Command{Kind: engine.KindStatus, Side: engine.Buy, OrigClOrdID: id(strings.Repeat("o", 39)), ClOrdID: id(strings.Repeat("r", 39))}},
		{"mass cancel by symbol", "35=q|11=m1|530=1|55=NICK",
			engine.Command{Kind: engine.KindMassCancel, Type: engine.MassBySymbol, Symbol: 1, ClOrdID: id("m1")}},
		{"mass cancel by symbol, one side", "35=q|11=m1|530=1|55=AAPL|54=2",
			engine.Command{Kind: engine.KindMassCancel, Type: engine.MassBySymbol, Symbol: 0, Side: engine.Sell, ClOrdID: id("m1")}},
		{"mass cancel unknown symbol", "35=q|11=m1|530=1|55=ZZZZ",
			engine.Command{Kind: engine.KindMassCancel, Type: engine.MassBySymbol, Symbol: engine.NoSymbol, ClOrdID: id("m1")}},
		{"mass cancel all", "35=q|11=m2|530=7",
			engine.Command{Kind: engine.KindMassCancel, Type: engine.MassAll, Symbol: engine.NoSymbol, ClOrdID: id("m2")}},
		{"mass cancel all ignores Symbol", "35=q|11=m2|530=7|55=AAPL|54=1",
			engine.Command{Kind: engine.KindMassCancel, Type: engine.MassAll, Symbol: engine.NoSymbol, Side: engine.Buy, ClOrdID: id("m2")}},
		{"mass cancel unsupported type goes to the engine", "35=q|11=m3|530=3|55=AAPL",
			engine.Command{Kind: engine.KindMassCancel, Type: 3, Symbol: engine.NoSymbol, ClOrdID: id("m3")}},
		{"mass cancel type 99", "35=q|11=m4|530=99",
			engine.Command{Kind: engine.KindMassCancel, Type: 99, Symbol: engine.NoSymbol, ClOrdID: id("m4")}},
	} {
		var cmd engine.Command
		cmd.Owner, cmd.Qty = 77, 5 // decode resets everything but leaves Owner to the caller
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

// TestDecodeStatusAndMassCancelRefused: malformed H and q are refused with the
// right kind, tag and SessionRejectReason.
func TestDecodeStatusAndMassCancelRefused(t *testing.T) {
	d := newTestDecoder(t)
	long := strings.Repeat("x", engine.MaxIDLen+1)
	for _, tc := range []struct {
		msg    string
		kind   RejectKind
		tag    quickfix.Tag
		reason int
	}{
		{"35=H|55=AAPL|54=1", RejectMissingTag, fixtag.ClOrdID, 1},
		{"35=H|11=|55=AAPL|54=1", RejectMissingTag, fixtag.ClOrdID, 1},
		{"35=H|11=a|54=1", RejectMissingTag, fixtag.Symbol, 1},
		{"35=H|11=a|55=AAPL", RejectMissingTag, fixtag.Side, 1},
		{"35=H|11=a|55=AAPL|54=5", RejectBadValue, fixtag.Side, 5},
		{"35=H|11=" + long + "|55=AAPL|54=1", RejectIDTooLong, fixtag.ClOrdID, 5},
		{"35=H|11=a|55=AAPL|54=1|790=" + long, RejectIDTooLong, fixtag.OrdStatusReqID, 5},
		{"35=H|11=a|55=AAPL|54=1|790=", RejectBadValue, fixtag.OrdStatusReqID, 5},
		{"35=q|530=7", RejectMissingTag, fixtag.ClOrdID, 1},
		{"35=q|11=" + long + "|530=7", RejectIDTooLong, fixtag.ClOrdID, 5},
		{"35=q|11=m", RejectMissingTag, fixtag.MassCancelRequestType, 1},
		{"35=q|11=m|530=", RejectMissingTag, fixtag.MassCancelRequestType, 1},
		{"35=q|11=m|530=A", RejectBadFormat, fixtag.MassCancelRequestType, 6},
		{"35=q|11=m|530=-1", RejectBadFormat, fixtag.MassCancelRequestType, 6},
		{"35=q|11=m|530=1.0", RejectBadFormat, fixtag.MassCancelRequestType, 6},
		{"35=q|11=m|530=0", RejectBadValue, fixtag.MassCancelRequestType, 5},
		{"35=q|11=m|530=100", RejectBadValue, fixtag.MassCancelRequestType, 5},
		{"35=q|11=m|530=99999999999999999999", RejectBadValue, fixtag.MassCancelRequestType, 5},
		{"35=q|11=m|530=1", RejectMissingTag, fixtag.Symbol, 1},
		{"35=q|11=m|530=1|55=", RejectMissingTag, fixtag.Symbol, 1},
		{"35=q|11=m|530=7|54=3", RejectBadValue, fixtag.Side, 5},
		{"35=q|11=m|530=7|54=", RejectBadValue, fixtag.Side, 5},
		{"35=r|11=m|530=7", RejectUnsupportedMsgType, 0, bizRejUnsupportedMsgType},
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
		if e.RejectReason() != tc.reason || e.IsBusinessReject() != (tc.kind == RejectUnsupportedMsgType) {
			t.Errorf("%s: reject reason %d business %v, want %d", tc.msg, e.RejectReason(), e.IsBusinessReject(), tc.reason)
		}
		if tc.kind == RejectUnsupportedMsgType && !strings.Contains(e.Error(), "only D, F, G, H, q and V are accepted") {
			t.Errorf("%s: text %q", tc.msg, e.Error())
		}
	}
}

// TestFromAppStatusAndMassCancel: H and q go through FromApp to the sink
// with the session's owner, allocation-free once warm; a malformed one is
// answered with a Reject, reaches nothing, and the next message is taken.
func TestFromAppStatusAndMassCancel(t *testing.T) {
	sink := &countSink{}
	gw := newIdleGateway(t, sink)
	sid := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "HQALLOC"}
	gw.addSession(sid, 5)
	a := app{gw}
	for _, spec := range []string{"35=H|11=order-1|55=AAPL|54=1|790=st-1", "35=q|11=mc-1|530=7|54=2"} {
		msg := parsedMsg(t, spec)
		if rej := a.FromApp(msg, sid); rej != nil {
			t.Fatalf("%s: %v", spec, rej)
		}
		if sink.last.Owner != 5 || (sink.last.Kind != engine.KindStatus && sink.last.Kind != engine.KindMassCancel) {
			t.Fatalf("%s: submitted %+v", spec, sink.last)
		}
		if n := testing.AllocsPerRun(200, func() { a.FromApp(msg, sid) }); n != 0 {
			t.Errorf("%s: %v allocs per FromApp, want 0", spec, n)
		}
	}
	n := sink.n
	rej := a.FromApp(fixMsg("35=q|11=mc-2|530=X"), sid)
	if rej == nil || rej.RejectReason() != sessRejIncorrectFormat || rej.IsBusinessReject() || sink.n != n {
		t.Fatalf("malformed q: reject %v, %d submitted", rej, sink.n-n)
	}
	if gw.Counters.MessageRejects[RejectBadFormat].Load() != 1 {
		t.Fatal("malformed q not counted")
	}
	if rej := a.FromApp(fixMsg("35=H|11=order-1|55=AAPL|54=2"), sid); rej != nil || sink.n != n+1 {
		t.Fatalf("H after a refused q: %v", rej)
	}
}
