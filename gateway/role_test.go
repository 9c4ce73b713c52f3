package gateway

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
)

// clusterSettings writes a settings file listing BROKER_A and BROKER_B, as
// every node of a cluster must (role.go, owner ids).
func clusterSettings(t *testing.T, dir string, port int, prefix string) string {
	t.Helper()
	path := filepath.Join(dir, "gateway.cfg")
	if err := os.WriteFile(path, []byte(`[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
ResetOnLogon=N

[SESSION]
BeginString=FIX.4.4
TargetCompID=`+prefix+`_B

[SESSION]
BeginString=FIX.4.4
TargetCompID=`+prefix+`_A
`), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// standbyGateway starts a gateway in Standby mode with a sequencer clock the
// test sets (clock, in ns).
func standbyGateway(t *testing.T, prefix string) (gw *Gateway, sink *engineSink, port int, clock *atomic.Int64, logs *syncbuf.Buffer) {
	t.Helper()
	dir := t.TempDir()
	port = fixtest.FreePort(t)
	gw, logs = startGateway(t, Options{SettingsFile: clusterSettings(t, dir, port, prefix), DataDir: dir, Standby: true})
	sink = gw.sink.(*engineSink)
	clock = &atomic.Int64{}
	clock.Store(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).UnixNano())
	sink.mu.Lock()
	sink.now = clock.Load
	sink.mu.Unlock()
	return gw, sink, port, clock, logs
}

// waitFor polls cond until it holds (the role switch runs on a goroutine of
// its own); it fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// setView applies a Leadership and waits until the switch has applied it.
func setView(t *testing.T, gw *Gateway, l Leadership) {
	t.Helper()
	gw.SetServing(l)
	waitFor(t, "the role switch", func() bool { return *gw.role.view.Load() == l && gw.Serving() == l.Serving })
}

// ownerOf returns the owner id the gateway registered for a listed client.
func ownerOf(t *testing.T, gw *Gateway, client string) uint32 {
	t.Helper()
	s := gw.lookup(quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "ENGINE", TargetCompID: client})
	if s == nil {
		t.Fatalf("listed session %s has no owner", client)
	}
	return s.owner
}

// submitAt sends a buy order of owner straight to the sink at sequencer time
// at (as a follower's engine applies the leader's commands), and waits until
// it is applied.
func submitAt(t *testing.T, sink *engineSink, clock *atomic.Int64, owner uint32, clOrdID string, at int64) {
	t.Helper()
	id, _ := engine.MakeID(clOrdID)
	clock.Store(at)
	sink.mu.Lock()
	n := len(sink.cmds)
	sink.mu.Unlock()
	cmd := engine.Command{Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, TIF: engine.Day, Owner: owner,
		Symbol: 2, Price: 1000, Qty: 10, ClOrdID: id}
	if err := sink.Submit(&cmd); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "command "+clOrdID, func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return len(sink.cmds) > n
	})
}

// TestStandbyRefusesLogon: a gateway that does not serve refuses every Logon
// with a Logout whose Text names the leader (or says none is known), counted
// as not_leader and logged at info; once serving it accepts a listed session
// and still refuses an unlisted one.
func TestStandbyRefusesLogon(t *testing.T) {
	t.Parallel()
	gw, _, port, _, logs := standbyGateway(t, "SB")
	A, B := "SB_A", "SB_B"
	_ = B
	refused := func(want string) {
		t.Helper()
		c := dialRaw(t, port, "FIX.4.4", A, "ENGINE")
		c.logon("")
		if m := c.readUntil("5"); m[fixtag.Text] != want {
			t.Fatalf("Logout Text %q, want %q", m[fixtag.Text], want)
		}
		c.expectClosed()
	}
	refused("no leader elected yet: retry")
	setView(t, gw, Leadership{LeaderID: 2, Term: 3})
	refused("leader is node 2, address not yet known: retry")
	setView(t, gw, Leadership{LeaderID: 2, LeaderFIX: "127.0.0.1:5102", Term: 3})
	refused("not the leader: connect to node 2 at 127.0.0.1:5102")
	if n := gw.Counters.LogonsRefused[RefusedNotLeader].Load(); n != 3 {
		t.Fatalf("LogonsRefused[not_leader] = %d, want 3", n)
	}
	if !strings.Contains(logs.String(), `"level":"info","component":"gateway","session":"FIX.4.4:ENGINE->SB_A","sender_comp_id":"SB_A","begin_string":"FIX.4.4","reason":"not_leader"`) {
		t.Fatalf("no info line for the refusal:\n%s", logs.String())
	}

	setView(t, gw, Leadership{Serving: true, Local: true, LeaderID: 1, LeaderFIX: "127.0.0.1:" + strconv.Itoa(port), Term: 4})
	c := dialRaw(t, port, "FIX.4.4", A, "ENGINE")
	c.logon("")
	if m := c.read(); m == nil || m[fixtag.MsgType] != "A" {
		t.Fatalf("Logon on the serving gateway: got %v", m)
	}
	x := dialRaw(t, port, "FIX.4.4", "SB_X", "ENGINE")
	x.logon("")
	if m := x.readUntil("5"); !strings.Contains(m[fixtag.Text], "a cluster serves listed sessions only") {
		t.Fatalf("unlisted session: Logout %v", m)
	}
}

// TestPromotionResendsFailoverWindow: a standby gateway keeps each owner's
// reports of the last FailoverResend of sequencer time; promoted, it sends
// them after the next logon with PossResend(97)=Y, and nothing older; reports
// of commands after the promotion go out without it. The client logs on with
// ResetSeqNumFlag(141)=Y after a failover: both sides start at 1.
func TestPromotionResendsFailoverWindow(t *testing.T) {
	t.Parallel()
	gw, sink, port, clock, _ := standbyGateway(t, "PR")
	A, B := "PR_A", "PR_B"
	_ = B
	a, b := ownerOf(t, gw, A), ownerOf(t, gw, B)
	if a == b {
		t.Fatal("two listed sessions share an owner")
	}
	t0 := clock.Load()
	sec := int64(time.Second)
	submitAt(t, sink, clock, a, "old", t0)            // 6 s before the last: expired
	submitAt(t, sink, clock, b, "b-old", t0+sec)      // another owner's
	submitAt(t, sink, clock, a, "edge", t0+4*sec)     // exactly FailoverResend before: kept
	submitAt(t, sink, clock, a, "recent", t0+5*sec)   // kept
	submitAt(t, sink, clock, b, "b-recent", t0+6*sec) // the last command
	setView(t, gw, Leadership{Serving: true, Local: true, LeaderID: 1, LeaderFIX: "127.0.0.1:" + strconv.Itoa(port), Term: 2})

	c := dialRaw(t, port, "FIX.4.4", A, "ENGINE")
	c.logon("141=Y")
	m := c.read()
	if m == nil || m[fixtag.MsgType] != "A" || m[fixtag.MsgSeqNum] != "1" || m[fixtag.ResetSeqNumFlag] != "Y" {
		t.Fatalf("Logon reply %v, want MsgSeqNum 1 and 141=Y", m)
	}
	for i, want := range []string{"edge", "recent"} {
		r := c.readUntil("8")
		if r[fixtag.ClOrdID] != want || !strings.Contains(r[fixtest.Wire], "|97=Y|") || r[fixtag.MsgSeqNum] != strconv.Itoa(i+2) {
			t.Fatalf("report %d: %v, want %s with 97=Y and MsgSeqNum %d", i, r, want, i+2)
		}
	}
	c.write("35=D|11=live|55=TEST|54=1|38=10|40=2|44=10.00|59=0")
	if r := c.readUntil("8"); r[fixtag.ClOrdID] != "live" || strings.Contains(r[fixtest.Wire], "|97=") {
		t.Fatalf("report after the promotion: %v, want live without 97", r)
	}

	cb := dialRaw(t, port, "FIX.4.4", B, "ENGINE")
	cb.logon("141=Y")
	cb.readUntil("A")
	if r := cb.readUntil("8"); r[fixtag.ClOrdID] != "b-recent" || !strings.Contains(r[fixtest.Wire], "|97=Y|") {
		t.Fatalf("BROKER_B's report: %v, want b-recent with 97=Y", r)
	}
}

// TestDemotionLogsSessionsOut: a serving gateway that loses Serving logs
// every session out with a Text naming the new leader, closes the
// connections and refuses further logons; back to serving in a new term, the
// client resets its sequence numbers (141=Y) and is accepted at 1 again.
func TestDemotionLogsSessionsOut(t *testing.T) {
	t.Parallel()
	gw, _, port, _, _ := standbyGateway(t, "DM")
	A, B := "DM_A", "DM_B"
	_ = B
	self := "127.0.0.1:" + strconv.Itoa(port)
	setView(t, gw, Leadership{Serving: true, Local: true, LeaderID: 1, LeaderFIX: self, Term: 2})
	c := dialRaw(t, port, "FIX.4.4", A, "ENGINE")
	c.logon("")
	c.readUntil("A")
	for i := 0; i < 3; i++ {
		c.write("35=D|11=o" + strconv.Itoa(i) + "|55=TEST|54=1|38=10|40=2|44=10.00|59=0")
		c.readUntil("8")
	}
	setView(t, gw, Leadership{LeaderID: 3, LeaderFIX: "127.0.0.1:5103", Term: 3})
	if m := c.readUntil("5"); m[fixtag.Text] != "leader changed: connect to node 3 at 127.0.0.1:5103" {
		t.Fatalf("Logout at demotion: %v", m)
	}
	c.expectClosed()
	waitFor(t, "the session to end", func() bool { return gw.ActiveSessions() == 0 })

	setView(t, gw, Leadership{Serving: true, Local: true, LeaderID: 1, LeaderFIX: self, Term: 4})
	d := dialRaw(t, port, "FIX.4.4", A, "ENGINE")
	d.logon("141=Y")
	if m := d.readUntil("A"); m[fixtag.MsgSeqNum] != "1" {
		t.Fatalf("Logon with 141=Y after a failover: MsgSeqNum %s, want 1", m[fixtag.MsgSeqNum])
	}
	d.write("35=D|11=p|55=TEST|54=1|38=10|40=2|44=10.00|59=0")
	if r := d.readUntil("8"); r[fixtag.MsgSeqNum] != "2" || r[fixtag.ClOrdID] != "p" {
		t.Fatalf("first report after the reset: %v, want p at MsgSeqNum 2", r)
	}
	setView(t, gw, Leadership{Term: 5}) // lost quorum
	if m := d.readUntil("5"); m[fixtag.Text] != "lost quorum: retry" {
		t.Fatalf("Logout at the loss of quorum: %v", m)
	}
	d.expectClosed()
}

// TestNewTermIsADemotion: views skipped by the mailbox cannot hide a
// leadership lost and regained: serving in a new term logs the sessions out
// all the same.
func TestNewTermIsADemotion(t *testing.T) {
	t.Parallel()
	gw, _, port, _, _ := standbyGateway(t, "NT")
	A, B := "NT_A", "NT_B"
	_ = B
	self := "127.0.0.1:" + strconv.Itoa(port)
	setView(t, gw, Leadership{Serving: true, Local: true, LeaderID: 1, LeaderFIX: self, Term: 2})
	c := dialRaw(t, port, "FIX.4.4", A, "ENGINE")
	c.logon("")
	c.readUntil("A")
	setView(t, gw, Leadership{Serving: true, Local: true, LeaderID: 1, LeaderFIX: self, Term: 7})
	if m := c.readUntil("5"); m[fixtag.Text] != "leader changed: connect to node 1 at "+self {
		t.Fatalf("Logout at the new term: %v", m)
	}
}
