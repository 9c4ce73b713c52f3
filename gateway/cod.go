package gateway

import (
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// Cancel on disconnect (CONTRACT.md §7). A session with CancelOnDisconnect=Y
// (SettingCancelOnDisconnect, in its [SESSION] or in [DEFAULT]; dynamic
// sessions take [DEFAULT]'s; default N) that logs out or whose connection drops
// gets every resting order canceled: OnLogout submits one engine.Command
// {Kind: KindMassCancel, Type: MassOnDisconnect, Owner: the session's owner}
// through the Sink, like an order, so it is sequenced, journaled and replayed,
// and it comes after every message the session sent before (FromApp and
// OnLogout run on the session's goroutine) and before anything it sends after
// its next logon. The engine answers with an ExecType=4 per order (Text
// "canceled on disconnect") and no OrderMassCancelReport; the reports wait in
// the session's queue for its next logon like any offline report.
//
// Not when the server itself is shutting down (after Quiesce, or from Stop):
// the logouts then are the server's doing, not the client's, and the orders
// stay in the books, snapshotted and journaled, for the next start; a client
// that wants them gone cancels them itself or on its next disconnect. A
// session that drops while the server drains after Quiesce keeps its orders
// the same way. A Submit failure (the pipeline shutting down or failed) is
// logged at error and counted (Counters.CancelOnDisconnectFailures): the
// orders stay.

// cancelOnDisconnect reports the CancelOnDisconnect setting of sid.
func (c *sessionConfig) cancelOnDisconnect(sid quickfix.SessionID) bool {
	sid.Qualifier = ""
	if cod, listed := c.cod[sid]; listed {
		return cod
	}
	return c.codDefault
}

// cancelOnDisconnect submits the cancel on disconnect of s, which was logged on
// and no longer is, if its settings ask for it. Called by OnLogout.
func (g *Gateway) cancelOnDisconnect(s *session) {
	if !g.cfg.cancelOnDisconnect(s.id) {
		return
	}
	g.mu.Lock()
	stopping := g.stopped
	g.mu.Unlock()
	if g.role.standby.Load() {
		g.log.Info().Str("session", s.id.String()).Uint32("owner", s.owner).
			Msg("cancel on disconnect skipped: this node is not the serving leader, the session's orders stay")
		return
	}
	if stopping || g.quiescing.Load() {
		g.log.Info().Str("session", s.id.String()).Uint32("owner", s.owner).
			Msg("cancel on disconnect skipped: server shutting down, the session's orders stay")
		return
	}
	cmd := engine.Command{Kind: engine.KindMassCancel, Type: engine.MassOnDisconnect, Owner: s.owner,
		Symbol: engine.NoSymbol, Received: time.Now().UnixNano()}
	if err := g.sink.Submit(&cmd); err != nil {
		g.Counters.CancelOnDisconnectFailures.Add(1)
		g.log.Error().Err(err).Str("session", s.id.String()).Uint32("owner", s.owner).
			Msg("cancel on disconnect not submitted: the session's orders stay")
		return
	}
	g.Counters.CancelsOnDisconnect.Add(1)
	g.log.Info().Str("session", s.id.String()).Uint32("owner", s.owner).Msg("cancel on disconnect submitted")
}
