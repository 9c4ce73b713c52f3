package gateway

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/quickfixgo/quickfix"
)

// Connection limits and what the acceptor does on its own (the matchd patch
// of QuickFIX/Go, third_party/quickfix/PATCH.md): Accept retries, connections
// closed before they log on, Logons it answers with a Logout without asking a
// session. connectionLimits configures it; connEvent logs and counts what it
// reports.

// connLogEvery is the least time between two log lines of one kind of
// connection closed before logon; the lines in between are counted in the
// next one's "suppressed".
const connLogEvery = time.Second

// connectionLimits is the acceptor's configuration from o.
func (g *Gateway) connectionLimits(o Options) quickfix.ConnectionLimits {
	return quickfix.ConnectionLimits{
		LogonTimeout:      o.PendingLogonTimeout,
		MaxPending:        o.MaxPendingLogons,
		MaxPendingPerHost: o.MaxPendingLogonsPerHost,
		MaxBodyLength:     o.MaxMessageSize,
		OnEvent:           g.connEvent,
	}
}

// connLogLimiter rate-limits the log lines of each kind of connection event.
type connLogLimiter struct {
	mu         sync.Mutex
	last       [quickfix.NumConnectionEventKinds]time.Time
	suppressed [quickfix.NumConnectionEventKinds]int
}

// allow reports whether an event of kind k may be logged now, and how many
// were suppressed since the last one logged.
func (l *connLogLimiter) allow(k quickfix.ConnectionEventKind, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last[k].IsZero() && now.Sub(l.last[k]) < connLogEvery {
		l.suppressed[k]++
		return false, 0
	}
	n := l.suppressed[k]
	l.last[k], l.suppressed[k] = now, 0
	return true, n
}

// connEvent is the acceptor's ConnectionLimits.OnEvent: it counts the event,
// and logs it. A refused Logon is logged and counted as the gateway's own
// refusals are ("FIX logon refused", LogonsRefused); an Accept failure at
// error level; a connection closed before logon at warn, at most once per
// connLogEvery and kind; a logged-on session disconnected (a message over
// MaxMessageSize) at warn.
func (g *Gateway) connEvent(e quickfix.ConnectionEvent) {
	if e.Kind < quickfix.NumConnectionEventKinds {
		g.Counters.ConnectionEvents[e.Kind].Add(1)
	}
	switch e.Kind {
	case quickfix.ConnLogonRefused:
		why := RefusedUnknownSession
		var r *logonRefusal
		switch {
		case errors.As(e.Err, &r):
			why = r.why
		case errors.Is(e.Err, quickfix.ErrAlreadyLoggedOn):
			why = RefusedAlreadyLoggedOn
		case errors.Is(e.Err, quickfix.ErrSessionNotAvailable):
			why = RefusedInternal
		}
		g.logRefused(e.Session, why, e.Err.Error(), e.Remote)
		return
	case quickfix.ConnAcceptRetry:
		g.log.Error().Err(e.Err).Dur("retry_in", e.Delay).Msg("FIX accept failed; retrying")
		return
	}
	logged := e.Session != (quickfix.SessionID{}) // once per logon: not limited
	ok, suppressed := true, 0
	if !logged {
		ok, suppressed = g.connLog.allow(e.Kind, time.Now())
	}
	if !ok {
		return
	}
	ev := g.log.Warn().Str("reason", e.Kind.String())
	if e.Remote != nil {
		ev = ev.Str("remote", e.Remote.String())
	}
	if e.Session != (quickfix.SessionID{}) {
		ev = ev.Str("session", e.Session.String())
	}
	if e.Err != nil {
		ev = ev.Str("text", e.Err.Error())
	}
	if suppressed > 0 {
		ev = ev.Int("suppressed", suppressed)
	}
	if logged {
		ev.Msg("FIX session disconnected")
		return
	}
	ev.Msg("FIX connection closed before logon")
}

// logRefused counts and logs a refused logon: the one log line of every
// refusal, the gateway's (refuse) and the acceptor's (connEvent).
func (g *Gateway) logRefused(sid quickfix.SessionID, why RefuseReason, text string, remote net.Addr) {
	g.Counters.LogonsRefused[why].Add(1)
	ev := g.log.Warn()
	if why == RefusedNotLeader { // the cluster working as designed
		ev = g.log.Info()
	}
	ev = ev.Str("session", sid.String()).Str("sender_comp_id", sid.TargetCompID).
		Str("begin_string", sid.BeginString).Str("reason", why.String()).Str("text", text)
	if remote != nil {
		ev = ev.Str("remote", remote.String())
	}
	ev.Msg("FIX logon refused")
}

// logonRefusal is a refusal of the gateway's ConnectionValidator, which the
// acceptor sends as the Logout's Text and reports back in a ConnLogonRefused.
type logonRefusal struct {
	why  RefuseReason
	text string
}

func (r *logonRefusal) Error() string { return r.text }

// logonValidator refuses, before any session exists, a Logon whose
// BeginString the gateway does not serve, or whose SenderCompID(49) is empty
// (present without a value; a Logon without 49 does not parse and never gets
// here): QuickFIX would otherwise create a dynamic session for it, a
// FIXT.1.1 one failing for want of a DefaultApplVerID without saying why, one
// for the empty CompID with its store file and a durable owner, then drop the
// connection ("Tag specified without a value") without a word.
type logonValidator struct{}

// Validate implements quickfix.ConnectionValidator.
func (logonValidator) Validate(_ net.Conn, sid quickfix.SessionID) error {
	if sid.BeginString != quickfix.BeginStringFIX44 && sid.BeginString != quickfix.BeginStringFIX42 {
		return &logonRefusal{why: RefusedUnknownSession, text: "logon refused: BeginString must be FIX.4.4 or FIX.4.2"}
	}
	if sid.TargetCompID == "" { // the client's SenderCompID
		return &logonRefusal{why: RefusedInvalidLogon, text: "logon refused: SenderCompID(49) must not be empty"}
	}
	return nil
}
