package gateway

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// Hostile connections, on real sockets with raw bytes (conn.go and the
// QuickFIX patch, third_party/quickfix/PATCH.md).

// TestFIXTLogonRefused: a FIXT.1.1 Logon gets a Logout saying which
// BeginStrings are served, a warn line and a count (upstream QuickFIX closed
// the connection without a word: it could not create the session).
func TestFIXTLogonRefused(t *testing.T) {
	t.Parallel()
	gw, logs := startGateway(t, Options{})
	c := dialRaw(t, gw.opts.Port, "FIXT.1.1", "FIXT_A", DefaultCompID)
	c.logon("1137=9")
	m := c.readUntil("5")
	if m[fixtag.Text] != "logon refused: BeginString must be FIX.4.4 or FIX.4.2" {
		t.Fatalf("Logout Text %q", m[fixtag.Text])
	}
	c.expectClosed()
	if n := gw.Counters.LogonsRefused[RefusedUnknownSession].Load(); n != 1 {
		t.Errorf("LogonsRefused[unknown_session] = %d, want 1", n)
	}
	out := logs.String()
	for _, want := range []string{`"message":"FIX logon refused"`, `"begin_string":"FIXT.1.1"`, `"sender_comp_id":"FIXT_A"`, `"remote":"127.0.0.1:`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// TestSecondLogonRefused: a second Logon for a CompID that is logged on, a
// listed session or a dynamic one, gets a Logout "already logged on", a warn
// line and a count, and the first connection carries on.
func TestSecondLogonRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	settings := filepath.Join(dir, "gateway.cfg")
	os.WriteFile(settings, []byte(`[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
ResetOnLogon=Y
DynamicSessions=Y

[SESSION]
BeginString=FIX.4.4
TargetCompID=DUP_LISTED
`), 0o644)
	gw, logs := startGateway(t, Options{SettingsFile: settings, DataDir: dir})
	for _, name := range []string{"DUP_LISTED", "DUP_DYNAMIC"} {
		first := dialRaw(t, port, "FIX.4.4", name, DefaultCompID)
		first.logon("")
		first.readUntil("A")
		second := dialRaw(t, port, "FIX.4.4", name, DefaultCompID)
		second.logon("")
		m := second.readUntil("5")
		if m[fixtag.Text] != "logon refused: session already logged on" {
			t.Fatalf("%s: Logout Text %q", name, m[fixtag.Text])
		}
		second.expectClosed()
		first.write("35=1|112=still-here")
		if hb := first.readUntil("0"); hb[112] != "still-here" {
			t.Fatalf("%s: heartbeat %v", name, hb)
		}
		if addr, _ := gw.acceptor.RemoteAddr(quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: name}); addr.String() != first.conn.LocalAddr().String() {
			t.Errorf("%s: RemoteAddr %v, want the first connection's %v", name, addr, first.conn.LocalAddr())
		}
	}
	if n := gw.Counters.LogonsRefused[RefusedAlreadyLoggedOn].Load(); n != 2 {
		t.Errorf("LogonsRefused[already_logged_on] = %d, want 2", n)
	}
	out := logs.String()
	if n := strings.Count(out, `"reason":"already_logged_on"`); n != 2 {
		t.Errorf("%d already_logged_on log lines, want 2:\n%s", n, out)
	}
}

// TestPendingLogonTimeout: a connection that sends nothing, or drips a Logon a
// byte at a time, is closed PendingLogonTimeout after the accept and logged;
// upstream kept both for ever.
func TestPendingLogonTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	gw, logs := startGateway(t, Options{PendingLogonTimeout: timeout})
	silent := dialRaw(t, gw.opts.Port, "FIX.4.4", "SILENT", DefaultCompID)
	silent.expectClosed()

	drip := dialRaw(t, gw.opts.Port, "FIX.4.4", "DRIP", DefaultCompID)
	logon := fixMsg("35=A|98=0|108=30")
	logon.Header.SetString(8, "FIX.4.4")
	logon.Header.SetString(49, "DRIP")
	logon.Header.SetString(56, DefaultCompID)
	logon.Header.SetInt(34, 1)
	logon.Header.SetString(52, time.Now().UTC().Format("20060102-15:04:05.000"))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range []byte(logon.String()) {
			select {
			case <-stop:
				return
			case <-time.After(timeout / 10):
			}
			if _, err := drip.conn.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	drip.expectClosed()
	close(stop)
	<-done
	if n := gw.Counters.ConnectionEvents[quickfix.ConnLogonTimeout].Load(); n != 2 {
		t.Errorf("%d logon timeouts counted, want 2", n)
	}
	if out := logs.String(); !strings.Contains(out, `"reason":"logon_timeout"`) || !strings.Contains(out, "FIX connection closed before logon") {
		t.Errorf("no logon_timeout log line:\n%s", out)
	}
}

// TestMaxPendingLogons: beyond MaxPendingLogonsPerHost idle connections from
// one address, new ones are closed at once (no logon timeout here); the ones
// admitted can still log on.
func TestMaxPendingLogons(t *testing.T) {
	t.Parallel()
	gw, logs := startGateway(t, Options{PendingLogonTimeout: -1, MaxPendingLogonsPerHost: 2})
	var conns []*rawClient
	for i := 0; i < 5; i++ {
		conns = append(conns, dialRaw(t, gw.opts.Port, "FIX.4.4", "PEND_"+strconv.Itoa(i), DefaultCompID))
	}
	deadline := time.Now().Add(10 * time.Second)
	for gw.Counters.ConnectionEvents[quickfix.ConnTooManyPending].Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections refused, want 3", gw.Counters.ConnectionEvents[quickfix.ConnTooManyPending].Load())
		}
		time.Sleep(time.Millisecond)
	}
	loggedOn := 0
	for _, c := range conns {
		c.logon("")
		if m := c.read(); m != nil {
			if m[fixtag.MsgType] != "A" {
				t.Fatalf("%v", m)
			}
			loggedOn++
		}
	}
	if loggedOn != 2 {
		t.Errorf("%d logged on, want 2", loggedOn)
	}
	if n := gw.Counters.ConnectionEvents[quickfix.ConnTooManyPending].Load(); n != 3 {
		t.Errorf("%d refused, want 3", n)
	}
	if out := logs.String(); !strings.Contains(out, `"reason":"too_many_pending"`) {
		t.Errorf("no too_many_pending log line:\n%s", out)
	}
}

// TestConnLogLimiter: one line per kind per connLogEvery; the next one counts
// those suppressed.
func TestConnLogLimiter(t *testing.T) {
	var l connLogLimiter
	t0 := time.Unix(1000, 0)
	k, other := quickfix.ConnTooManyPending, quickfix.ConnLogonTimeout
	if ok, n := l.allow(k, t0); !ok || n != 0 {
		t.Fatalf("first: %v %d", ok, n)
	}
	for i := 1; i <= 5; i++ {
		if ok, _ := l.allow(k, t0.Add(time.Duration(i)*100*time.Millisecond)); ok {
			t.Fatalf("line %d within connLogEvery allowed", i)
		}
	}
	if ok, _ := l.allow(other, t0.Add(time.Millisecond)); !ok {
		t.Fatal("another kind was suppressed")
	}
	if ok, n := l.allow(k, t0.Add(connLogEvery)); !ok || n != 5 {
		t.Fatalf("after connLogEvery: %v, %d suppressed, want true, 5", ok, n)
	}
	if ok, n := l.allow(k, t0.Add(3*connLogEvery)); !ok || n != 0 {
		t.Fatalf("later: %v %d", ok, n)
	}
}

// TestMaxMessageSize: a header declaring BodyLength 1.9 GB is refused as soon
// as it is read (the client is still streaming the body; upstream buffered
// it); a logged-on session sending more than MaxMessageSize gets a Logout
// saying so and is disconnected.
func TestMaxMessageSize(t *testing.T) {
	t.Parallel()
	gw, logs := startGateway(t, Options{})
	c := dialRaw(t, gw.opts.Port, "FIX.4.4", "HUGE", DefaultCompID)
	if _, err := c.conn.Write([]byte("8=FIX.4.4\x019=1900000000\x0135=A\x01")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.conn.Write(chunk); err != nil {
				return
			}
		}
	}()
	c.expectClosed()
	close(stop)
	<-done

	s := dialRaw(t, gw.opts.Port, "FIX.4.4", "BIGMSG", DefaultCompID)
	s.logon("")
	s.readUntil("A")
	s.write("35=1|112=" + strings.Repeat("z", DefaultMaxMessageSize))
	m := s.readUntil("5")
	if !strings.HasPrefix(m[fixtag.Text], "BodyLength(9) ") || !strings.HasSuffix(m[fixtag.Text], " exceeds the limit of 65536 bytes") {
		t.Fatalf("Logout Text %q", m[fixtag.Text])
	}
	s.expectClosed()
	if n := gw.Counters.ConnectionEvents[quickfix.ConnMessageTooLarge].Load(); n != 2 {
		t.Errorf("%d too-large messages counted, want 2", n)
	}
	out := logs.String()
	for _, want := range []string{"FIX connection closed before logon", "FIX session disconnected", `"reason":"message_too_large"`, "1900000000", `"session":"FIX.4.4:ENGINE->BIGMSG"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// fdChildEnv runs TestAcceptSurvivesFDExhaustion's child: a gateway with few
// file descriptors to spare.
const fdChildEnv = "MATCHD_GATEWAY_FD_CHILD"

// TestAcceptSurvivesFDExhaustion runs a gateway in a child process whose file
// descriptor limit leaves it about ten to spare, opens 40 idle connections
// until the child has no descriptor left (so Accept fails with EMFILE),
// closes them, and then logs on: the Logon is answered, and the child logged
// the failed Accept. Upstream's accept loop returned on the first EMFILE and
// no Logon was ever answered again.
func TestAcceptSurvivesFDExhaustion(t *testing.T) {
	if os.Getenv(fdChildEnv) == "1" {
		fdChild(t)
		return
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptSurvivesFDExhaustion$", "-test.count=1")
	cmd.Env = append(os.Environ(), fdChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var out []string
	waitFor := func(prefix string) string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("child ended before %q:\n%s\n%s", prefix, strings.Join(out, "\n"), stderr.String())
				}
				out = append(out, l)
				if strings.HasPrefix(l, prefix) {
					return strings.TrimPrefix(l, prefix)
				}
			case <-timeout:
				t.Fatalf("no %q from the child:\n%s", prefix, strings.Join(out, "\n"))
			}
		}
	}
	childDone := false
	finish := func() {
		if childDone {
			return
		}
		childDone = true
		stdin.Close()
		for l := range lines {
			out = append(out, l)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v\n%s\n%s", err, strings.Join(out, "\n"), stderr.String())
		}
	}
	defer finish()
	defer func() {
		if t.Failed() {
			finish()
			t.Logf("child output:\n%s", strings.Join(out, "\n"))
		}
	}()
	port, err := strconv.Atoi(waitFor("port "))
	if err != nil {
		t.Fatal(err)
	}
	var idle []net.Conn
	for i := 0; i < 40; i++ {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	waitFor("fds exhausted")
	for _, c := range idle {
		c.Close()
	}
	// The child closes its ends as it reads their EOFs: until it has, a Logon
	// may find no descriptor for the session's store and be refused with a
	// Logout; try again then. Without an answer at all, read fails the test.
	for attempt := 1; ; attempt++ {
		c := dialRaw(t, port, "FIX.4.4", "AFTER_EMFILE", DefaultCompID)
		c.logon("")
		m := c.read()
		if m != nil && m[fixtag.MsgType] == "A" {
			c.write("35=5")
			c.readUntil("5")
			break
		}
		c.conn.Close()
		if attempt == 50 {
			t.Fatalf("no Logon answered in %d attempts; last answer %v", attempt, m)
		}
		time.Sleep(100 * time.Millisecond)
	}
	finish()
	logs := strings.Join(out, "\n")
	if !strings.Contains(logs, "FIX accept failed; retrying") || !strings.Contains(logs, "too many open files") {
		t.Errorf("the child did not log the failed Accept:\n%s", logs)
	}
}

// fdChild is the child of TestAcceptSurvivesFDExhaustion: it starts a gateway,
// lowers its file descriptor limit to what is open plus ten, prints its port,
// says when it cannot open a file any more, and runs until its stdin closes;
// then it prints its log.
func fdChild(t *testing.T) {
	gw, logs := startGateway(t, Options{PendingLogonTimeout: -1, MaxPendingLogons: -1, MaxPendingLogonsPerHost: -1})
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = uint64(len(entries) + 10)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("port " + strconv.Itoa(gw.opts.Port) + "\n")
	stdinDone := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stdinDone) }()
	said := false
	for {
		select {
		case <-stdinDone:
			os.Stdout.WriteString(logs.String())
			return
		case <-time.After(time.Millisecond):
		}
		if said {
			continue
		}
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			said = true
			os.Stdout.WriteString("fds exhausted\n")
		} else if err == nil {
			f.Close()
		}
	}
}
