// Package fixtest drives a FIX acceptor from tests: QuickFIX/Go initiators as
// clients, FIX messages written as "35=D|11=a|55=AAPL|...", expectations on the
// fields of what comes back, and a goroutine-leak check for TestMain. It is test
// support only; nothing in the server imports it.
package fixtest

import (
	"net"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/store/file"

	"github.com/openmatch/matchd/internal/fixtag"
)

// Fields is a received message: its body fields, plus MsgType(35), MsgSeqNum(34)
// and PossDupFlag(43) from the header, and the whole message as received under
// Wire: of a repeating group (the entries of a market-data W or X) the map keeps
// only the last occurrence of each tag.
type Fields map[quickfix.Tag]string

// Wire is the pseudo-tag under which Fields keeps the message's wire text,
// fields separated by |.
const Wire quickfix.Tag = 0

// FieldsOf flattens a message into Fields.
func FieldsOf(m *quickfix.Message) Fields {
	out := Fields{}
	for _, tag := range m.Body.Tags() {
		v, _ := m.Body.GetString(tag)
		out[tag] = v
	}
	out[Wire] = strings.ReplaceAll(m.String(), "\x01", "|")
	for _, tag := range []quickfix.Tag{fixtag.MsgType, fixtag.MsgSeqNum, fixtag.PossDupFlag} {
		if m.Header.Has(tag) {
			out[tag], _ = m.Header.GetString(tag)
		}
	}
	return out
}

// Msg builds a message from "35=D|11=a|..." (tag 35 goes to the header, the rest
// to the body). QuickFIX writes body fields in tag order, one per tag; a spec
// with a repeating group (a tag that repeats, or a MarketDataRequest's
// NoRelatedSym(146) or NoMDEntryTypes(267), well formed or not) is sent as
// written instead: its first body field carries the rest of the body in its
// value, SOH-separated, so the wire holds the fields in the spec's order.
func Msg(spec string) *quickfix.Message {
	m := quickfix.NewMessage()
	var body []string
	seen := map[string]bool{}
	repeated := false
	for _, kv := range strings.Split(spec, "|") {
		k, v, _ := strings.Cut(kv, "=")
		tag, _ := strconv.Atoi(k)
		if quickfix.Tag(tag) == fixtag.MsgType {
			m.Header.SetString(quickfix.Tag(tag), v)
			continue
		}
		repeated = repeated || seen[k] || k == "146" || k == "267"
		seen[k] = true
		body = append(body, kv)
	}
	if repeated {
		k, v, _ := strings.Cut(body[0], "=")
		tag, _ := strconv.Atoi(k)
		m.Body.SetString(quickfix.Tag(tag), strings.Join(append([]string{v}, body[1:]...), "\x01"))
		return m
	}
	for _, kv := range body {
		k, v, _ := strings.Cut(kv, "=")
		tag, _ := strconv.Atoi(k)
		m.Body.SetString(quickfix.Tag(tag), v)
	}
	return m
}

// FreePort returns a TCP port on the loopback interface that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// transactTimeRE is TransactTime(60) as the gateway writes it: UTC with
// microseconds.
var transactTimeRE = regexp.MustCompile(`^\d{8}-\d{2}:\d{2}:\d{2}\.\d{6}$`)

// checkReport checks what every report a client reads must satisfy: an
// ExecutionReport (8) or OrderCancelReject (9) has a well-formed TransactTime,
// and, with ids set, an ExecutionReport's ExecID is new across the clients
// sharing ids.
func checkReport(t testing.TB, who string, m Fields, ids *ExecIDs) {
	t.Helper()
	switch m[fixtag.MsgType] {
	case fixtag.MsgTypeExecutionReport, fixtag.MsgTypeOrderCancelReject:
		if !transactTimeRE.MatchString(m[fixtag.TransactTime]) {
			t.Fatalf("%s: TransactTime %q in %v", who, m[fixtag.TransactTime], m)
		}
	}
	ids.check(t, who, m)
}

// ExecIDs checks, across all clients of a test, that every ExecutionReport's
// ExecID is new.
type ExecIDs struct {
	mu   sync.Mutex
	seen map[string]string
}

func (x *ExecIDs) check(t testing.TB, who string, m Fields) {
	t.Helper()
	if x == nil || m[fixtag.MsgType] != fixtag.MsgTypeExecutionReport {
		return
	}
	id := m[fixtag.ExecID]
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seen == nil {
		x.seen = map[string]string{}
	}
	if prev, dup := x.seen[id]; dup {
		t.Fatalf("%s: ExecID %s already seen by %s in %v", who, id, prev, m)
	}
	x.seen[id] = who
}

// Options configure a Client.
type Options struct {
	// Port of the acceptor on 127.0.0.1.
	Port int
	// BeginString is FIX.4.4 or FIX.4.2.
	BeginString string
	// Name is the client's SenderCompID; Target the acceptor's CompID.
	Name, Target string
	// StoreDir, when set, gives the client a file store there and
	// ResetOnLogon=N, so sequence numbers continue across reconnects; otherwise
	// it uses a memory store and resets at every logon.
	StoreDir string
	// Username and Password are sent at Logon when set.
	Username, Password string
	// ExecIDs, when set, checks ExecID uniqueness of everything received.
	// (TransactTime is checked on every report whether or not it is set.)
	ExecIDs *ExecIDs
}

// Client is a FIX session driven by a QuickFIX/Go initiator. Every message
// Next, Until, Collect and Expect return has passed checkReport.
type Client struct {
	t      testing.TB
	opts   Options
	sid    quickfix.SessionID
	init   *quickfix.Initiator
	msgs   chan Fields
	logons chan struct{}
	stop   sync.Once
}

// Start starts an initiator without waiting for its logon. It is stopped at the
// end of the test.
func Start(t testing.TB, o Options) *Client {
	t.Helper()
	if o.Target == "" {
		o.Target = "ENGINE"
	}
	c := &Client{t: t, opts: o, msgs: make(chan Fields, 4096), logons: make(chan struct{}, 1),
		sid: quickfix.SessionID{BeginString: o.BeginString, SenderCompID: o.Name, TargetCompID: o.Target}}
	text := "[DEFAULT]\nSocketConnectHost=127.0.0.1\nSocketConnectPort=" + strconv.Itoa(o.Port) +
		"\nHeartBtInt=30\nReconnectInterval=1\nLogoutTimeout=1\n"
	var stores quickfix.MessageStoreFactory = quickfix.NewMemoryStoreFactory()
	if o.StoreDir != "" {
		text += "ResetOnLogon=N\nFileStorePath=" + o.StoreDir + "\nFileStoreSync=N\n"
	} else {
		text += "ResetOnLogon=Y\n"
	}
	text += "[SESSION]\nBeginString=" + o.BeginString + "\nSenderCompID=" + o.Name + "\nTargetCompID=" + o.Target + "\n"
	settings, err := quickfix.ParseSettings(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if o.StoreDir != "" {
		stores = file.NewStoreFactory(settings)
	}
	c.init, err = quickfix.NewInitiator(c, stores, settings, quickfix.NewNullLogFactory())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.init.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Connect starts a client and waits for its logon.
func Connect(t testing.TB, o Options) *Client {
	t.Helper()
	c := Start(t, o)
	c.WaitLogon()
	return c
}

// OnCreate implements quickfix.Application.
func (c *Client) OnCreate(quickfix.SessionID) {}

// OnLogon implements quickfix.Application.
func (c *Client) OnLogon(quickfix.SessionID) {
	select {
	case c.logons <- struct{}{}:
	default:
	}
}

// OnLogout implements quickfix.Application.
func (c *Client) OnLogout(quickfix.SessionID) {}

// ToAdmin adds Username and Password to the Logon.
func (c *Client) ToAdmin(m *quickfix.Message, _ quickfix.SessionID) {
	if m.IsMsgTypeOf(fixtag.MsgTypeLogon) {
		if c.opts.Username != "" {
			m.Body.SetString(553, c.opts.Username)
		}
		if c.opts.Password != "" {
			m.Body.SetString(554, c.opts.Password)
		}
	}
}

// ToApp implements quickfix.Application.
func (c *Client) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }

// FromAdmin passes session-level Rejects (3) and Logouts (5) on to Expect.
func (c *Client) FromAdmin(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	if m.IsMsgTypeOf(fixtag.MsgTypeReject) || m.IsMsgTypeOf(fixtag.MsgTypeLogout) {
		c.msgs <- FieldsOf(m)
	}
	return nil
}

// FromApp passes application messages on to Expect.
func (c *Client) FromApp(m *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	c.msgs <- FieldsOf(m)
	return nil
}

// WaitLogon waits up to 10 s for the next logon.
func (c *Client) WaitLogon() {
	c.t.Helper()
	select {
	case <-c.logons:
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s: no logon", c.opts.Name)
	}
}

// SetT makes the client report its failures to t from now on: a client started
// in a test and driven from its subtests, which must then not run in parallel.
func (c *Client) SetT(t testing.TB) { c.t = t }

// Close logs the client out and stops it. Idempotent.
func (c *Client) Close() { c.stop.Do(c.init.Stop) }

// Send sends "35=D|11=x|..." from this client.
func (c *Client) Send(spec string) {
	c.t.Helper()
	if err := quickfix.SendToTarget(Msg(spec), c.sid); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.opts.Name, spec, err)
	}
}

// Next returns the next message, waiting up to 10 s. Logouts are skipped.
func (c *Client) Next() Fields {
	c.t.Helper()
	return c.next(nil)
}

// next is Next; want, if not nil, is named when nothing arrives.
func (c *Client) next(want Fields) Fields {
	c.t.Helper()
	for {
		select {
		case got := <-c.msgs:
			if got[fixtag.MsgType] == fixtag.MsgTypeLogout {
				continue
			}
			checkReport(c.t, c.opts.Name, got, c.opts.ExecIDs)
			return got
		case <-time.After(10 * time.Second):
			if want != nil {
				c.t.Fatalf("%s: no message, wanted %v", c.opts.Name, want)
			}
			c.t.Fatalf("%s: no message", c.opts.Name)
			return nil
		}
	}
}

// Until collects the client's messages up to (not including) the first of
// MsgType mt, waiting up to 10 s for each; Logouts count only when mt is "5".
func (c *Client) Until(mt string) []Fields {
	c.t.Helper()
	var out []Fields
	for {
		select {
		case got := <-c.msgs:
			if got[fixtag.MsgType] == mt {
				return out
			}
			if got[fixtag.MsgType] == fixtag.MsgTypeLogout {
				continue
			}
			checkReport(c.t, c.opts.Name, got, c.opts.ExecIDs)
			out = append(out, got)
		case <-time.After(10 * time.Second):
			c.t.Fatalf("%s: no MsgType %s after %d messages", c.opts.Name, mt, len(out))
			return out
		}
	}
}

// Collect returns the client's messages until a Logout arrives (loggedOut
// true) or none arrives for quiet. A server that closes the connection while
// the client is still sending may reset it, and the client then loses what it
// had not read yet, the Logout included: TCP, not FIX.
func (c *Client) Collect(quiet time.Duration) (out []Fields, loggedOut bool) {
	c.t.Helper()
	for {
		select {
		case got := <-c.msgs:
			if got[fixtag.MsgType] == fixtag.MsgTypeLogout {
				return out, true
			}
			checkReport(c.t, c.opts.Name, got, c.opts.ExecIDs)
			out = append(out, got)
		case <-time.After(quiet):
			return out, false
		}
	}
}

// Expect waits for the client's next message and checks the given fields ("-"
// means absent). It returns the whole message.
func (c *Client) Expect(want Fields) Fields {
	c.t.Helper()
	got := c.next(want)
	for tag, w := range want {
		v, ok := got[tag]
		if w == "-" {
			if ok {
				c.t.Fatalf("%s: tag %d = %q, want absent in %v", c.opts.Name, tag, v, got)
			}
			continue
		}
		if v != w {
			c.t.Fatalf("%s: tag %d = %q, want %q in %v", c.opts.Name, tag, v, w, got)
		}
	}
	return got
}

// Quiet checks that no application message arrives for d.
func (c *Client) Quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case got := <-c.msgs:
			if got[fixtag.MsgType] != fixtag.MsgTypeLogout {
				c.t.Fatalf("%s: unexpected message %v", c.opts.Name, got)
			}
		case <-deadline:
			return
		}
	}
}

// knownQuickFIXLeaks are goroutines QuickFIX/Go v0.9.10 leaves behind by design,
// not counted:
//   - time.AfterFunc callbacks for logon and logout timeouts that fire after their
//     session has stopped and then block forever on its unbuffered event channel
//     (session_state.go:68, session.go:599);
//   - an acceptor connection's readLoop that read one more message after its
//     session stopped (a client still sending through a server shutdown) and
//     blocks forever handing it over on the unbuffered msgIn channel
//     (connection.go:42, acceptor.go:361). Matched only in that state.
//
// Also not counted: os/signal's receiver, which the first signal.Notify of the
// process starts for good (go test -fuzz's coordinator calls it).
var knownQuickFIXLeaks = [][]string{
	{"quickfix.(*stateMachine).Connect.func1"},
	{"quickfix.(*session).initiateLogoutInReplyTo.func1"},
	{"[chan send", "quickfix.readLoop(", "quickfix.(*Acceptor).handleConnection.func2"},
	{"os/signal.signal_recv(", "os/signal.loop("},
}

// knownLeak reports whether a goroutine's stack is one of knownQuickFIXLeaks.
func knownLeak(stack string) bool {
	for _, parts := range knownQuickFIXLeaks {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(stack, p)
		}
		if all {
			return true
		}
	}
	return false
}

var goroutineHeader = regexp.MustCompile(`^goroutine (\d+) `)

func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if m := goroutineHeader.FindStringSubmatch(g); m != nil {
			out[m[1]] = g
		}
	}
	return out
}

// RunWithLeakCheck runs the tests and fails the run if goroutines they started
// are still alive 5 s after they end (QuickFIX's known strays excepted). Call it
// from TestMain: os.Exit(fixtest.RunWithLeakCheck(m)).
func RunWithLeakCheck(m *testing.M) int {
	before := map[string]bool{}
	for id := range goroutineStacks() {
		before[id] = true
	}
	code := m.Run()
	if code != 0 {
		return code
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var leaked []string
		for id, stack := range goroutineStacks() {
			if before[id] || strings.Contains(stack, "testing.(*M).Run") || strings.Contains(stack, "main.main") || knownLeak(stack) {
				continue
			}
			leaked = append(leaked, stack)
		}
		if len(leaked) == 0 {
			return code
		}
		if time.Now().After(deadline) {
			os.Stderr.WriteString("tests leaked goroutines:\n" + strings.Join(leaked, "\n\n") + "\n")
			return 1
		}
		time.Sleep(50 * time.Millisecond)
	}
}
