package gateway

import (
	"bytes"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/marketdata"
)

// parsedV is a V as QuickFIX hands it to FromApp: parsed from its wire bytes
// (without a data dictionary), so msg.Bytes() is the wire text.
func parsedV(t *testing.T, body string) *quickfix.Message {
	t.Helper()
	raw := "35=V|49=C|56=ENGINE|34=2|52=20261203-12:00:00.000|" + body + "|"
	raw = strings.ReplaceAll(raw, "|", "\x01")
	full := "8=FIX.4.4\x019=" + itoa(len(raw)) + "\x01" + raw
	sum := 0
	for i := 0; i < len(full); i++ {
		sum += int(full[i])
	}
	full += "10=" + string([]byte{byte('0' + sum%256/100), byte('0' + sum%256/10%10), byte('0' + sum%256%10)}) + "\x01"
	m := quickfix.NewMessage()
	if err := quickfix.ParseMessage(m, bytes.NewBufferString(full)); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFromAppMarketData: with a feed configured, a D still allocates nothing,
// a V is dispatched (subscribed, or refused with a Reject or a Y), and a FIX 4.2
// session's V gets a BusinessMessageReject.
func TestFromAppMarketData(t *testing.T) {
	feed := marketdata.NewFeed(marketdata.Options{Symbols: len(testSymbols())})
	t.Cleanup(feed.Close)
	gw, err := New(Options{DataDir: t.TempDir(), Port: 1, Symbols: testSymbols(), Sink: &countSink{}, RatePerSecond: -1, MarketData: feed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Stop)
	sid := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "MD"}
	gw.addSession(sid, 1)
	a := app{gw}
	d := parsedMsg(t, "35=D|11=order-1|55=AAPL|54=1|38=100|40=2|44=100.25|59=1")
	if n := testing.AllocsPerRun(200, func() { a.FromApp(d, sid) }); n != 0 {
		t.Fatalf("%v allocs per FromApp of a D with a feed configured, want 0", n)
	}

	if rej := a.FromApp(parsedV(t, "262=m1|263=1|264=0|267=2|269=0|269=1|146=1|55=AAPL"), sid); rej != nil {
		t.Fatalf("V refused: %v", rej)
	}
	if st := feed.Stats(); st.Subscriptions != 1 || gw.Counters.MarketDataRequests.Load() != 1 {
		t.Fatalf("after a V: feed %+v, MarketDataRequests %d", st, gw.Counters.MarketDataRequests.Load())
	}
	// A duplicate: a Y (SendToTarget fails here, the session is not logged on:
	// logged, counted all the same), nothing new subscribed.
	if rej := a.FromApp(parsedV(t, "262=m1|263=1|264=0|267=1|269=0|146=1|55=AAPL"), sid); rej != nil {
		t.Fatalf("duplicate V: %v, want a Y", rej)
	}
	if feed.Stats().Subscriptions != 1 || gw.Counters.MarketDataRejects.Load() != 1 {
		t.Fatalf("after a duplicate: feed %+v, MarketDataRejects %d", feed.Stats(), gw.Counters.MarketDataRejects.Load())
	}
	rej := a.FromApp(parsedV(t, "262=m2|263=1|264=0|267=2|269=0|146=1|55=AAPL"), sid)
	if rej == nil || rej.RejectReason() != sessRejGroupCount || rej.IsBusinessReject() || gw.Counters.MessageRejects[RejectBadValue].Load() != 1 {
		t.Fatalf("count mismatch: %v", rej)
	}
	if rej := a.FromApp(parsedV(t, "262=m1|263=2"), sid); rej != nil || feed.Stats().Subscriptions != 0 {
		t.Fatalf("unsubscribe: %v, feed %+v", rej, feed.Stats())
	}
	// Logout drops the client.
	a.OnLogout(sid)
	if st := feed.Stats(); st.Clients != 0 {
		t.Fatalf("after logout: feed %+v", st)
	}

	sid42 := quickfix.SessionID{BeginString: "FIX.4.2", SenderCompID: DefaultCompID, TargetCompID: "MD42"}
	gw.addSession(sid42, 2)
	rej = a.FromApp(parsedV(t, "262=m1|263=1|264=0|267=1|269=0|146=1|55=AAPL"), sid42)
	if rej == nil || !rej.IsBusinessReject() || rej.RejectReason() != bizRejUnsupportedMsgType {
		t.Fatalf("FIX 4.2 V: %v", rej)
	}
}
