package gateway

import (
	"strconv"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// TestMalformedOrdersOnTheWire sends, over a real socket and byte for byte
// (QuickFIX's own builder cannot write a tag twice), orders with a repeated
// tag and with prices that are not numbers or too long: each gets a Reject(3)
// with the right SessionRejectReason and RefTagID, nothing reaches the
// engine, and the session goes on. Before: the last of two OrderQty was
// traded, and such prices were journaled as 0 and rejected by the engine as
// "price must be greater than zero".
func TestMalformedOrdersOnTheWire(t *testing.T) {
	t.Parallel()
	gw, _ := startGateway(t, Options{RatePerSecond: -1})
	c := dialRaw(t, gw.opts.Port, "FIX.4.4", "MALFORMED", DefaultCompID)
	c.logon("")
	c.readUntil("A")
	for _, tc := range []struct {
		spec   string
		reason string
		tag    quickfix.Tag
		text   string
	}{
		{"35=D|11=d1|55=AAPL|54=1|38=10|40=2|44=1.00|38=20", "13", fixtag.OrderQty, "tag appears more than once: OrderQty(38)"},
		{"35=D|11=d2|55=AAPL|54=1|38=10|40=2|44=1.00|44=2.00", "13", fixtag.Price, "tag appears more than once: Price(44)"},
		{"35=D|11=p1|55=AAPL|54=1|38=10|40=2|44=abc", "6", fixtag.Price, `Price(44) is not a number, got "abc"`},
		{"35=D|11=p2|55=AAPL|54=1|38=10|40=2|44=123456789012345678901234567890", "6", fixtag.Price, "Price(44) has too many digits"},
		{"35=G|11=p3|41=d0|55=AAPL|54=1|38=10|40=2|44=1..5", "6", fixtag.Price, "Price(44) is not a number"},
	} {
		c.writeWire(tc.spec, "auto")
		m := c.read()
		if m == nil || m[fixtag.MsgType] != fixtag.MsgTypeReject || m[373] != tc.reason || m[371] != strconv.Itoa(int(tc.tag)) ||
			!strings.Contains(m[fixtag.Text], tc.text) {
			t.Fatalf("%s: got %v, want Reject 373=%s 371=%d %q", tc.spec, m, tc.reason, tc.tag, tc.text)
		}
	}
	c.writeWire("35=D|11=ok|55=AAPL|54=1|38=10|40=2|44=1.00", "auto")
	if m := c.readUntil("8"); m[fixtag.ClOrdID] != "ok" || m[fixtag.ExecType] != "0" || m[fixtag.OrderQty] != "10" {
		t.Fatalf("got %v, want the ack of ok", m)
	}
	if n := gw.Counters.OrdersIn.Load(); n != 1 {
		t.Fatalf("OrdersIn %d, want 1", n)
	}
}
