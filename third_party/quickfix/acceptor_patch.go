// matchd patch (not upstream QuickFIX/Go; see PATCH.md): what a connection
// may cost before it logs on, what the acceptor does when Accept fails, and
// the events it reports for connections it closes on its own.

package quickfix

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ConnectionLimits bound what a connection may cost the acceptor. The zero
// value is upstream's behaviour: no limit. Set them with
// Acceptor.SetConnectionLimits before Start.
type ConnectionLimits struct {
	// LogonTimeout is how long after the accept the first message, which must
	// be a Logon, may take to arrive complete (a TLS handshake included);
	// otherwise the connection is closed. 0: no limit.
	LogonTimeout time.Duration
	// MaxPending is how many accepted connections may wait for their Logon at
	// once (until a complete Logon has been read from them); a connection
	// beyond it is closed at once. 0: no limit.
	MaxPending int
	// MaxPendingPerHost is MaxPending for one remote IP address. 0: no limit.
	MaxPendingPerHost int
	// MaxBodyLength is the largest BodyLength(9) accepted, before and after
	// logon. A larger one is refused as soon as BodyLength is read, before the
	// body: before logon the connection is closed; after logon the session
	// sends a Logout whose Text says why and disconnects. It also bounds the
	// reader's buffer (MaxBodyLength plus maxFrameOverhead before a read). 0:
	// no limit.
	MaxBodyLength int
	// OnEvent, when not nil, receives each ConnectionEvent instead of the
	// acceptor's global log. The acceptor calls it from its goroutines,
	// concurrently; it must not block.
	OnEvent func(ConnectionEvent)
}

// ConnectionEventKind says what happened to a connection.
type ConnectionEventKind uint8

// Connection events.
const (
	// ConnAcceptRetry: Accept failed (e.g. EMFILE: no file descriptor left);
	// the acceptor tries again after ConnectionEvent.Delay.
	ConnAcceptRetry ConnectionEventKind = iota
	// ConnLogonTimeout: no complete first message within LogonTimeout.
	ConnLogonTimeout
	// ConnTooManyPending: MaxPending or MaxPendingPerHost connections were
	// already waiting for their Logon; this one was closed at once.
	ConnTooManyPending
	// ConnMessageTooLarge: a BodyLength over MaxBodyLength (or that many bytes
	// without a complete message).
	ConnMessageTooLarge
	// ConnNotLogon: the first message was unreadable or not a Logon; the
	// connection was closed without an answer.
	ConnNotLogon
	// ConnLogonRefused: the acceptor answered a Logon with a Logout itself
	// (ConnectionEvent.Err is its Text): the session is already connected,
	// unknown, cannot be created, or the ConnectionValidator refused it.
	ConnLogonRefused
	// NumConnectionEventKinds is the number of kinds.
	NumConnectionEventKinds
)

var connectionEventNames = [NumConnectionEventKinds]string{
	ConnAcceptRetry:     "accept_retry",
	ConnLogonTimeout:    "logon_timeout",
	ConnTooManyPending:  "too_many_pending",
	ConnMessageTooLarge: "message_too_large",
	ConnNotLogon:        "not_logon",
	ConnLogonRefused:    "logon_refused",
}

// String returns a short label, e.g. "logon_timeout".
func (k ConnectionEventKind) String() string {
	if k < NumConnectionEventKinds {
		return connectionEventNames[k]
	}
	return "unknown"
}

// ConnectionEvent is something the acceptor did to a connection on its own.
type ConnectionEvent struct {
	// Kind says what.
	Kind ConnectionEventKind
	// Remote is the peer's address; nil for ConnAcceptRetry.
	Remote net.Addr
	// Session is the session the Logon named; zero before a Logon was read.
	Session SessionID
	// Delay is ConnAcceptRetry's back-off.
	Delay time.Duration
	// Err says why.
	Err error
}

// String formats the event for a log line.
func (e ConnectionEvent) String() string {
	s := "connection " + e.Kind.String()
	if e.Remote != nil {
		s += " from " + e.Remote.String()
	}
	if e.Session != (SessionID{}) {
		s += " session " + e.Session.String()
	}
	if e.Kind == ConnAcceptRetry {
		s += " retry in " + e.Delay.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// SetConnectionLimits sets the limits on connections (see ConnectionLimits).
// Call it before Start.
func (a *Acceptor) SetConnectionLimits(l ConnectionLimits) { a.limits = l }

// connEvent reports e to limits.OnEvent, or else to the global log.
func (a *Acceptor) connEvent(e ConnectionEvent) {
	if a.limits.OnEvent != nil {
		a.limits.OnEvent(e)
		return
	}
	a.globalLog.OnEvent(e.String())
}

// Accept back-off, as net/http's Server.Serve: 5 ms doubling to 1 s.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
)

// acceptRetryDelay returns the back-off after a failed Accept, given the
// previous one (0 after a success).
func acceptRetryDelay(prev time.Duration) time.Duration {
	if prev == 0 {
		return acceptRetryMin
	}
	return min(2*prev, acceptRetryMax)
}

// acceptErrorKind describes an Accept error for the log: the temporary ones
// net/http retries (EMFILE, ENFILE, ECONNABORTED, a timeout) or another. The
// acceptor retries both: only a closed listener ends its loop, since a loop
// that ends stops the venue for good.
func acceptErrorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "out of file descriptors"
	case errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.ECONNRESET):
		return "connection aborted before accept"
	case errors.Is(err, syscall.ENOBUFS), errors.Is(err, syscall.ENOMEM):
		return "out of memory"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "error"
}

// pendingConns counts the connections waiting for their Logon.
type pendingConns struct {
	mu     sync.Mutex
	total  int
	byHost map[string]int
}

// admit counts a new connection from addr against the limits; release
// uncounts it (call it once, also when admit failed: it is a no-op then).
func (a *Acceptor) admit(addr net.Addr) (release func(), err error) {
	host := addr.String()
	if h, _, e := net.SplitHostPort(host); e == nil {
		host = h
	}
	p := &a.pending
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case a.limits.MaxPending > 0 && p.total >= a.limits.MaxPending:
		return func() {}, errors.New(strconv.Itoa(p.total) + " connections are waiting for their Logon (MaxPending)")
	case a.limits.MaxPendingPerHost > 0 && p.byHost[host] >= a.limits.MaxPendingPerHost:
		return func() {}, errors.New(strconv.Itoa(p.byHost[host]) + " connections from " + host + " are waiting for their Logon (MaxPendingPerHost)")
	}
	if p.byHost == nil {
		p.byHost = make(map[string]int)
	}
	p.total++
	p.byHost[host]++
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			p.total--
			if p.byHost[host]--; p.byHost[host] == 0 {
				delete(p.byHost, host)
			}
			p.mu.Unlock()
		})
	}, nil
}

// Refusals of the Logouts the acceptor sends itself (ConnectionEvent.Err of
// a ConnLogonRefused; the Logout's Text is their text).
var (
	// ErrAlreadyLoggedOn: a Logon for a session that is connected.
	ErrAlreadyLoggedOn = errors.New("logon refused: session already logged on")
	// ErrUnknownSession: a Logon for a session not configured (without
	// DynamicSessions).
	ErrUnknownSession = errors.New("logon refused: unknown session")
	// ErrSessionNotAvailable: the session could not be created or connected
	// (the reason is in the global log).
	ErrSessionNotAvailable = errors.New("logon refused: session not available")
)

// refuseLogon answers logon with a Logout whose Text(58) is why's text, from
// the session the Logon addressed, with MsgSeqNum 1: the acceptor writes it
// itself, so that no session's store or sequence numbers are touched. It
// reports a ConnLogonRefused event with why.
func (a *Acceptor) refuseLogon(netConn net.Conn, logon *Message, sessID SessionID, why error) {
	a.connEvent(ConnectionEvent{Kind: ConnLogonRefused, Remote: netConn.RemoteAddr(), Session: sessID, Err: why})
	text := why.Error()
	m := NewMessage()
	m.Header.SetString(tagBeginString, sessID.BeginString)
	m.Header.SetString(tagMsgType, string(msgTypeLogout))
	for _, f := range [...]struct{ to, from Tag }{
		{tagSenderCompID, tagTargetCompID}, {tagSenderSubID, tagTargetSubID}, {tagSenderLocationID, tagTargetLocationID},
		{tagTargetCompID, tagSenderCompID}, {tagTargetSubID, tagSenderSubID}, {tagTargetLocationID, tagSenderLocationID},
	} {
		if v, err := logon.Header.GetBytes(f.from); err == nil && len(v) > 0 {
			m.Header.SetString(f.to, string(v))
		}
	}
	m.Header.SetInt(tagMsgSeqNum, 1)
	m.Header.SetString(tagSendingTime, time.Now().UTC().Format("20060102-15:04:05.000"))
	m.Body.SetString(tagText, text)
	if a.limits.LogonTimeout > 0 {
		_ = netConn.SetWriteDeadline(time.Now().Add(a.limits.LogonTimeout))
	}
	if _, err := netConn.Write(m.build()); err != nil {
		a.globalLog.OnEventf("Logout to %v not sent: %v", sessID, err)
	}
}

// quoteStart quotes the start of a message for a log line, up to a
// Password(554) if it holds one.
func quoteStart(b []byte) string {
	const max = 160
	cut := len(b)
	if i := bytes.Index(b, []byte("\x01554=")); i >= 0 {
		cut = i + 1
	}
	if cut > max {
		cut = max
	}
	if cut < len(b) {
		return strconv.Quote(string(b[:cut])) + "..."
	}
	return strconv.Quote(string(b))
}
