package gateway

import (
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// Delivery: reports travel from Deliver, called by the pipeline's releaser,
// through a per-session FIFO to that session's sender goroutine, which formats
// them and hands them to QuickFIX. Why a goroutine per session, and what happens
// to the reports of a session that is offline or not reading: doc.go, Delivery
// and Slow and offline sessions; the bound and the regeneration are spill.go.

// flushBatch is how many queued reports a session's sender takes per hold of
// the session's lock, so that Deliver is never kept waiting long.
const flushBatch = 64

// drainWait bounds how long Stop waits for the senders to hand over what is
// queued for logged-on sessions before logging them out.
const drainWait = 5 * time.Second

// Deliver queues the report for ev on its owner's session. It must be called
// from one goroutine, in event order, once ev's command is durable. It never
// waits on QuickFIX: each logged-on session has a sender goroutine that hands its
// queued reports to QuickFIX in order (see sender), so a session QuickFIX has
// blocked (a client that stopped reading) holds up only its own reports. A report
// for a session that is not logged on waits in the same queue and goes out right
// after its next logon, before any newer report. When a session's queue is over
// its bound, its reports are forgotten and regenerated from the journal later
// (spill.go); an online session over the outbound bound is logged out as a slow
// consumer. See doc.go, Delivery.
func (g *Gateway) Deliver(ev *engine.Event) {
	switch ev.Kind {
	case engine.EvRejected:
		g.Counters.OrderRejects[ev.Reason].Add(1)
	case engine.EvCancelRejected:
		g.Counters.CancelRejects[ev.Reason].Add(1)
	}
	g.role.lastTime.Store(ev.Time)
	g.role.lastExec.Store(ev.ExecID)
	s := g.sessionOf(ev.Owner)
	if s == nil {
		g.Counters.ReportsDropped.Add(1)
		g.log.Error().Uint32("owner", ev.Owner).Uint64("exec_id", ev.ExecID).Msg("report for an unknown owner dropped")
		return
	}
	if g.role.standby.Load() && g.deliverStandby(s, ev) {
		return
	}
	s.mu.Lock()
	online := s.online
	if online {
		s.pending.push(ev)
		if s.gap {
			// The sender is regenerating, at the client's pace (regenRoom): what
			// queues behind it is the gateway's backlog, not the client's.
			if 2*s.pending.len() >= g.opts.OutboundMessages || 2*int64(s.pending.len())*reportSizeEstimate >= g.opts.OutboundBytes {
				g.spill(s)
			}
		} else if msgs, bytes, over := g.overBound(s); over {
			g.kick(s, msgs, bytes)
			online = false
		}
	} else {
		if s.pending.len() >= g.opts.PendingLimit {
			g.spill(s)
		}
		s.pending.push(ev)
		g.Counters.ReportsQueued.Add(1)
	}
	s.mu.Unlock()
	s.signal() // work, or (kicked) offline: the sender returns
}

// send hands one report to QuickFIX (which queues it for the session's
// goroutine). Only the session's sender calls it.
func (g *Gateway) send(s *session, b *reportBuilder, ev *engine.Event) error {
	b.resend = ev.ExecID <= g.role.resendThrough.Load()
	err := quickfix.SendToTarget(b.build(ev, s.fix42, g.syms), s.id)
	if err == nil {
		g.Counters.ReportsOut.Add(1)
	}
	return err
}

// startSender marks s online and makes sure its sender runs. Called by OnLogon.
func (g *Gateway) startSender(s *session) (queued int, gap bool) {
	qf, _ := quickfix.OutboundOf(s.id)
	s.mu.Lock()
	s.online = true
	s.kicked = false
	s.qf = qf
	queued = s.pending.len()
	if s.gap || 2*int64(queued) > int64(g.opts.OutboundMessages) || 2*int64(queued)*reportSizeEstimate > g.opts.OutboundBytes {
		// Kept offline, more than the online bound leaves room for, or behind
		// a gap: regenerate them at the client's pace (fillGap), in the same
		// replay as the gap.
		g.spill(s)
	}
	gap = s.gap
	start := !s.sending
	s.sending = true
	s.mu.Unlock()
	if start {
		g.senders.Add(1)
		go g.sender(s)
	} else {
		s.signal()
	}
	return queued, gap
}

// sender hands a logged-on session's reports to QuickFIX, oldest first: first
// those forgotten (the gap, regenerated from the journal, spill.go), then the
// queue, flushBatch at a time, taken from it under s.mu and sent without it, so
// that Deliver never waits while QuickFIX blocks (SendToTarget takes the
// session's send lock, which QuickFIX holds for as long as a blocking write of
// its own lasts). It returns when the session goes offline or the gateway
// stops; reports it could not hand over go back to the front of the queue (or
// into the gap) for the next logon.
func (g *Gateway) sender(s *session) {
	defer g.senders.Done()
	var batch [flushBatch]engine.Event
	b := newReportBuilder()
	var lastSeq uint64 // stage timing: the first report of each command
	for {
		s.mu.Lock()
		if !s.online || g.senderQuit() {
			s.sending = false
			s.mu.Unlock()
			return
		}
		if s.gap || s.dropped > 0 {
			s.inflight = true
			s.mu.Unlock()
			g.fillGap(s, b)
			s.mu.Lock()
			s.inflight = false
			s.mu.Unlock()
			continue
		}
		n := 0
		for n < len(batch) && s.pending.len() > 0 {
			batch[n] = *s.pending.front()
			s.pending.pop()
			n++
		}
		s.inflight = n > 0
		s.mu.Unlock()

		if n == 0 {
			select {
			case <-s.wake:
			case <-g.quit:
			}
			continue
		}
		sent := 0
		var err error
		for ; sent < n; sent++ {
			ev := &batch[sent]
			if err = g.send(s, b, ev); err != nil {
				break
			}
			if g.handed != nil && ev.Seq != lastSeq {
				lastSeq = ev.Seq
				g.handed.Record(time.Now().UnixNano() - ev.Time)
			}
		}
		s.mu.Lock()
		s.inflight = false
		if err != nil {
			// The connection went away before QuickFIX told us (OnLogout): keep
			// what was not handed over, in order, for the next logon.
			g.putBack(s, batch[sent:n])
			s.online = false
			s.sending = false
			left := s.pending.len()
			s.mu.Unlock()
			g.log.Warn().Str("session", s.id.String()).Err(err).Int("pending", left).Msg("handing reports to QuickFIX failed; kept for the next logon")
			return
		}
		s.mu.Unlock()
	}
}

// putBack returns reports the sender took but could not hand over: to the
// front of the queue, or, when reports after them were forgotten meanwhile,
// into the gap (which then starts at the first of them). s.mu is held.
func (g *Gateway) putBack(s *session, evs []engine.Event) {
	if len(evs) == 0 {
		return
	}
	if s.gap {
		s.gapExec, s.gapSeq = evs[0].ExecID, evs[0].Seq
		g.Counters.ReportsSpilled.Add(uint64(len(evs)))
		return
	}
	s.pending.pushFront(evs)
}

// senderQuit reports whether Stop has told the senders to return.
func (g *Gateway) senderQuit() bool {
	select {
	case <-g.quit:
		return true
	default:
		return false
	}
}

// drainSenders waits until every logged-on session's queue has been handed to
// QuickFIX, or until the deadline (a session QuickFIX has blocked never drains).
func (g *Gateway) drainSenders(wait time.Duration) {
	deadline := time.Now().Add(wait)
	for {
		busy := 0
		for _, s := range *g.byOwner.Load() {
			if s == nil {
				continue
			}
			s.mu.Lock()
			if s.online && (s.pending.len() > 0 || s.inflight || s.gap) {
				busy++
			}
			s.mu.Unlock()
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			g.log.Warn().Int("sessions", busy).Msg("stopping with reports still queued for sessions that are not reading")
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// eventQueue is a FIFO ring of events that grows by doubling up to the caller's
// limit and gives its memory back when drained.
type eventQueue struct {
	buf  []engine.Event
	head int
	n    int
}

func (q *eventQueue) len() int { return q.n }

func (q *eventQueue) push(ev *engine.Event) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = *ev
	q.n++
}

func (q *eventQueue) grow() {
	nb := make([]engine.Event, max(16, 2*len(q.buf)))
	for i := 0; i < q.n; i++ {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

// pushFront puts evs back at the head of the queue, in their order, ahead of
// everything queued since.
func (q *eventQueue) pushFront(evs []engine.Event) {
	for i := len(evs) - 1; i >= 0; i-- {
		if q.n == len(q.buf) {
			q.grow()
		}
		q.head = (q.head - 1 + len(q.buf)) % len(q.buf)
		q.buf[q.head] = evs[i]
		q.n++
	}
}

// back returns the newest event; the queue must not be empty.
func (q *eventQueue) back() *engine.Event { return &q.buf[(q.head+q.n-1)%len(q.buf)] }

// clear empties the queue and gives its memory back.
func (q *eventQueue) clear() { q.buf, q.head, q.n = nil, 0, 0 }

// front returns the oldest event; the queue must not be empty.
func (q *eventQueue) front() *engine.Event { return &q.buf[q.head] }

func (q *eventQueue) pop() {
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	if q.n == 0 {
		q.head = 0
		if len(q.buf) > 1024 {
			q.buf = nil // a long offline spell should not pin its memory forever
		}
	}
}
