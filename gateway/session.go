package gateway

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// session is the gateway's state for one FIX session, i.e. one owner. It outlives
// connections: it is created at the first logon (or at New for owners found in
// the registry) and kept until Stop.
type session struct {
	id    quickfix.SessionID
	owner uint32
	fix42 bool

	// limiter is the session's message-rate token bucket.
	limiter limiter
	// cmd is the decode scratch for FromApp. QuickFIX calls FromApp from the
	// session's own goroutine only, one message at a time, so it needs no lock;
	// keeping it here rather than on the stack avoids an allocation per message
	// (a pointer passed to the Sink interface would escape).
	cmd engine.Command

	// mu guards the fields below. Deliver holds it to queue a report, the sender
	// to take a batch; nobody holds it while calling QuickFIX.
	mu sync.Mutex
	// online is true between OnLogon and OnLogout, or until a send fails.
	online bool
	// pending holds the reports not yet handed to QuickFIX, oldest first: those
	// of an offline session, and those its sender has not reached yet. At most
	// Options.PendingLimit while offline; online, the outbound bound applies
	// (overBound).
	pending eventQueue
	// sending is true while a sender goroutine runs for the session; inflight
	// while it holds a batch taken from pending, or regenerates.
	sending, inflight bool
	// wake tells the sender that there is work or that the session went offline.
	wake chan struct{}
	// qf is QuickFIX's outbound accounting of the session, set at logon.
	qf *quickfix.Outbound
	// kicked is set when the session is logged out as a slow consumer, until
	// its next logon.
	kicked bool
	// gap, when set, says that the reports with ExecIDs gapExec..gapEnd were
	// forgotten (spill): nothing of them is in memory, and the sender
	// regenerates them from the journal before anything in pending. gapSeq is
	// at or before the command Seq of the event gapExec, gapEndSeq is the Seq
	// of gapEnd. Every report of the session with an ExecID in the range is
	// regenerated; pending holds only later ones.
	gap               bool
	gapExec, gapSeq   uint64
	gapEnd, gapEndSeq uint64
	// dropped counts reports that could not be regenerated (no Regenerate, or
	// the journal failed) since the session was last told by a News (B).
	dropped     uint64
	lastDropped uint64
}

// signal wakes the session's sender, if it waits.
func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// DefaultRateBurst is the bucket depth used when none is configured: one
// second's worth of messages at the limit (at least 1). The limiter sees a
// message when the session's goroutine reaches it, not when the client sent
// it, so the burst must absorb the client's own batching plus every stall on
// the server's side (a GC cycle, the scheduler on a busy machine, a slow
// disk): whatever arrived meanwhile is read back to back. A depth of a tenth
// of a second (the former default) refused 3,534 of 12,000 orders from a client
// at 4000/s under a 5000/s limit sending 400-message chunks: a stall of 25 ms
// merged two chunks. One second's worth tolerates a stall of about a second at
// that rate; a session above the limit is still held to it once the bucket is
// empty (after Burst/(rate-limit) seconds: 5 s at 6000/s).
func DefaultRateBurst(ratePerSecond int) int { return max(ratePerSecond, 1) }

// limiterParams is the limiter's interval and tau for a rate and a burst (an
// interval of 0, no limit, for a rate <= 0).
func limiterParams(ratePerSecond, burst int) (interval, tau int64) {
	if ratePerSecond <= 0 {
		return 0, 0
	}
	interval = max(int64(time.Second)/int64(ratePerSecond), 1)
	return interval, interval * int64(max(burst, 1)-1)
}

// limiter is a token bucket in its GCRA form, on integers: a message at time now
// conforms if the theoretical arrival time tat is at most now+tau; it then moves
// tat one interval on. interval = 1s/rate, tau = interval*(burst-1). An interval
// of 0 disables the limit. Safe for concurrent use (the CAS loop), although each
// session's FromApp calls come from one goroutine.
type limiter struct {
	interval int64
	tau      int64
	tat      atomic.Int64
}

func (l *limiter) allow(now int64) bool {
	if l.interval == 0 {
		return true
	}
	for {
		old := l.tat.Load()
		t := max(old, now)
		if t-now > l.tau {
			return false
		}
		if l.tat.CompareAndSwap(old, t+l.interval) {
			return true
		}
	}
}
