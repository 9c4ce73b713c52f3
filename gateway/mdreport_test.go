package gateway

import (
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

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
