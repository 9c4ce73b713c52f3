package gateway

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// TestLogonRefusals runs a production-style gateway (a settings file listing three
// sessions, one with a password, at most two logged on) and checks that every
// refused logon gets a Logout with a clear Text and a structured log line.
func TestLogonRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	settings := filepath.Join(dir, "gateway.cfg")
	os.WriteFile(settings, []byte(`[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
ResetOnLogon=Y

[SESSION]
BeginString=FIX.4.4
TargetCompID=REF_S1
Username=alice
Password=s3cret

[SESSION]
BeginString=FIX.4.2
TargetCompID=REF_S2

[SESSION]
BeginString=FIX.4.4
TargetCompID=REF_S3
`), 0o644)
	gw, logs := startGateway(t, Options{SettingsFile: settings, DataDir: dir, MaxSessions: 2})

	refused := func(begin, sender, target, extra, text string) {
		t.Helper()
		c := dialRaw(t, port, begin, sender, target)
		c.logon(extra)
		m := c.readUntil("5")
		if !strings.Contains(m[fixtag.Text], text) {
			t.Fatalf("%s->%s: Logout Text %q, want it to contain %q", sender, target, m[fixtag.Text], text)
		}
		c.expectClosed()
	}
	refused("FIX.4.4", "REF_X", "ENGINE", "", "unknown SenderCompID(49) REF_X")
	refused("FIX.4.4", "REF_S2", "ENGINE", "", "unknown SenderCompID(49) REF_S2") // listed for FIX.4.2 only
	refused("FIX.4.2", "REF_S2", "NOT_ENGINE", "", "TargetCompID(56) must be ENGINE")
	refused("FIX.4.4", "REF_S1", "ENGINE", "", "invalid Username(553) or Password(554)")
	refused("FIX.4.4", "REF_S1", "ENGINE", "553=alice|554=wrong", "invalid Username(553) or Password(554)")
	refused("FIX.4.4", "REF_S1", "ENGINE", "553=bob|554=s3cret", "invalid Username(553) or Password(554)")

	s1 := dialRaw(t, port, "FIX.4.4", "REF_S1", "ENGINE")
	s1.logon("553=alice|554=s3cret")
	s1.readUntil("A")
	s2 := dialRaw(t, port, "FIX.4.2", "REF_S2", "ENGINE")
	s2.logon("")
	s2.readUntil("A")
	refused("FIX.4.4", "REF_S3", "ENGINE", "", "too many sessions")

	// A slot frees when a session goes.
	s2.write("35=5")
	s2.readUntil("5")
	s2.conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for gw.ActiveSessions() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("logout did not free the session slot")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s3 := dialRaw(t, port, "FIX.4.4", "REF_S3", "ENGINE")
	s3.logon("")
	s3.readUntil("A")

	for why, want := range map[RefuseReason]uint64{RefusedUnknownSession: 3, RefusedBadCredentials: 3, RefusedTooManySessions: 1} {
		if got := gw.Counters.LogonsRefused[why].Load(); got != want {
			t.Errorf("LogonsRefused[%v] = %d, want %d", why, got, want)
		}
	}
	out := logs.String()
	for _, want := range []string{
		`"reason":"unknown_session"`, `"reason":"bad_credentials"`, `"reason":"too_many_sessions"`,
		`"sender_comp_id":"REF_X"`, `"message":"FIX logon refused"`, `"level":"warn"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "FIX logon refused"); n != 7 {
		t.Errorf("%d refused-logon log lines, want 7", n)
	}
	// Refused strangers create no store files.
	entries, _ := os.ReadDir(filepath.Join(dir, "fix"))
	for _, e := range entries {
		if strings.Contains(e.Name(), "REF_X") || strings.Contains(e.Name(), "NOT_ENGINE") {
			t.Errorf("store file for a refused session: %s", e.Name())
		}
	}
}

// TestRateLimit sends a burst above the session's rate: the excess is answered
// with BusinessMessageReject "rate limit exceeded", never submitted, and the
// session keeps working.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	gw, _ := startGateway(t, Options{RatePerSecond: 1, RateBurst: 5})
	c := fixtest.Connect(t, fixtest.Options{Port: gw.opts.Port, BeginString: "FIX.4.4", Name: "RATE_A"})
	const n = 20
	start := time.Now()
	for i := 0; i < n; i++ {
		c.Send("35=F|11=x" + strconv.Itoa(i) + "|41=nosuch|55=AAPL|54=1")
	}
	passed, limited := 0, 0
	for i := 0; i < n; i++ {
		m := c.Next()
		switch m[fixtag.MsgType] {
		case "9":
			passed++
		case "j":
			if m[fixtag.Text] != "rate limit exceeded" || m[380] != "0" || m[372] != "F" {
				t.Fatalf("rate reject %v", m)
			}
			limited++
		default:
			t.Fatalf("unexpected %v", m)
		}
	}
	// Five in the burst, plus at most one per second the burst took to arrive.
	most := 5 + int(time.Since(start)/time.Second) + 1
	if passed < 5 || passed > most || passed+limited != n {
		t.Fatalf("passed %d (at most %d), limited %d", passed, most, limited)
	}
	if got := gw.Counters.MessageRejects[RejectRateLimit].Load(); got != uint64(limited) {
		t.Fatalf("MessageRejects[rate_limit] = %d, want %d", got, limited)
	}
	if got := gw.Counters.OrdersIn.Load(); got != uint64(passed) {
		t.Fatalf("OrdersIn = %d, want %d", got, passed)
	}
	time.Sleep(1100 * time.Millisecond) // a token comes back
	c.Send("35=F|11=y|41=nosuch|55=AAPL|54=1")
	c.Expect(fields{fixtag.MsgType: "9", fixtag.ClOrdID: "y"})
}

// TestOfflineDelivery: reports for a dynamic session that is offline are kept,
// in order, up to the bound; beyond it the queue is forgotten and left to the
// journal. At the next logon the forgotten ones are regenerated and sent first,
// then those kept, before any newer report: none is lost. Owner ids survive a
// restart.
func TestOfflineDelivery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gw, logs := startGateway(t, Options{DataDir: dir, PendingLimit: 3})
	port := gw.opts.Port
	ids := &fixtest.ExecIDs{}
	aOpts := fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "OFF_A", ExecIDs: ids}
	a := fixtest.Connect(t, aOpts)
	b := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.2", Name: "OFF_B", ExecIDs: ids})
	sidA := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "OFF_A"}

	a.Send("35=D|11=o1|55=TEST|54=1|38=10|40=2|44=10.00|59=1")
	a.Expect(fields{fixtag.ExecType: "0", fixtag.LeavesQty: "10"})
	a.Close()
	deadline := time.Now().Add(5 * time.Second)
	for gw.isOnline(sidA) {
		if time.Now().After(deadline) {
			t.Fatal("gateway still thinks OFF_A is online")
		}
		time.Sleep(10 * time.Millisecond)
	}

	for i, q := range []string{"3", "3", "2", "2"} {
		id := "s" + strconv.Itoa(i)
		b.Send("35=D|11=" + id + "|55=TEST|54=2|38=" + q + "|40=2|44=10.00")
		b.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: id})
		b.Expect(fields{fixtag.ExecType: "2", fixtag.ClOrdID: id, fixtag.LastQty: q, fixtag.ExecTransType: "0"})
	}
	// B's fill can arrive before the releaser has handed OFF_A's side of the
	// same trade to Deliver: wait for the counters, not just for B's report.
	// The fourth fill found the queue full (3): the three were spilled.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		q, sp := gw.Counters.ReportsQueued.Load(), gw.Counters.ReportsSpilled.Load()
		if q == 4 && sp == 3 {
			break
		}
		if q > 4 || sp > 3 || time.Now().After(deadline) {
			t.Fatalf("queued %d spilled %d, want 4 and 3", q, sp)
		}
	}
	if !strings.Contains(logs.String(), "report queue over its bound") {
		t.Fatalf("no log line for the spill:\n%s", logs.String())
	}

	a2 := fixtest.Connect(t, aOpts)
	a2.Expect(fields{fixtag.ExecType: "F", fixtag.ClOrdID: "o1", fixtag.LastQty: "3", fixtag.CumQty: "3", fixtag.LeavesQty: "7"})
	a2.Expect(fields{fixtag.ExecType: "F", fixtag.ClOrdID: "o1", fixtag.LastQty: "3", fixtag.CumQty: "6", fixtag.LeavesQty: "4"})
	a2.Expect(fields{fixtag.ExecType: "F", fixtag.ClOrdID: "o1", fixtag.LastQty: "2", fixtag.CumQty: "8", fixtag.LeavesQty: "2"})
	a2.Expect(fields{fixtag.ExecType: "F", fixtag.ClOrdID: "o1", fixtag.LastQty: "2", fixtag.CumQty: "10", fixtag.LeavesQty: "0"})
	a2.Send("35=F|11=o1c|41=o1|55=TEST|54=1")
	a2.Expect(fields{fixtag.MsgType: "9", fixtag.CxlRejReason: "0", fixtag.OrigClOrdID: "o1"})
	// The fourth, queued behind the gap, joined it at the logon: one replay.
	if r, d := gw.Counters.ReportsRegenerated.Load(), gw.Counters.ReportsDropped.Load(); r != 4 || d != 0 {
		t.Fatalf("regenerated %d dropped %d, want 4 and 0", r, d)
	}

	// A second gateway on the same data directory maps both sessions to the same
	// owners.
	gw2, err := New(Options{DataDir: dir, Port: fixtest.FreePort(t), Symbols: testEngineConfig().Symbols, Sink: &engineSink{}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw2.Stop()
	sidB := quickfix.SessionID{BeginString: "FIX.4.2", SenderCompID: DefaultCompID, TargetCompID: "OFF_B"}
	for _, sid := range []quickfix.SessionID{sidA, sidB} {
		s1, s2 := gw.lookup(sid), gw2.lookup(sid)
		if s1 == nil || s2 == nil || s1.owner != s2.owner || s2.fix42 != (sid.BeginString == "FIX.4.2") {
			t.Fatalf("%v: owner before restart %+v, after %+v", sid, s1, s2)
		}
	}
}

// isOnline reports whether reports for sid go straight out.
func (g *Gateway) isOnline(sid quickfix.SessionID) bool {
	s := g.lookup(sid)
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.online
}

// TestQuiesce: after Quiesce a logged-on session stays up and keeps getting
// reports, but its new messages are refused with a BusinessMessageReject and
// nothing is submitted; a new logon is refused with a Text and logged.
func TestQuiesce(t *testing.T) {
	t.Parallel()
	gw, logs := startGateway(t, Options{})
	port := gw.opts.Port
	a := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "QUI_A"})
	a.Send("35=D|11=q1|55=TEST|54=1|38=10|40=2|44=10.00")
	a.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: "q1"})
	// The session's goroutine ran OnLogon before it read the order.
	if n := gw.ActiveSessions(); n != 1 {
		t.Fatalf("ActiveSessions = %d, want 1", n)
	}

	gw.Quiesce()
	gw.Quiesce() // idempotent
	a.Send("35=D|11=q2|55=TEST|54=1|38=10|40=2|44=10.00")
	a.Expect(fields{fixtag.MsgType: "j", 380: "4", fixtag.Text: "server shutting down: message not accepted"})
	// Reports still flow: the engine's events reach a quiescing gateway.
	gw.Deliver(&engine.Event{Owner: gw.lookup(quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "QUI_A"}).owner,
		ExecID: 99, OrderID: 1, Kind: engine.EvCanceled, Status: engine.StatusCanceled, Side: engine.Buy, Type: engine.Limit,
		ClOrdID: mustID(t, "q1"), Time: time.Now().UnixNano()})
	a.Expect(fields{fixtag.ExecType: "4", fixtag.ClOrdID: "q1", fixtag.ExecID: "99"})

	c := dialRaw(t, port, "FIX.4.4", "QUI_B", DefaultCompID)
	c.logon("")
	if m := c.readUntil("5"); m[fixtag.Text] != "logon refused: server shutting down" {
		t.Fatalf("Logout Text %q", m[fixtag.Text])
	}
	c.expectClosed()
	if got := gw.Counters.OrdersIn.Load(); got != 1 {
		t.Fatalf("OrdersIn = %d, want 1 (nothing submitted after Quiesce)", got)
	}
	if gw.Counters.MessageRejects[RejectUnavailable].Load() != 1 || gw.Counters.LogonsRefused[RefusedShuttingDown].Load() != 1 {
		t.Fatal("quiesce refusals not counted")
	}
	if !strings.Contains(logs.String(), `"reason":"shutting_down"`) {
		t.Fatalf("refused logon not logged:\n%s", logs.String())
	}
}

func mustID(t *testing.T, s string) engine.ID {
	t.Helper()
	id, ok := engine.MakeID(s)
	if !ok {
		t.Fatalf("bad id %q", s)
	}
	return id
}
