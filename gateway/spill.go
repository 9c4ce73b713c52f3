package gateway

import (
	"errors"
	"strconv"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// Bounded delivery: what a session that does not read, or stays offline, may
// hold in memory, and how its reports reach it anyway (doc.go, Slow and
// offline sessions).

// slowConsumerGrace is how long a session logged out as a slow consumer has
// to read its Logout before its connection is closed.
const slowConsumerGrace = time.Second

// reportSizeEstimate is what a report still in the gateway's queue counts
// toward Options.OutboundBytes (it is formatted only when handed to
// QuickFIX): the size of a typical ExecutionReport.
const reportSizeEstimate = 256

// errRegenStop stops a regeneration: the session went offline, was logged
// out, or the gateway stops.
var errRegenStop = errors.New("gateway: regeneration stopped")

// Regenerator streams one owner's events from the journal, for the reports
// the gateway forgot (spill). It calls fn, in event order, for the events
// with Owner owner of the commands fromSeq to toSeq (both included, every
// one of them durable), from a goroutine of the caller's (a session's
// sender), and returns fn's first error or its own. It must not keep the
// pointer after fn returns, and must bound its memory whatever the range.
type Regenerator func(owner uint32, fromSeq, toSeq uint64, fn func(*engine.Event) error) error

// overBound reports the session's unsent messages and bytes (its queue plus
// what QuickFIX holds) and whether they exceed the outbound bound. s.mu is
// held; an offline session is never over.
func (g *Gateway) overBound(s *session) (msgs, bytes int64, over bool) {
	if s.qf == nil {
		return 0, 0, false
	}
	m, b := s.qf.Unsent()
	q := int64(s.pending.len())
	msgs, bytes = q+m, q*reportSizeEstimate+b
	return msgs, bytes, msgs > int64(g.opts.OutboundMessages) || bytes > g.opts.OutboundBytes
}

// spill forgets the session's queue: its reports join the gap, to be
// regenerated from the journal at the next logon. s.mu is held.
func (g *Gateway) spill(s *session) {
	n := s.pending.len()
	if n == 0 {
		return
	}
	first, last := s.pending.front(), s.pending.back()
	if !s.gap { // logged once per gap: an offline session spills every PendingLimit reports
		s.gap = true
		s.gapExec, s.gapSeq = first.ExecID, first.Seq
		g.log.Info().Str("session", s.id.String()).Int("reports", n).Uint64("from_exec_id", s.gapExec).
			Msg("report queue over its bound: reports left to the journal, regenerated at the next logon")
	}
	s.gapEnd, s.gapEndSeq = last.ExecID, last.Seq
	s.pending.clear()
	g.Counters.ReportsSpilled.Add(uint64(n))
}

// kick logs a session over the outbound bound out as a slow consumer: its
// queue is spilled, it counts as offline from now on, and a goroutine sends
// it a Logout and closes its connection after slowConsumerGrace. s.mu is held.
func (g *Gateway) kick(s *session, msgs, bytes int64) {
	g.spill(s)
	s.online, s.kicked = false, true
	conn := s.qf.Conn()
	g.Counters.SlowConsumers.Add(1)
	text := "slow consumer: " + strconv.FormatInt(msgs, 10) + " messages / " + strconv.FormatInt(bytes, 10) + " bytes unsent"
	g.log.Warn().Str("session", s.id.String()).Uint32("owner", s.owner).Int64("unsent_messages", msgs).
		Int64("unsent_bytes", bytes).Int("limit_messages", g.opts.OutboundMessages).Int64("limit_bytes", g.opts.OutboundBytes).
		Msg("slow consumer: logging the session out; its reports stay in the journal")
	g.senders.Add(2)
	go func() { // may wait for QuickFIX's send lock until conn is closed
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

// regenStall bounds how long a regeneration waits for a session to read
// before it is logged out as a slow consumer.
const regenStall = 10 * time.Second

// regenRoom waits until the session has room for one more regenerated report:
// what QuickFIX holds unsent for it below half the outbound bound. The
// regeneration sets its own pace, so it waits for the client to read rather
// than push it over the bound; a session that reads nothing for regenStall
// (or that live reports push over the bound, see Deliver) is logged out as a
// slow consumer. It returns false when the session went offline or the
// gateway stops.
func (g *Gateway) regenRoom(s *session) bool {
	var since time.Time
	for {
		s.mu.Lock()
		if !s.online || g.senderQuit() {
			s.mu.Unlock()
			return false
		}
		msgs, bytes := s.qf.Unsent() // not pending: it waits behind the gap
		if 2*msgs < int64(g.opts.OutboundMessages) && 2*bytes < g.opts.OutboundBytes {
			s.mu.Unlock()
			return true
		}
		if since.IsZero() {
			since = time.Now()
		} else if time.Since(since) > regenStall {
			g.kick(s, msgs, bytes)
			s.mu.Unlock()
			return false
		}
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

// fillGap hands the session's forgotten reports to QuickFIX, regenerated
// from the journal, in order, as one pass of the sender: it returns when the
// gap is closed, the session went offline (or over its bound again), or the
// regeneration failed; the sender then loops. A session whose reports could
// not be regenerated gets a News (B) saying which.
func (g *Gateway) fillGap(s *session, b *reportBuilder) {
	s.mu.Lock()
	if !s.online {
		s.mu.Unlock()
		return
	}
	if !s.gap {
		lostFrom, lostTo := s.dropped, s.lastDropped
		s.dropped, s.lastDropped = 0, 0
		s.mu.Unlock()
		if quickfix.SendToTarget(buildLostNotice(lostFrom, lostTo), s.id) == nil {
			g.log.Warn().Str("session", s.id.String()).Uint64("from_exec_id", lostFrom).Uint64("to_exec_id", lostTo).
				Msg("told session that reports could not be regenerated")
		}
		return
	}
	from, fromSeq, end, endSeq := s.gapExec, s.gapSeq, s.gapEnd, s.gapEndSeq
	s.mu.Unlock()

	next, nextSeq := from, fromSeq // the first report not handed yet
	var sendErr error
	t0 := time.Now()
	var n uint64
	fn := func(ev *engine.Event) error {
		if ev.Owner != s.owner || ev.ExecID < next || ev.ExecID > end {
			return nil
		}
		if !g.regenRoom(s) {
			return errRegenStop
		}
		if sendErr = g.send(s, b, ev); sendErr != nil {
			return errRegenStop
		}
		next, nextSeq = ev.ExecID+1, ev.Seq
		n++
		g.Counters.ReportsRegenerated.Add(1)
		return nil
	}
	err := errors.New("gateway: no Regenerator configured (Options.Regenerate)")
	if g.opts.Regenerate != nil {
		err = g.opts.Regenerate(s.owner, fromSeq, endSeq, fn)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil: // every report up to end handed over
		next, nextSeq = end+1, endSeq
	case errors.Is(err, errRegenStop):
		if sendErr != nil { // as in the sender: the connection went away
			s.online = false
		}
	default:
		g.Counters.ReportsDropped.Add(1)
		g.log.Error().Err(err).Str("session", s.id.String()).Uint32("owner", s.owner).Uint64("from_exec_id", next).
			Uint64("to_exec_id", end).Msg("cannot regenerate reports from the journal: the session is told by a News (B)")
		if s.dropped == 0 {
			s.dropped = next
		}
		s.lastDropped = end
		next, nextSeq = end+1, endSeq
	}
	if next > s.gapEnd {
		s.gap = false
	} else {
		s.gapExec, s.gapSeq = next, nextSeq
	}
	g.log.Info().Str("session", s.id.String()).Uint64("reports", n).Uint64("from_exec_id", from).Uint64("to_exec_id", next-1).
		Bool("gap_closed", !s.gap).Str("took", time.Since(t0).Round(time.Microsecond).String()).Msg("reports regenerated from the journal")
}
