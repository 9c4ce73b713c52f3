package gateway

import (
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/marketdata"
)

// body returns a built message's wire text from MsgType to before the
// CheckSum, with | for SOH.
func wireBody(m *quickfix.Message) string {
	s := strings.ReplaceAll(m.String(), "\x01", "|")
	s = s[strings.Index(s, "35="):]
	return s[:strings.LastIndex(s, "10=")]
}

func TestBuildRefresh(t *testing.T) {
	nick := &testSymbols()[1] // tick 0.05
	w := &marketdata.Refresh{Full: true, Symbol: 1, Seq: 7, Entries: []marketdata.Entry{
		{Type: marketdata.Bid, Price: 2001, Size: 30, Orders: 2},
		{Type: marketdata.Offer, Price: 2002, Size: 5, Orders: 1},
	}}
	if got, want := wireBody(buildRefresh("m1", w, nick)),
		"35=W|55=NICK|262=m1|268=2|269=0|270=100.05|271=30|346=2|269=1|270=100.10|271=5|346=1|"; got != want {
		t.Errorf("W:\n got %s\nwant %s", got, want)
	}
	empty := &marketdata.Refresh{Full: true, Symbol: 1}
	if got, want := wireBody(buildRefresh("m1", empty, nick)), "35=W|55=NICK|262=m1|268=0|"; got != want {
		t.Errorf("empty W:\n got %s\nwant %s", got, want)
	}
	x := &marketdata.Refresh{Symbol: 1, Seq: 8, Entries: []marketdata.Entry{
		{Action: marketdata.New, Type: marketdata.Trade, Price: 2002, Size: 5},
		{Action: marketdata.Delete, Type: marketdata.Offer, Price: 2002},
		{Action: marketdata.Change, Type: marketdata.Bid, Price: 2001, Size: 25, Orders: 1},
	}}
	if got, want := wireBody(buildRefresh("m1", x, nick)),
		"35=X|262=m1|268=3|279=0|269=2|55=NICK|270=100.10|271=5|"+
			"279=2|269=1|55=NICK|270=100.10|271=0|346=0|279=1|269=0|55=NICK|270=100.05|271=25|346=1|"; got != want {
		t.Errorf("X:\n got %s\nwant %s", got, want)
	}
}

// TestBuildIncrementalBatch: a batch of refreshes of two symbols (and two
// commands of one) is one X whose entries are every refresh's, in order, each
// with its refresh's Symbol and tick.
func TestBuildIncrementalBatch(t *testing.T) {
	syms := testSymbols()
	rs := []*marketdata.Refresh{
		{Symbol: 1, Seq: 8, Entries: []marketdata.Entry{
			{Type: marketdata.Trade, Price: 2002, Size: 5},
			{Action: marketdata.Delete, Type: marketdata.Offer, Price: 2002},
		}},
		{Symbol: 0, Seq: 9, Entries: []marketdata.Entry{{Action: marketdata.New, Type: marketdata.Bid, Price: 1001, Size: 7, Orders: 1}}},
		{Symbol: 1, Seq: 10, Entries: []marketdata.Entry{{Action: marketdata.Change, Type: marketdata.Bid, Price: 2001, Size: 25, Orders: 3}}},
	}
	got := wireBody(buildIncremental("m1", rs, func(i uint32) *engine.SymbolConfig { return &syms[i] }))
	want := "35=X|262=m1|268=4|279=0|269=2|55=NICK|270=100.10|271=5|" +
		"279=2|269=1|55=NICK|270=100.10|271=0|346=0|" +
		"279=0|269=0|55=AAPL|270=10.01|271=7|346=1|" +
		"279=1|269=0|55=NICK|270=100.05|271=25|346=3|"
	if got != want {
		t.Errorf("batch X:\n got %s\nwant %s", got, want)
	}
	// One refresh through buildRefresh is the same X as a batch of one.
	if one, batch := wireBody(buildRefresh("m1", rs[0], &syms[1])),
		wireBody(buildIncremental("m1", rs[:1], func(uint32) *engine.SymbolConfig { return &syms[1] })); one != batch {
		t.Errorf("X of one refresh:\n %s\nas a batch:\n %s", one, batch)
	}
}

// TestSendBatchRefuses: mdClient.SendBatch sends nothing for a batch with a W
// or an unknown symbol index.
func TestSendBatchRefuses(t *testing.T) {
	gw, err := New(Options{DataDir: t.TempDir(), Port: 1, Symbols: testSymbols(), Sink: &countSink{}, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Stop)
	c := &mdClient{g: gw, sid: quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "MD"}}
	x := &marketdata.Refresh{Symbol: 0, Entries: []marketdata.Entry{{Action: marketdata.New, Type: marketdata.Bid, Price: 1, Size: 1, Orders: 1}}}
	for name, rs := range map[string][]*marketdata.Refresh{
		"W":              {x, {Full: true, Symbol: 0}},
		"unknown symbol": {x, {Symbol: 9, Entries: x.Entries}},
	} {
		if err := c.SendBatch("m1", rs); err == nil || !strings.Contains(err.Error(), "gateway: market-data batch") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBuildMDReject(t *testing.T) {
	if got, want := wireBody(buildMDReject(&mdReject{reqID: "m1", reason: mdRejUnknownSymbol, text: "unknown symbol"})),
		"35=Y|58=unknown symbol|262=m1|281=0|"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := wireBody(buildMDReject(&mdReject{reqID: "m2", reason: mdRejNone, text: "unknown MDReqID"})),
		"35=Y|58=unknown MDReqID|262=m2|"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
