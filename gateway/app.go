package gateway

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// app is the gateway's quickfix.Application. QuickFIX calls it from each session's
// goroutine.
type app struct{ g *Gateway }

// OnCreate implements quickfix.Application.
func (a app) OnCreate(quickfix.SessionID) {}

// OnLogon starts the session's sender, which first sends the reports left to
// the journal (regenerated), then those kept in memory while the session was
// offline.
func (a app) OnLogon(sid quickfix.SessionID) {
	g := a.g
	s := g.lookup(sid)
	if s == nil { // cannot happen: FromAdmin created it
		g.log.Error().Str("session", sid.String()).Msg("logon of a session without owner")
		return
	}
	g.mu.Lock()
	g.active[sid] = true
	delete(g.reserved, sid)
	g.mu.Unlock()
	g.Counters.LogonsAccepted.Add(1)
	queued, gap := g.startSender(s)
	if g.role.standby.Load() { // demoted between the logon check and now
		s.mu.Lock()
		s.online = false
		g.logoutSession(s, notLeaderText(*g.role.view.Load()))
		s.mu.Unlock()
		s.signal()
	}
	g.log.Info().Str("session", sid.String()).Uint32("owner", s.owner).Int("reports_queued", queued).
		Bool("reports_in_journal", gap).Msg("FIX session logged on")
}

// OnLogout keeps further reports queued until the next logon; the session's
// sender returns. A session with CancelOnDisconnect=Y that was logged on gets
// its resting orders canceled (cod.go), before it stops counting as logged on,
// so that once ActiveSessions has dropped the cancel is sequenced.
func (a app) OnLogout(sid quickfix.SessionID) {
	g := a.g
	s := g.lookup(sid)
	if s != nil {
		s.mu.Lock()
		s.online = false
		s.mu.Unlock()
		s.signal()
		g.mdDisconnect(s)
	}
	g.mu.Lock()
	wasActive := g.active[sid]
	g.mu.Unlock()
	if wasActive && s != nil {
		g.cancelOnDisconnect(s)
	}
	g.mu.Lock()
	delete(g.active, sid)
	g.mu.Unlock()
	if wasActive {
		g.log.Info().Str("session", sid.String()).Msg("FIX session logged out")
	}
}

// ToAdmin implements quickfix.Application: Logouts get StopWithText's Text.
func (a app) ToAdmin(m *quickfix.Message, _ quickfix.SessionID) { a.g.addLogoutText(m) }

// ToApp implements quickfix.Application. It must not take the session's lock:
// QuickFIX calls it with its own send lock held, while Deliver holds the
// session's lock and waits for QuickFIX's.
func (a app) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }

// FromAdmin checks Logon messages; other admin messages are QuickFIX's business.
func (a app) FromAdmin(msg *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	if !msg.IsMsgTypeOf(fixtag.MsgTypeLogon) {
		return nil
	}
	return a.g.checkLogon(msg, sid)
}

// FromApp decodes an order message and submits it. Anything refused is answered
// by QuickFIX with the Reject or BusinessMessageReject this returns; the session
// stays up and nothing reaches the sink.
func (a app) FromApp(msg *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	g := a.g
	s := g.lookup(sid)
	if s == nil { // cannot happen after a logon that FromAdmin accepted
		g.Counters.MessageRejects[RejectUnavailable].Add(1)
		return &rejectError{text: "session has no owner", reason: bizRejAppNotAvailable, business: true}
	}
	if g.quiescing.Load() {
		g.Counters.MessageRejects[RejectUnavailable].Add(1)
		return &rejectError{text: "server shutting down: message not accepted", reason: bizRejAppNotAvailable, business: true}
	}
	// One clock read serves the rate limiter (monotonic part) and the stage
	// metrics (wall part, comparable with the sequencer's timestamp).
	now := time.Now()
	if !s.limiter.allow(int64(now.Sub(g.epoch))) {
		g.Counters.MessageRejects[RejectRateLimit].Add(1)
		return &rejectError{text: "rate limit exceeded", reason: bizRejOther, business: true}
	}
	if g.opts.MarketData != nil && isMarketDataRequest(msg) {
		return g.marketDataRequest(msg, s)
	}
	cmd := &s.cmd
	if de, ok := g.dec.decode(msg, cmd); !ok {
		g.Counters.MessageRejects[de.kind].Add(1)
		e := de.messageReject()
		if e.business && cmd.ClOrdID.N > 0 {
			e.refID = cmd.ClOrdID.String()
		}
		return e
	}
	cmd.Owner = s.owner
	cmd.Received = now.UnixNano()
	if g.wireIn != nil && !msg.ReceiveTime.IsZero() {
		g.wireIn.Record(int64(now.Sub(msg.ReceiveTime)))
	}
	if err := g.sink.Submit(cmd); err != nil {
		g.Counters.MessageRejects[RejectUnavailable].Add(1)
		return &rejectError{text: "order not accepted: " + err.Error(), reason: bizRejAppNotAvailable, business: true, refID: cmd.ClOrdID.String()}
	}
	g.Counters.OrdersIn.Add(1)
	return nil
}

// checkLogon decides whether sid may log on: known session, right credentials,
// a free session slot, and a durable owner id. A refusal is logged and answered
// by QuickFIX with a Logout carrying the Text.
func (g *Gateway) checkLogon(msg *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	key := sid
	key.Qualifier = ""
	cr, listed := g.cfg.listed[key]
	switch {
	case g.quiescing.Load():
		return g.refuse(sid, RefusedShuttingDown, "logon refused: server shutting down")
	case g.role.standby.Load():
		return g.refuse(sid, RefusedNotLeader, notLeaderText(*g.role.view.Load()))
	case sid == g.cfg.placeholder || strings.HasPrefix(sid.TargetCompID, listenerCompID):
		return g.refuse(sid, RefusedUnknownSession, "logon refused: reserved CompID")
	case !validSessionID(sid):
		return g.refuse(sid, RefusedUnknownSession, "logon refused: CompIDs must be printable ASCII without spaces, at most 64 characters")
	case listed:
		if !checkCredential(msg, fixtag.Username, cr.username) || !checkCredential(msg, fixtag.Password, cr.password) {
			return g.refuse(sid, RefusedBadCredentials, "logon refused: invalid Username(553) or Password(554)")
		}
	case sid.SenderCompID != g.cfg.compID:
		return g.refuse(sid, RefusedUnknownSession, "logon refused: TargetCompID(56) must be "+g.cfg.compID)
	case sid.BeginString != quickfix.BeginStringFIX44 && sid.BeginString != quickfix.BeginStringFIX42:
		return g.refuse(sid, RefusedUnknownSession, "logon refused: BeginString must be FIX.4.4 or FIX.4.2")
	case g.opts.Standby:
		return g.refuse(sid, RefusedUnknownSession, "logon refused: a cluster serves listed sessions only, SenderCompID(49) "+sid.TargetCompID+" is not listed")
	case !g.cfg.dynamic:
		return g.refuse(sid, RefusedUnknownSession, "logon refused: unknown SenderCompID(49) "+sid.TargetCompID+" for "+sid.BeginString)
	}
	if text := checkHeartBtInt(msg); text != "" {
		return g.refuse(sid, RefusedInvalidLogon, text)
	}

	// Reserve a session slot before creating a durable owner, so that a refused
	// logon leaves nothing behind.
	now := time.Now()
	g.mu.Lock()
	if !g.active[sid] {
		for k, t := range g.reserved {
			if now.Sub(t) > logonGrace {
				delete(g.reserved, k)
			}
		}
		n := len(g.active) + len(g.reserved)
		if _, mine := g.reserved[sid]; mine {
			n--
		}
		if n >= g.opts.MaxSessions {
			g.mu.Unlock()
			return g.refuse(sid, RefusedTooManySessions, "logon refused: too many sessions")
		}
		g.reserved[sid] = now
	}
	g.mu.Unlock()

	owner, created, err := g.owners.assign(sid)
	if err != nil {
		g.mu.Lock()
		delete(g.reserved, sid)
		g.mu.Unlock()
		g.log.Error().Err(err).Str("session", sid.String()).Msg("cannot record owner")
		return g.refuse(sid, RefusedInternal, "logon refused: internal error")
	}
	g.addSession(sid, owner)
	if created {
		g.log.Info().Str("session", sid.String()).Uint32("owner", owner).Msg("new owner registered")
	}
	return nil
}

// checkCredential reports whether msg carries tag equal to want; an empty want is
// not checked.
func checkCredential(msg *quickfix.Message, tag quickfix.Tag, want string) bool {
	if want == "" {
		return true
	}
	if !msg.Body.Has(tag) {
		return false
	}
	got, err := msg.Body.GetBytes(tag)
	return err == nil && subtle.ConstantTimeCompare(got, []byte(want)) == 1
}

// refuse logs a refused logon and returns the reject QuickFIX turns into a Logout
// with Text(58).
func (g *Gateway) refuse(sid quickfix.SessionID, why RefuseReason, text string) quickfix.MessageRejectError {
	addr, _ := g.acceptor.RemoteAddr(sid)
	g.logRefused(sid, why, text, addr)
	return quickfix.RejectLogon{Text: text}
}
