package gateway

import (
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
)

// TestBadCheckSumDiscarded: an order whose CheckSum(10) is wrong or not three
// digits is discarded, as FIX says: not acknowledged, not submitted, and its
// MsgSeqNum not consumed, so the same number on the corrected order is
// accepted (a consumed number would make it "too low" and end the session).
// QuickFIX/Go did not check the checksum at all (PATCH.md, 2).
func TestBadCheckSumDiscarded(t *testing.T) {
	t.Parallel()
	gw, _ := startGateway(t, Options{RatePerSecond: -1})
	c := dialRaw(t, gw.opts.Port, "FIX.4.4", "CKSUM", DefaultCompID)
	c.logon("")
	c.readUntil("A")
	for _, cs := range []string{"007", "ABC", "07", "0070"} {
		c.writeWire("35=D|11=bad-"+cs+"|55=AAPL|54=1|38=10|40=2|44=1.00", cs)
		c.seq-- // discarded: the number is still free
	}
	c.writeWire("35=D|11=good|55=AAPL|54=1|38=10|40=2|44=1.00", "auto")
	m := c.readUntil("8")
	if m[fixtag.ClOrdID] != "good" || m[fixtag.ExecType] != "0" {
		t.Fatalf("first report %v, want the ack of good", m)
	}
	// The session is in step: a TestRequest with the next number is answered.
	c.write("35=1|112=ping")
	if hb := c.readUntil("0"); hb[112] != "ping" {
		t.Fatalf("heartbeat %v", hb)
	}
	if n := gw.Counters.OrdersIn.Load(); n != 1 {
		t.Fatalf("OrdersIn %d, want 1", n)
	}
	// Each discarded message is counted (and logged at warn, log.go).
	if n := gw.Counters.MessagesDiscarded.Load(); n != 4 {
		t.Fatalf("MessagesDiscarded %d, want 4", n)
	}
}

// TestBadCheckSumLogon: a Logon with a wrong CheckSum(10) is not answered and
// its connection is closed; the same client then logs on normally.
func TestBadCheckSumLogon(t *testing.T) {
	t.Parallel()
	gw, _ := startGateway(t, Options{RatePerSecond: -1})
	c := dialRaw(t, gw.opts.Port, "FIX.4.4", "CKSUM_A", DefaultCompID)
	c.writeWire("35=A|98=0|108=30", "007")
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if m := c.read(); m != nil {
		t.Fatalf("answered %v, want the connection closed", m)
	}
	if n := gw.Counters.LogonsAccepted.Load(); n != 0 {
		t.Fatalf("LogonsAccepted %d", n)
	}
	c = dialRaw(t, gw.opts.Port, "FIX.4.4", "CKSUM_A", DefaultCompID)
	c.writeWire("35=A|98=0|108=30", "auto")
	if m := c.read(); m == nil || m[fixtag.MsgType] != "A" || m[fixtag.MsgSeqNum] != "1" {
		t.Fatalf("got %v, want the Logon", m)
	}
}
