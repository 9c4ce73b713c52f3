package gateway

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// Roles in a cluster (docs/CLUSTER.md; RAFTWIRE.md decisions 5 and 6). A
// gateway built with Options.Standby starts not serving: every Logon is
// refused with a Logout naming the leader, and Deliver keeps for each owner
// only the reports of the last Options.FailoverResend of sequencer time. The
// server calls SetServing on every change of the raft node's leadership.
// Promoted, the gateway accepts logons and sends each session the reports it
// kept, flagged PossResend(97)=Y, before any newer one; demoted, it logs every
// session out with a Logout naming the new leader (or saying the quorum is
// lost) and closes the connections.
//
// A FIX session's store (sequence numbers, sent messages) is each node's own,
// not replicated: a client moving to a new leader logs on with
// ResetSeqNumFlag(141)=Y, which QuickFIX honours (both sides start at 1).
//
// Owner ids must agree on every node, since the engine's events name owners
// by id: the owner registry is local, so a standby gateway registers every
// listed session at New, in sorted SessionID order, and refuses unlisted
// (dynamic) sessions. Every node must list the same sessions and start from
// a data directory whose registry agrees (a fresh one, or one written the same
// way).
//
// The switch: a report of a command of an earlier term that reaches Deliver
// after the gateway was promoted is queued as a live report, without
// PossResend; the client dedupes by ExecID in any case (decision 6).

// DefaultFailoverResend is Options.FailoverResend's default.
const DefaultFailoverResend = 2 * time.Second

// Leadership is what the gateway needs of the cluster's leadership (the
// server copies it from the pipeline's).
type Leadership struct {
	// Serving: this node is the leader and sequences commands; the gateway
	// accepts logons.
	Serving bool
	// Local: this node is the raft leader (perhaps not Serving yet).
	Local bool
	// LeaderID is the leader's node ID, 0 while none is known.
	LeaderID uint64
	// LeaderFIX is the leader's advertised FIX host:port, "" while unknown.
	LeaderFIX string
	// Term is the raft term of this view.
	Term uint64
}

// notLeaderText is the Text of the Logout refusing a Logon on a gateway that
// does not serve (decision 5).
func notLeaderText(l Leadership) string {
	switch {
	case l.Serving:
		return ""
	case l.LeaderID == 0:
		return "no leader elected yet: retry"
	case l.Local:
		return "this node was just elected leader and is not serving yet: retry"
	case l.LeaderFIX == "":
		return "leader is node " + strconv.FormatUint(l.LeaderID, 10) + ", address not yet known: retry"
	}
	return "not the leader: connect to node " + strconv.FormatUint(l.LeaderID, 10) + " at " + l.LeaderFIX
}

// demotedText is the Text of the Logout of every session when the gateway
// stops serving.
func demotedText(l Leadership) string {
	switch {
	case l.LeaderID == 0:
		return "lost quorum: retry"
	case l.LeaderFIX == "":
		return "leader changed: connect to node " + strconv.FormatUint(l.LeaderID, 10) + " (address not yet known): retry"
	}
	return "leader changed: connect to node " + strconv.FormatUint(l.LeaderID, 10) + " at " + l.LeaderFIX
}

// role is the gateway's cluster role state.
type role struct {
	// standby: not serving. Set before the switch logs sessions out, cleared
	// after the promotion has trimmed the queues.
	standby atomic.Bool
	// view is the latest Leadership the switch applied (logon refusals).
	view atomic.Pointer[Leadership]
	// lastTime and lastExec are the command Time and ExecID of the latest
	// event delivered (Deliver's goroutine writes them).
	lastTime atomic.Int64
	lastExec atomic.Uint64
	// resendThrough: reports with an ExecID up to it were kept through a
	// failover and go out with PossResend(97)=Y.
	resendThrough atomic.Uint64

	// mu orders Deliver's standby path against the promotion.
	mu sync.Mutex

	// The mailbox of SetServing: the latest view, and a wake-up.
	mbMu sync.Mutex
	next *Leadership
	wake chan struct{}

	// The switch goroutine's own: the term it serves in.
	servingTerm    uint64
	servingTermSet bool
}

// SetServing tells the gateway the cluster's leadership changed. Safe from
// any goroutine, it never blocks: the switch runs on a goroutine of the
// gateway's, which applies the latest view given (views given meanwhile are
// skipped; a change of term while serving counts as a demotion and a
// promotion).
func (g *Gateway) SetServing(l Leadership) {
	g.role.mbMu.Lock()
	g.role.next = &l
	g.role.mbMu.Unlock()
	select {
	case g.role.wake <- struct{}{}:
	default:
	}
}

// Serving reports whether the gateway accepts logons (true for a gateway
// without Options.Standby until SetServing says otherwise).
func (g *Gateway) Serving() bool { return !g.role.standby.Load() }

// startRole initializes the role state and starts the switch goroutine
// (stopped by Stop through g.quit).
func (g *Gateway) startRole() {
	g.role.wake = make(chan struct{}, 1)
	view := Leadership{Serving: !g.opts.Standby}
	g.role.view.Store(&view)
	g.role.standby.Store(g.opts.Standby)
	g.senders.Add(1)
	go g.roleLoop()
}

func (g *Gateway) roleLoop() {
	defer g.senders.Done()
	for {
		select {
		case <-g.quit:
			return
		case <-g.role.wake:
		}
		g.role.mbMu.Lock()
		l := g.role.next
		g.role.next = nil
		g.role.mbMu.Unlock()
		if l != nil {
			g.switchRole(*l)
		}
	}
}

// switchRole applies one view: demotion first (serving in another term, or
// not serving any more), then the view, then promotion.
func (g *Gateway) switchRole(l Leadership) {
	serving := !g.role.standby.Load()
	if serving && (!l.Serving || (g.role.servingTermSet && l.Term != g.role.servingTerm)) {
		g.demote(l)
	}
	g.role.view.Store(&l)
	if l.Serving {
		g.role.servingTerm, g.role.servingTermSet = l.Term, true
		if g.role.standby.Load() {
			g.promote(l)
		}
	}
}

// demote stops serving: logons are refused from now on, Deliver keeps only
// the failover window, and every session logged on gets a Logout with the
// reason and has its connection closed a moment later.
func (g *Gateway) demote(l Leadership) {
	text := demotedText(l)
	g.role.mu.Lock()
	g.role.standby.Store(true)
	g.role.mu.Unlock()
	n := 0
	for _, s := range *g.byOwner.Load() {
		if s == nil {
			continue
		}
		s.mu.Lock()
		// What was left to the journal is the new leader's business now: it
		// resends the failover window, the client asks for anything older.
		s.gap, s.dropped, s.lastDropped = false, 0, 0
		if s.online {
			s.online = false
			g.logoutSession(s, text)
			n++
		}
		s.mu.Unlock()
		s.signal()
	}
	g.log.Info().Uint64("term", l.Term).Uint64("leader", l.LeaderID).Str("leader_fix", l.LeaderFIX).Int("sessions_logged_out", n).
		Str("text", text).Msg("FIX gateway not serving any more: sessions logged out, logons refused")
}

// logoutSession sends s a Logout with text and closes its connection after
// slowGrace, from goroutines of their own (as kick). s.mu is held.
func (g *Gateway) logoutSession(s *session, text string) {
	if s.qf == nil {
		return
	}
	conn := s.qf.Conn()
	if conn == nil {
		return
	}
	g.senders.Add(2)
	go func() {
		defer g.senders.Done()
		quickfix.SendLogout(s.id, conn, text)
	}()
	go func() {
		defer g.senders.Done()
		select {
		case <-time.After(g.slowGrace):
		case <-g.quit:
		}
		conn.Close()
	}()
}

// promote starts serving: each session's queue keeps only the reports within
// FailoverResend of the latest sequencer time, marked for PossResend, and
// logons are accepted.
func (g *Gateway) promote(l Leadership) {
	g.role.mu.Lock()
	horizon := g.role.lastTime.Load() - int64(g.opts.FailoverResend)
	if g.opts.FailoverResend < 0 {
		horizon = g.role.lastTime.Load() + 1 // keep none
	}
	kept, expired := 0, 0
	for _, s := range *g.byOwner.Load() {
		if s == nil {
			continue
		}
		s.mu.Lock()
		for s.pending.len() > 0 && s.pending.front().Time < horizon {
			s.pending.pop()
			expired++
		}
		kept += s.pending.len()
		s.mu.Unlock()
	}
	g.role.resendThrough.Store(g.role.lastExec.Load())
	g.role.standby.Store(false)
	g.role.mu.Unlock()
	g.log.Info().Uint64("term", l.Term).Int("failover_reports", kept).Int("reports_expired", expired).
		Msg("FIX gateway serving: logons accepted")
}

// deliverStandby queues ev for s while the gateway does not serve, keeping
// only the failover window and at most PendingLimit reports. It returns false
// when the gateway serves (Deliver queues ev as usual).
func (g *Gateway) deliverStandby(s *session, ev *engine.Event) bool {
	g.role.mu.Lock()
	if !g.role.standby.Load() {
		g.role.mu.Unlock()
		return false
	}
	horizon := ev.Time - int64(g.opts.FailoverResend)
	if g.opts.FailoverResend < 0 {
		horizon = ev.Time + 1 // keep none
	}
	s.mu.Lock()
	for s.pending.len() > 0 && (s.pending.front().Time < horizon || s.pending.len() >= g.opts.PendingLimit) {
		s.pending.pop()
	}
	if ev.Time >= horizon {
		s.pending.push(ev)
	}
	s.mu.Unlock()
	g.role.mu.Unlock()
	g.Counters.ReportsQueued.Add(1)
	return true
}

// registerListed gives every listed session an owner id, in sorted SessionID
// order, so that the nodes of a cluster agree on them (see Roles above).
func (g *Gateway) registerListed() error {
	sids := make([]quickfix.SessionID, 0, len(g.cfg.listed))
	for sid := range g.cfg.listed {
		sids = append(sids, sid)
	}
	sort.Slice(sids, func(i, j int) bool { return sids[i].String() < sids[j].String() })
	for _, sid := range sids {
		owner, created, err := g.owners.assign(sid)
		if err != nil {
			return err
		}
		if created {
			g.addSession(sid, owner)
			g.log.Info().Str("session", sid.String()).Uint32("owner", owner).Msg("listed session registered (cluster)")
		}
	}
	return nil
}
