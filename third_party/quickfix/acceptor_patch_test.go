// matchd patch tests (see PATCH.md): the accept loop's retries, the limits on
// connections that have not logged on, the BodyLength cap, and the Logouts the
// acceptor sends itself. Not part of upstream QuickFIX/Go. Run from matchd's
// root:
//
//	go test -count=1 -race -run Patch github.com/quickfixgo/quickfix

package quickfix

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// patchApp accepts every logon.
type patchApp struct{}

func (patchApp) OnCreate(SessionID)                               {}
func (patchApp) OnLogon(SessionID)                                {}
func (patchApp) OnLogout(SessionID)                               {}
func (patchApp) ToAdmin(*Message, SessionID)                      {}
func (patchApp) ToApp(*Message, SessionID) error                  { return nil }
func (patchApp) FromAdmin(*Message, SessionID) MessageRejectError { return nil }
func (patchApp) FromApp(*Message, SessionID) MessageRejectError   { return nil }

// eventRecorder keeps the ConnectionEvents and signals each on a channel.
type eventRecorder struct {
	mu     sync.Mutex
	events []ConnectionEvent
	ch     chan ConnectionEvent
}

func (r *eventRecorder) add(e ConnectionEvent) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.ch <- e:
	default:
	}
}

// wait returns the next event of kind k (others are skipped), failing the
// test after 10 s.
func (r *eventRecorder) wait(t *testing.T, k ConnectionEventKind) ConnectionEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.ch:
			if e.Kind == k {
				return e
			}
		case <-deadline:
			t.Fatalf("no %v event; got %v", k, r.all())
		}
	}
}

func (r *eventRecorder) all() []ConnectionEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ConnectionEvent(nil), r.events...)
}

func (r *eventRecorder) count(k ConnectionEventKind) int {
	n := 0
	for _, e := range r.all() {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// startPatchAcceptor runs an acceptor for settings text on a loopback listener
// (wrapped by wrap when not nil), as Start does, and stops it at the end of
// the test. It returns the listener's address.
func startPatchAcceptor(t *testing.T, text string, limits ConnectionLimits, wrap func(net.Listener) net.Listener, setup ...func(*Acceptor)) (*Acceptor, string, *eventRecorder) {
	t.Helper()
	settings, err := ParseSettings(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAcceptor(patchApp{}, NewMemoryStoreFactory(), settings, NewNullLogFactory())
	if err != nil {
		t.Fatal(err)
	}
	rec := &eventRecorder{ch: make(chan ConnectionEvent, 1000)}
	limits.OnEvent = rec.add
	a.SetConnectionLimits(limits)
	for _, f := range setup {
		f(a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener = ln
	if wrap != nil {
		l = wrap(ln)
	}
	a.listeners = map[string]net.Listener{ln.Addr().String(): l}
	for _, s := range a.sessions {
		a.sessionGroup.Add(1)
		go func(s *session) {
			s.run()
			a.sessionGroup.Done()
		}(s)
	}
	if a.dynamicSessions {
		a.dynamicSessionChan = make(chan *session)
		a.sessionGroup.Add(1)
		go func() {
			a.dynamicSessionsLoop()
			a.sessionGroup.Done()
		}()
	}
	a.listenerShutdown.Add(1)
	go a.listenForConnections(l)
	t.Cleanup(a.Stop)
	return a, ln.Addr().String(), rec
}

// patchSettings lists one FIX.4.4 session ACC (us) - client; dynamic adds
// DynamicSessions=Y.
func patchSettings(client string, dynamic bool) string {
	s := "[DEFAULT]\nSenderCompID=ACC\n"
	if dynamic {
		s += "DynamicSessions=Y\n"
	}
	return s + "[SESSION]\nBeginString=FIX.4.4\nTargetCompID=" + client + "\n"
}

// rawConn is a FIX client over a plain socket.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	p    *parser
}

func dialPatch(t *testing.T, addr string) *rawConn {
	t.Helper()
	return dialPatchFrom(t, addr, nil)
}

func dialPatchFrom(t *testing.T, addr string, local net.Addr) *rawConn {
	t.Helper()
	d := net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, conn: c, p: newParser(c)}
}

// fixBytes builds a message from sender to target with the given body fields
// ("58=hi", ...).
func fixBytes(begin, msgType, sender, target string, seq int, body ...string) []byte {
	m := NewMessage()
	m.Header.SetString(tagBeginString, begin)
	m.Header.SetString(tagMsgType, msgType)
	m.Header.SetString(tagSenderCompID, sender)
	m.Header.SetString(tagTargetCompID, target)
	m.Header.SetInt(tagMsgSeqNum, seq)
	m.Header.SetString(tagSendingTime, time.Now().UTC().Format("20060102-15:04:05.000"))
	for _, f := range body {
		k, v, _ := strings.Cut(f, "=")
		tag, _ := strconv.Atoi(k)
		m.Body.SetString(Tag(tag), v)
	}
	return m.build()
}

func (r *rawConn) send(b []byte) {
	r.t.Helper()
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// logon sends a FIX.4.4 Logon from sender to ACC.
func (r *rawConn) logon(sender string) {
	r.send(fixBytes("FIX.4.4", "A", sender, "ACC", 1, "98=0", "108=30"))
}

// next reads the next message; nil at EOF or a reset. It fails the test after
// 10 s without one.
func (r *rawConn) next() *Message {
	r.t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := r.p.ReadMessage()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			r.t.Fatal("no message and no close within 10 s")
		}
		return nil
	}
	m := NewMessage()
	if err := ParseMessage(m, b); err != nil {
		r.t.Fatalf("parse %q: %v", b, err)
	}
	return m
}

// expect reads the next message and checks its MsgType.
func (r *rawConn) expect(msgType string) *Message {
	r.t.Helper()
	m := r.next()
	if m == nil {
		r.t.Fatalf("closed while waiting for MsgType %s", msgType)
	}
	if got, _ := m.MsgType(); got != msgType {
		r.t.Fatalf("MsgType %s, want %s: %v", got, msgType, m)
	}
	return m
}

// expectClosed reads until the acceptor closes the connection.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	if m := r.next(); m != nil {
		r.t.Fatalf("got %v, want the connection closed", m)
	}
}

// expectLogout reads a Logout whose Text is text, and the close after it.
func (r *rawConn) expectLogout(text string) *Message {
	r.t.Helper()
	m := r.expect("5")
	if got, _ := m.Body.GetString(tagText); got != text {
		r.t.Fatalf("Logout Text %q, want %q", got, text)
	}
	r.expectClosed()
	return m
}

// flakyListener fails its first Accepts with errs, then accepts.
type flakyListener struct {
	net.Listener
	mu   sync.Mutex
	errs []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// TestPatchAcceptRetries: Accept errors (file descriptors exhausted, a
// connection aborted, a timeout, anything) are retried with a back-off of 5 ms
// doubling to 1 s, each reported, and a Logon is answered afterwards. Upstream
// returned from the loop on the first error: nothing was accepted again.
func TestPatchAcceptRetries(t *testing.T) {
	t.Parallel()
	opErr := func(e error) error {
		return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", e)}
	}
	errs := []error{opErr(syscall.EMFILE), opErr(syscall.ENFILE), opErr(syscall.ECONNABORTED), errors.New("something else"),
		opErr(syscall.EMFILE), opErr(syscall.EMFILE), opErr(syscall.EMFILE), opErr(syscall.EMFILE), opErr(syscall.EMFILE)}
	n := len(errs)
	_, addr, rec := startPatchAcceptor(t, patchSettings("RETRY_C", false), ConnectionLimits{},
		func(l net.Listener) net.Listener { return &flakyListener{Listener: l, errs: errs} })
	c := dialPatch(t, addr)
	c.logon("RETRY_C")
	c.expect("A")

	var delays []time.Duration
	for _, e := range rec.all() {
		if e.Kind == ConnAcceptRetry {
			delays = append(delays, e.Delay)
		}
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000}
	if len(delays) != n {
		t.Fatalf("%d retries %v, want %d", len(delays), delays, n)
	}
	for i := range want {
		if delays[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", delays, want)
		}
	}
	if e := rec.all()[0]; !strings.Contains(e.String(), "out of file descriptors") || !strings.Contains(e.String(), "too many open files") {
		t.Errorf("first event %q does not say what failed", e.String())
	}
	if got := acceptRetryDelay(time.Second); got != time.Second {
		t.Errorf("delay after 1 s: %v, want 1 s", got)
	}
}

// TestPatchAcceptLoopEndsWhenClosed: Stop still ends the accept loop (on
// net.ErrClosed, and on any error once stopping, for listeners that do not
// wrap it).
func TestPatchAcceptLoopEndsWhenClosed(t *testing.T) {
	t.Parallel()
	a, _, _ := startPatchAcceptor(t, patchSettings("CLOSE_C", false), ConnectionLimits{},
		func(l net.Listener) net.Listener { return &opaqueCloseListener{l} })
	done := make(chan struct{})
	go func() { a.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return: the accept loop kept retrying")
	}
}

// opaqueCloseListener hides net.ErrClosed in its errors.
type opaqueCloseListener struct{ net.Listener }

func (l *opaqueCloseListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, errors.New("listener gone: " + strings.ReplaceAll(err.Error(), "closed", "shut"))
	}
	return c, nil
}

// TestPatchLogonTimeout: a connection that sends nothing, or trickles a Logon
// a byte at a time, is closed LogonTimeout after the accept and reported; a
// session that logged on is not subject to it.
func TestPatchLogonTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	_, addr, rec := startPatchAcceptor(t, patchSettings("TIMEOUT_C", false), ConnectionLimits{LogonTimeout: timeout}, nil)

	silent := dialPatch(t, addr)
	silent.expectClosed()
	if e := rec.wait(t, ConnLogonTimeout); e.Remote.String() != silent.conn.LocalAddr().String() {
		t.Errorf("event names %v, want %v", e.Remote, silent.conn.LocalAddr())
	}

	trickle := dialPatch(t, addr)
	logon := fixBytes("FIX.4.4", "A", "TIMEOUT_C", "ACC", 1, "98=0", "108=30")
	stop := make(chan struct{})
	go func() {
		for _, b := range logon {
			select {
			case <-stop:
				return
			case <-time.After(timeout / 10):
			}
			if _, err := trickle.conn.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	trickle.expectClosed()
	close(stop)
	rec.wait(t, ConnLogonTimeout)

	ok := dialPatch(t, addr)
	ok.logon("TIMEOUT_C")
	ok.expect("A")
	time.Sleep(3 * timeout) // past the logon timeout: the read deadline must be gone
	ok.send(fixBytes("FIX.4.4", "1", "TIMEOUT_C", "ACC", 2, "112=ping"))
	if hb := ok.expect("0"); !hb.Body.Has(Tag(112)) {
		t.Fatalf("heartbeat without TestReqID: %v", hb)
	}
}

// TestPatchFirstMessageMustBeLogon: a first message that is not a Logon, or
// not a message, closes the connection without an answer and is reported.
func TestPatchFirstMessageMustBeLogon(t *testing.T) {
	t.Parallel()
	_, addr, rec := startPatchAcceptor(t, patchSettings("FIRST_C", false), ConnectionLimits{}, nil)
	c := dialPatch(t, addr)
	c.send(fixBytes("FIX.4.4", "0", "FIRST_C", "ACC", 1))
	c.expectClosed()
	if e := rec.wait(t, ConnNotLogon); !strings.Contains(e.Err.Error(), "not a Logon") {
		t.Errorf("event %v", e)
	}
	c = dialPatch(t, addr)
	c.send([]byte("8=FIX.4.4\x019=5\x01xxxxx\x0110=000\x01"))
	c.expectClosed()
	if e := rec.wait(t, ConnNotLogon); !strings.Contains(e.Err.Error(), "invalid message") {
		t.Errorf("event %v", e)
	}
	// A message that is not a Logon but carries a Password: not logged.
	c = dialPatch(t, addr)
	c.send(fixBytes("FIX.4.4", "0", "FIRST_C", "ACC", 1, "554=secret"))
	c.expectClosed()
	if e := rec.wait(t, ConnNotLogon); strings.Contains(e.Err.Error(), "secret") || !strings.Contains(e.Err.Error(), "...") {
		t.Errorf("event %v", e)
	}
}

// waitPending waits until n connections are counted as waiting for a Logon.
func waitPending(t *testing.T, a *Acceptor, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.pending.mu.Lock()
		got := a.pending.total
		a.pending.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pending connections, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPatchMaxPending: beyond MaxPending connections waiting for their Logon,
// a new one is closed at once and reported; a Logon frees its slot.
func TestPatchMaxPending(t *testing.T) {
	t.Parallel()
	a, addr, rec := startPatchAcceptor(t, patchSettings("PEND_C", true), ConnectionLimits{MaxPending: 2}, nil)
	idle1, idle2 := dialPatch(t, addr), dialPatch(t, addr)
	waitPending(t, a, 2)
	over := dialPatch(t, addr)
	over.expectClosed()
	if e := rec.wait(t, ConnTooManyPending); !strings.Contains(e.Err.Error(), "MaxPending") {
		t.Errorf("event %v", e)
	}
	idle1.logon("PEND_C")
	idle1.expect("A")
	waitPending(t, a, 1)
	next := dialPatch(t, addr)
	next.logon("PEND_C2")
	next.expect("A")
	idle2.logon("PEND_C3")
	idle2.expect("A")
	waitPending(t, a, 0)
	if n := rec.count(ConnTooManyPending); n != 1 {
		t.Errorf("%d refusals, want 1: %v", n, rec.all())
	}
}

// TestPatchMaxPendingPerHost: the per-address cap refuses a third idle
// connection from 127.0.0.1 but not one from 127.0.0.2.
func TestPatchMaxPendingPerHost(t *testing.T) {
	t.Parallel()
	a, addr, rec := startPatchAcceptor(t, patchSettings("HOST_C", true), ConnectionLimits{MaxPendingPerHost: 2}, nil)
	dialPatch(t, addr)
	dialPatch(t, addr)
	waitPending(t, a, 2)
	over := dialPatch(t, addr)
	over.expectClosed()
	if e := rec.wait(t, ConnTooManyPending); !strings.Contains(e.Err.Error(), "from 127.0.0.1 ") {
		t.Errorf("event %v", e)
	}
	other := dialPatchFrom(t, addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)})
	other.logon("HOST_C")
	other.expect("A")
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// endless yields its prefix, then fill bytes for ever.
type endless struct {
	prefix string
	fill   byte
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.prefix)
	e.prefix = e.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.fill
	}
	return len(p), nil
}

// TestPatchParserBodyLengthCap: a BodyLength over the cap is refused before
// the body is read; a stream that never completes a message is refused once
// the cap (plus the frame's overhead) is buffered; a message at the cap passes.
func TestPatchParserBodyLengthCap(t *testing.T) {
	t.Parallel()
	const limit = 8 << 10
	bound := max(defaultBufSize, 2*(limit+maxFrameOverhead)) // the buffer's growth
	for _, tc := range []struct{ name, prefix, want string }{
		{"declared too large", "8=FIX.4.4\x019=1900000000\x01", "BodyLength(9) 1900000000 exceeds the limit of 8192 bytes"},
		{"one over", "8=FIX.4.4\x019=8193\x01", "BodyLength(9) 8193 exceeds the limit"},
		{"too many digits", "8=FIX.4.4\x019=00000000000000000000000000001\x01", "exceeds the limit"},
		{"endless length", "8=FIX.4.4\x019=1", "no complete message within"},
		{"no trailer", "8=FIX.4.4\x019=100\x01", "no complete message within"},
		{"junk", "", "no complete message within"},
		{"no BodyLength", "8=FIX.4.4\x01", "no complete message within"},
	} {
		r := &countingReader{r: &endless{prefix: tc.prefix, fill: 'x'}}
		p := newParser(r)
		p.maxBodyLength = limit
		_, err := p.ReadMessage()
		var tl *messageTooLargeError
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if r.n > bound || len(p.bigBuffer) > bound {
			t.Errorf("%s: read %d bytes, buffer %d, want at most %d", tc.name, r.n, len(p.bigBuffer), bound)
		}
	}

	body := "35=0\x01112=" + strings.Repeat("y", limit-len("35=0\x01112=\x01")) + "\x01"
	msg := "8=FIX.4.4\x019=" + strconv.Itoa(len(body)) + "\x01" + body + "10=000\x01"
	p := newParser(strings.NewReader(msg + msg))
	p.maxBodyLength = limit
	for i := 0; i < 2; i++ {
		if b, err := p.ReadMessage(); err != nil || b.String() != msg {
			t.Fatalf("message %d at the limit: %v", i, err)
		}
	}
	// No limit: upstream's behaviour.
	big := "35=0\x01112=" + strings.Repeat("y", 1<<20) + "\x01"
	msg = "8=FIX.4.4\x019=" + strconv.Itoa(len(big)) + "\x01" + big + "10=000\x01"
	if b, err := newParser(strings.NewReader(msg)).ReadMessage(); err != nil || b.Len() != len(msg) {
		t.Fatalf("1 MiB message without a limit: %v", err)
	}
}

// TestPatchMessageTooLarge on a socket: before logon the connection is closed
// as soon as BodyLength is read (the client is still streaming the body);
// after logon the session answers with a Logout saying why, then closes.
func TestPatchMessageTooLarge(t *testing.T) {
	t.Parallel()
	_, addr, rec := startPatchAcceptor(t, patchSettings("BIG_C", false), ConnectionLimits{MaxBodyLength: 4096}, nil)
	c := dialPatch(t, addr)
	c.send([]byte("8=FIX.4.4\x019=1900000000\x0135=A\x01"))
	stop := make(chan struct{})
	defer close(stop)
	go func() { // stream the body while the acceptor is expected to hang up
		chunk := []byte(strings.Repeat("x", 4096))
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
	if e := rec.wait(t, ConnMessageTooLarge); e.Session != (SessionID{}) || !strings.Contains(e.Err.Error(), "1900000000") {
		t.Errorf("event %v", e)
	}

	s := dialPatch(t, addr)
	s.logon("BIG_C")
	s.expect("A")
	big := fixBytes("FIX.4.4", "0", "BIG_C", "ACC", 2, "112="+strings.Repeat("z", 5000))
	s.send(big)
	m := NewMessage()
	if err := ParseMessage(m, bytes.NewBuffer(big)); err != nil {
		t.Fatal(err)
	}
	length, _ := m.Header.GetInt(tagBodyLength)
	m = s.expectLogout("BodyLength(9) " + strconv.Itoa(length) + " exceeds the limit of 4096 bytes")
	if seq, _ := m.Header.GetInt(tagMsgSeqNum); seq != 2 {
		t.Errorf("Logout MsgSeqNum %d, want 2 (the session's own)", seq)
	}
	if e := rec.wait(t, ConnMessageTooLarge); e.Session.TargetCompID != "BIG_C" {
		t.Errorf("event %v", e)
	}
}

// refusingValidator refuses every connection.
type refusingValidator struct{}

func (refusingValidator) Validate(net.Conn, SessionID) error {
	return errors.New("logon refused: not from here")
}

// TestPatchLogonRefusedWithLogout: Logons the acceptor refuses itself get a
// Logout whose Text says why (upstream closed the connection silently): a
// second Logon for a connected session (listed or dynamic), an unknown session,
// one that cannot be created (FIXT.1.1 without DefaultApplVerID), one the
// ConnectionValidator refuses. The connected session keeps its connection and
// its address.
func TestPatchLogonRefusedWithLogout(t *testing.T) {
	t.Parallel()
	a, addr, rec := startPatchAcceptor(t, patchSettings("DUP_C", true), ConnectionLimits{}, nil)
	for _, client := range []string{"DUP_C", "DUP_DYN"} { // listed, then dynamic
		first := dialPatch(t, addr)
		first.logon(client)
		first.expect("A")
		second := dialPatch(t, addr)
		second.logon(client)
		m := second.expectLogout(ErrAlreadyLoggedOn.Error())
		for tag, want := range map[Tag]string{tagSenderCompID: "ACC", tagTargetCompID: client, tagMsgSeqNum: "1", tagBeginString: "FIX.4.4"} {
			if got, _ := m.Header.GetString(tag); got != want {
				t.Errorf("%s: Logout tag %d = %q, want %q", client, tag, got, want)
			}
		}
		e := rec.wait(t, ConnLogonRefused)
		if !errors.Is(e.Err, ErrAlreadyLoggedOn) || e.Session.TargetCompID != client || e.Remote.String() != second.conn.LocalAddr().String() {
			t.Errorf("%s: event %v", client, e)
		}
		sid := SessionID{BeginString: "FIX.4.4", SenderCompID: "ACC", TargetCompID: client}
		if got, _ := a.RemoteAddr(sid); got.String() != first.conn.LocalAddr().String() {
			t.Errorf("%s: RemoteAddr %v, want the first connection's %v", client, got, first.conn.LocalAddr())
		}
		first.send(fixBytes("FIX.4.4", "1", client, "ACC", 2, "112=still"))
		first.expect("0")
	}

	fixt := dialPatch(t, addr)
	fixt.send(fixBytes("FIXT.1.1", "A", "FIXT_C", "ACC", 1, "98=0", "108=30", "1137=9"))
	fixt.expectLogout(ErrSessionNotAvailable.Error())
	if e := rec.wait(t, ConnLogonRefused); !errors.Is(e.Err, ErrSessionNotAvailable) || e.Session.BeginString != "FIXT.1.1" {
		t.Errorf("event %v", e)
	}

	_, addr2, rec2 := startPatchAcceptor(t, patchSettings("STATIC_C", false), ConnectionLimits{}, nil)
	unknown := dialPatch(t, addr2)
	unknown.logon("STRANGER")
	unknown.expectLogout(ErrUnknownSession.Error())
	rec2.wait(t, ConnLogonRefused)

	_, addr3, rec3 := startPatchAcceptor(t, patchSettings("VALID_C", false), ConnectionLimits{}, nil,
		func(a *Acceptor) { a.SetConnectionValidator(refusingValidator{}) })
	v := dialPatch(t, addr3)
	v.logon("VALID_C")
	v.expectLogout("logon refused: not from here")
	if e := rec3.wait(t, ConnLogonRefused); e.Err.Error() != "logon refused: not from here" {
		t.Errorf("event %v", e)
	}
}

// refusingApp refuses every Logon.
type refusingApp struct{ patchApp }

func (refusingApp) FromAdmin(m *Message, _ SessionID) MessageRejectError {
	if m.IsMsgTypeOf(string(msgTypeLogon)) {
		return RejectLogon{Text: "no"}
	}
	return nil
}

// readLoops counts the goroutines in readLoop.
func readLoops() int {
	buf := make([]byte, 1<<22)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "quickfix.readLoop(")
}

// TestPatchRefusedLogonLeavesNoReader: a client that sends more behind a Logon
// the application refuses leaves no reader goroutine (and its buffer) behind.
// Upstream's readLoop waited for ever to hand the next message to a session
// that no longer read. Not parallel: it counts every readLoop of the process.
func TestPatchRefusedLogonLeavesNoReader(t *testing.T) {
	settings, err := ParseSettings(strings.NewReader(patchSettings("LEAK_C", false)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAcceptor(refusingApp{}, NewMemoryStoreFactory(), settings, NewNullLogFactory())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.listeners = map[string]net.Listener{ln.Addr().String(): ln}
	for _, s := range a.sessions {
		a.sessionGroup.Add(1)
		go func(s *session) {
			s.run()
			a.sessionGroup.Done()
		}(s)
	}
	a.listenerShutdown.Add(1)
	go a.listenForConnections(ln)
	defer a.Stop()

	before := readLoops()
	for i := 0; i < 5; i++ {
		c := dialPatch(t, ln.Addr().String())
		logon := fixBytes("FIX.4.4", "A", "LEAK_C", "ACC", 1, "98=0", "108=30")
		c.send(append(logon, fixBytes("FIX.4.4", "0", "LEAK_C", "ACC", 2)...))
		c.expectLogout("no")
		c.conn.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for readLoops() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d readLoop goroutines left behind", readLoops()-before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
