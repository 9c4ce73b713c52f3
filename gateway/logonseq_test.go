package gateway

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// TestRefusedLogonKeepsSequence (issue 17, 1): a Logon for a listed session
// with a wrong Password(554) and a high MsgSeqNum is refused and leaves the
// session's expected MsgSeqNum alone, so the real client's next Logon,
// continuing its own sequence, is accepted. QuickFIX/Go consumed one number
// per refused Logon, and the real client was refused "MsgSeqNum too low".
func TestRefusedLogonKeepsSequence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	settings := filepath.Join(dir, "gateway.cfg")
	if err := os.WriteFile(settings, []byte(`[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
ResetOnLogon=N

[SESSION]
BeginString=FIX.4.4
TargetCompID=BROKER_A
Password=s3cret
`), 0o644); err != nil {
		t.Fatal(err)
	}
	gw, _ := startGateway(t, Options{SettingsFile: settings, DataDir: dir})

	// The real client: Logon (1) and Logout (2); the gateway expects 3 next.
	real := dialRaw(t, port, "FIX.4.4", "BROKER_A", "ENGINE")
	real.logon("554=s3cret")
	real.readUntil("A")
	real.write("35=5")
	real.readUntil("5")
	real.expectClosed()

	// Impostors: a high number, the expected one, and a sequence reset.
	for _, tc := range []struct {
		seq   int
		extra string
	}{{5000, "554=wrong"}, {3, "554=wrong"}, {1, "554=wrong|141=Y"}} {
		seq := tc.seq
		imp := dialRaw(t, port, "FIX.4.4", "BROKER_A", "ENGINE")
		imp.seq = seq - 1
		imp.logon(tc.extra)
		if m := imp.readUntil("5"); !strings.Contains(m[fixtag.Text], "Password(554)") {
			t.Fatalf("impostor 34=%d: Logout %v", seq, m)
		}
		imp.expectClosed()
	}

	again := dialRaw(t, port, "FIX.4.4", "BROKER_A", "ENGINE")
	again.seq = real.seq
	again.logon("554=s3cret")
	m := again.read()
	if m == nil || m[fixtag.MsgType] != "A" {
		t.Fatalf("the real client's Logon 34=%d: got %v, want the Logon", again.seq, m)
	}
	// The gateway's own numbers: Logon 1, Logout 2, three refusals 3 to 5 (see
	// PATCH.md, 3, for why a refusal's Logout consumes one), this Logon 6.
	if m[fixtag.MsgSeqNum] != "6" {
		t.Fatalf("Logon MsgSeqNum %s, want 6", m[fixtag.MsgSeqNum])
	}
	if n := gw.Counters.LogonsRefused[RefusedBadCredentials].Load(); n != 3 {
		t.Fatalf("LogonsRefused[bad_credentials] = %d, want 3", n)
	}
}
