package gateway

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
)

// readEnd reads what is left of the stream and returns the error that ends it:
// io.EOF when the gateway closed the connection in order (a FIN).
func (c *rawClient) readEnd() error {
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c.r)
	if err == nil {
		return io.EOF // io.Copy reports a clean end as nil
	}
	return err
}

// TestStopWithText: StopWithText logs every session out with a Logout carrying
// the Text, waits for the client's confirming Logout, ends the session as a
// logout does (OnLogout: logged, no longer active) and closes the connection in
// order. Plain Stop sends its Logout without a Text.
func TestStopWithText(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"server stopping: journal write failed: no space left on device", ""} {
		gw, logs := startGatewayDebug(t, Options{ResetOnLogon: true})
		c := dialRaw(t, gw.opts.Port, "FIX.4.4", "STOPTXT", "ENGINE")
		c.logon("")
		c.readUntil("A")
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			gw.StopWithText(text)
		}()
		lo := c.readUntil("5")
		if got, has := lo[fixtag.Text]; got != text || has != (text != "") {
			t.Errorf("StopWithText(%q): Logout Text %q (present %v)", text, got, has)
		}
		c.write("35=5")
		if err := c.readEnd(); err != io.EOF {
			t.Errorf("StopWithText(%q): after the confirming Logout: %v, want EOF (an orderly close)", text, err)
		}
		<-stopped
		if n := gw.ActiveSessions(); n != 0 {
			t.Errorf("StopWithText(%q): %d sessions still active", text, n)
		}
		// QuickFIX's own account (debug): the confirmation was read, the
		// session did not give up on it.
		for _, want := range []string{`"message":"Received logout response"`, `"message":"FIX session logged out"`} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("StopWithText(%q): log lacks %s:\n%s", text, want, logs)
			}
		}
		if strings.Contains(logs.String(), "Timed out waiting for logout response") {
			t.Errorf("StopWithText(%q): the session did not wait for the confirming Logout:\n%s", text, logs)
		}
	}
}
