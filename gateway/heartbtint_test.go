package gateway

import (
	"strings"
	"testing"

	"github.com/openmatch/matchd/internal/fixtag"
)

// TestLogonHeartBtInt: a Logon whose HeartBtInt(108) is 0, negative, huge,
// not a number or missing is refused with a Logout saying so (QuickFIX/Go
// accepted 0 and negative values and timed the session out a second later),
// counted and logged; 1 and 3600 are accepted.
func TestLogonHeartBtInt(t *testing.T) {
	t.Parallel()
	gw, logs := startGateway(t, Options{RatePerSecond: -1})
	port := gw.opts.Port
	for i, v := range []string{"0", "-30", "3601", "9999999999", "abc", "", "none"} {
		c := dialRaw(t, port, "FIX.4.4", "HB_BAD"+string(rune('A'+i)), DefaultCompID)
		spec := "35=A|98=0|108=" + v
		if v == "none" {
			spec = "35=A|98=0"
		}
		c.writeWire(spec, "auto")
		m := c.read()
		if m == nil || m[fixtag.MsgType] != "5" || !strings.Contains(m[fixtag.Text], "HeartBtInt(108)") {
			t.Fatalf("108=%s: got %v, want a Logout about HeartBtInt(108)", v, m)
		}
		c.expectClosed()
	}
	if got := gw.Counters.LogonsRefused[RefusedInvalidLogon].Load(); got != 7 {
		t.Errorf("LogonsRefused[invalid_logon] = %d, want 7", got)
	}
	if !strings.Contains(logs.String(), `"reason":"invalid_logon"`) {
		t.Errorf("refusal not logged:\n%s", logs)
	}
	for _, v := range []string{"1", "3600"} {
		c := dialRaw(t, port, "FIX.4.4", "HB_OK"+v, DefaultCompID)
		c.write("35=A|98=0|108=" + v)
		if m := c.read(); m == nil || m[fixtag.MsgType] != "A" {
			t.Fatalf("108=%s: got %v, want the Logon", v, m)
		}
	}
}
