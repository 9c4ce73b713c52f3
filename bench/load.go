package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// MaxOps bounds LoadConfig's op count: a Load keeps 24 bytes per op
// (intended, sent and completion times), so this is 2.4 GB.
const MaxOps = 100_000_000

// Waiting tactics of the sender. On Linux it sleeps precisely (see
// preciseSleeper) until SpinWindow before an op's due time, then yields
// (runtime.Gosched) in a loop that reads the clock. Elsewhere time.Sleep,
// which overshoots by up to ~1.1 ms on the VMs we run on, is used only while
// more than sleepAbove remains, and only for the time beyond sleepSlack.
const (
	sleepAbove = 2 * time.Millisecond
	sleepSlack = 1500 * time.Microsecond
	maxSleep   = 50 * time.Millisecond // so cancellation is noticed at low rates
	leadIn     = time.Millisecond      // between Run's start and the first intended send
)

// LoadConfig describes an open-loop load.
type LoadConfig struct {
	// Rate is the target in operations per second (> 0). Op i is intended
	// to be sent at start + i/Rate.
	Rate float64
	// Count is the number of ops. If 0, Count = Rate * Duration.
	Count int
	// Duration is the length of the schedule when Count is 0.
	Duration time.Duration
	// Grace is how long Run waits after the last send for completions;
	// ops not completed by then are lost. Default 1s.
	Grace time.Duration
	// LateAfter is the send lag (actual - intended send time) above which
	// an op counts as late. Default: one interval (1/Rate), but at least
	// 10µs so that clock-read jitter is not counted.
	LateAfter time.Duration
	// SpinWindow is how long before an op's due time the sender stops
	// sleeping and yields in a loop instead, to send on time despite the
	// wake-up cost of a sleep (~30 µs here). Spinning takes a CPU from the
	// system under test when both share a machine; 0 never spins, and ops
	// are then sent late by about one wake-up.
	SpinWindow time.Duration
	// Offset shifts the whole schedule: op i is due at start + Offset +
	// i/Rate. Several loads run together by RunLoads share one start, so
	// offsets of k/(total rate) interleave their ops evenly.
	Offset time.Duration
	// InFlight, if > 0, closes the loop: op i is not sent before op
	// i-InFlight has completed. Its intended send time becomes the latest of
	// its scheduled time, that completion, and op i-1's intended time, and its
	// latency is measured from there, so the sender's own delay still counts.
	// Rate then only caps the pace (make it high to send as fast as answers
	// come), Count is the most ops sent, and Duration, if set, ends the
	// sending at start + Offset + Duration. An op in flight that gets no
	// answer within Grace of its send ends the sending (LoadStats.Stalled).
	// This is how the clients of most published FIX benchmarks work ("one
	// order in flight"); open loop is the honest measure of a system serving
	// many independent clients.
	InFlight int
}

// withDefaults validates c and fills its defaults.
func (c LoadConfig) withDefaults() (LoadConfig, error) {
	if !(c.Rate > 0) || math.IsInf(c.Rate, 0) {
		return c, fmt.Errorf("bench: load rate must be a positive number of ops per second, not %v", c.Rate)
	}
	if c.Count < 0 || c.Duration < 0 || c.Grace < 0 || c.LateAfter < 0 || c.Offset < 0 || c.SpinWindow < 0 || c.InFlight < 0 {
		return c, errors.New("bench: load count, duration, grace, late-after, spin window, offset and in-flight must not be negative")
	}
	if c.Count == 0 {
		n := c.Rate * c.Duration.Seconds()
		if n > MaxOps {
			return c, fmt.Errorf("bench: load of %.0f ops exceeds the limit of %d", n, MaxOps)
		}
		c.Count = int(n)
	}
	if c.Count == 0 {
		return c, errors.New("bench: load needs a count or a duration of at least one op")
	}
	if c.Count > MaxOps {
		return c, fmt.Errorf("bench: load of %d ops exceeds the limit of %d", c.Count, MaxOps)
	}
	if c.Grace == 0 {
		c.Grace = time.Second
	}
	if c.LateAfter == 0 {
		c.LateAfter = max(time.Duration(float64(time.Second)/c.Rate), 10*time.Microsecond)
	}
	return c, nil
}

// Load runs an open-loop, coordinated-omission-correct schedule: op i is
// sent at its intended time start + i/Rate whatever happened to earlier ops,
// and its latency is measured from that intended time to its completion. All
// per-op storage is allocated by NewLoad; sending and completing allocate
// nothing.
//
// A Load is used once: NewLoad, then Run from one goroutine, with any number
// of goroutines calling Done or DoneAt meanwhile.
type Load struct {
	cfg      LoadConfig
	base     time.Time      // origin of the load clock (monotonic)
	start    int64          // load-clock origin of the schedule; set by Run before any send
	startAt  time.Time      // if not zero, the wall-clock origin Run uses (RunLoads sets it)
	intended []int64        // op i's intended send time, relative to start
	sentAt   []int64        // op i's actual send time; written and read by Run's goroutine only
	done     []atomic.Int64 // op i's completion time; 0 until completed
	ran      atomic.Bool

	// Counters that cross goroutines, each on its own cache line.
	_         [64]byte
	sent      atomic.Int64 // ops handed to send; written by Run's goroutine
	_         [56]byte
	completed atomic.Int64 // accepted completions; written by completers
	_         [56]byte
	spurious  atomic.Int64 // rejected completions
	_         [56]byte
	closed    atomic.Bool // set when Run stops accepting completions

	wake chan struct{} // closed loop only: a completion wakes the sender
}

// NewLoad validates cfg and allocates the schedule.
func NewLoad(cfg LoadConfig) (*Load, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	l := &Load{
		cfg:      cfg,
		base:     time.Now(),
		intended: make([]int64, cfg.Count),
		sentAt:   make([]int64, cfg.Count),
		done:     make([]atomic.Int64, cfg.Count),
	}
	if cfg.InFlight > 0 {
		l.wake = make(chan struct{}, 1)
	}
	interval := float64(time.Second) / cfg.Rate
	for i := range l.intended {
		l.intended[i] = int64(cfg.Offset) + int64(float64(i)*interval)
	}
	return l, nil
}

// Count is the number of ops in the schedule.
func (l *Load) Count() int { return l.cfg.Count }

// Config returns the configuration with defaults filled in.
func (l *Load) Config() LoadConfig { return l.cfg }

// Now reads the load's monotonic clock: nanoseconds since NewLoad. Use it to
// timestamp a completion for DoneAt.
func (l *Load) Now() int64 { return int64(time.Since(l.base)) }

// Due returns the load-clock time (as Now reads it) at which op i was
// intended to be sent. It is meaningful once Run has started; use it to
// measure a second completion of an op (a fill after an ack) the same way
// Run measures the first. Out-of-range ops give 0.
func (l *Load) Due(i int) int64 {
	if uint(i) >= uint(len(l.intended)) {
		return 0
	}
	return l.start + l.intended[i]
}

// DoneTime returns op i's completion time (load clock) and whether it
// completed. Read it after Run has returned: it names the ops that were
// lost.
func (l *Load) DoneTime(i int) (int64, bool) {
	if uint(i) >= uint(len(l.done)) {
		return 0, false
	}
	t := l.done[i].Load()
	return t, t != 0
}

// Done records that op i completed now. It is DoneAt(i, l.Now()).
func (l *Load) Done(i int) { l.DoneAt(i, l.Now()) }

// DoneAt records that op i completed at load-clock time t (from Now). It
// is safe to call from any goroutine and allocates nothing. A completion for
// an op that does not exist, has not been sent yet, was already completed, or
// arrives after Run stopped waiting is not recorded and counts as spurious.
func (l *Load) DoneAt(i int, t int64) {
	if uint(i) >= uint(len(l.done)) || int64(i) >= l.sent.Load() || l.closed.Load() {
		l.spurious.Add(1)
		return
	}
	if t <= 0 {
		t = 1 // 0 means "not completed"; a real completion is never at the clock origin
	}
	if !l.done[i].CompareAndSwap(0, t) {
		l.spurious.Add(1)
		return
	}
	l.completed.Add(1)
	if l.wake != nil {
		select {
		case l.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// LoadResult is what an open-loop run measured.
type LoadResult struct {
	// Stats are the counters (sent, completed, lost, late, ...).
	Stats LoadStats
	// Start is the wall-clock time of op 0's intended send.
	Start time.Time
	// Elapsed runs from op 0's intended send to the last completion (or the
	// last send, if later).
	Elapsed time.Duration
	// Latency is the corrected histogram: completion - intended send time,
	// in ns, for every completed op. This is what a user of the system sees.
	Latency *hdrhistogram.Histogram
	// Service is the uncorrected histogram: completion - actual send time.
	// When send blocks (a closed-loop client), this is the naive
	// measurement that coordinated omission makes too optimistic; it is kept
	// to show the difference, not to be reported as the latency.
	Service *hdrhistogram.Histogram
	// SendLag is actual - intended send time of every sent op: the sender's
	// own delay, which the corrected Latency includes. When it is a large
	// part of Latency, the load generator, not the system under test, is
	// the bottleneck.
	SendLag *hdrhistogram.Histogram
}

// Run sends the schedule: for each op i in order it waits until the op's
// intended time, then calls send(i). send must hand the op over and return;
// its completion is reported later through Done or DoneAt (send may also call
// Done itself for synchronous work). If send or anything else delays the
// sender, later ops are sent as soon as possible, late, but their latency is
// still measured from their intended times: that is the coordinated-omission
// correction.
//
// After the last send Run waits until every sent op has completed or Grace
// has passed. If progress is not nil, a goroutine updates it a few times a
// second. Run stops early if ctx is canceled or send returns an error; it
// then returns, without the grace period, the result for the ops sent so far
// (those still in flight count as lost) together with the error.
func (l *Load) Run(ctx context.Context, send func(i int) error, progress *Progress) (*LoadResult, error) {
	if !l.ran.CompareAndSwap(false, true) {
		return nil, errors.New("bench: Load.Run called twice; make a new Load")
	}
	if l.startAt.IsZero() {
		l.start = l.Now() + int64(leadIn)
	} else {
		l.start = int64(l.startAt.Sub(l.base))
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	if progress != nil && progress.Enabled() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.watch(progress, stop)
		}()
	}

	var err error
	var late, maxLag, stalled int64
	lateAfter := int64(l.cfg.LateAfter)
	inFlight := l.cfg.InFlight
	sendEnd := int64(math.MaxInt64)
	if inFlight > 0 && l.cfg.Duration > 0 {
		sendEnd = l.start + int64(l.cfg.Offset) + int64(l.cfg.Duration)
	}
	var prevDue int64
	var timer *time.Timer // closed loop: the grace period of the op waited for
	if inFlight > 0 {
		timer = time.NewTimer(time.Hour)
		defer timer.Stop()
	}
	ctxDone := ctx.Done()
	var sleeper preciseSleeper
	w := waiter{sleep: time.Sleep, from: sleepAbove, less: sleepSlack}
	if sleeper.start() {
		w = waiter{sleep: sleeper.sleep, from: l.cfg.SpinWindow, less: l.cfg.SpinWindow}
	}
	for i := range l.intended {
		due := l.start + l.intended[i]
		if inFlight > 0 {
			if i >= inFlight {
				t, ok, stopped := l.awaitDone(i-inFlight, ctxDone, timer)
				if stopped {
					err = ctx.Err()
					break
				}
				if !ok {
					stalled = 1
					break
				}
				due = max(due, t)
			}
			due = max(due, prevDue)
			if due >= sendEnd {
				break
			}
			prevDue = due
			l.intended[i] = due - l.start // before sent.Store: the progress line reads it
		}
		now, ok := l.waitUntil(due, ctxDone, w)
		if !ok {
			err = ctx.Err()
			break
		}
		lag := now - due
		maxLag = max(maxLag, lag)
		if lag > lateAfter {
			late++
		}
		l.sentAt[i] = now
		l.sent.Store(int64(i + 1)) // before send: a synchronous send may complete the op
		if e := send(i); e != nil {
			err = fmt.Errorf("bench: send of op %d: %w", i, e)
			break
		}
	}

	lastSend := l.Now()
	sleeper.stop()
	if err == nil && stalled == 0 {
		deadline := lastSend + int64(l.cfg.Grace)
		for l.completed.Load() < l.sent.Load() {
			left := deadline - l.Now()
			if left <= 0 || canceled(ctxDone) {
				break
			}
			time.Sleep(min(time.Duration(left), time.Millisecond))
		}
	}
	l.closed.Store(true)
	close(stop)
	wg.Wait()
	if progress != nil {
		progress.Finish()
	}
	r := l.result(late, maxLag, lastSend)
	if inFlight > 0 {
		r.Stats.Scheduled = r.Stats.Sent // the schedule ends where sending ended
		r.Stats.InFlight = inFlight
		r.Stats.Stalled = stalled
	}
	return r, err
}

// awaitDone waits until op j has completed and returns its completion time;
// ok is false if it did not complete within Grace of its send, canceled is
// set if ctxDone closed first. (Since Go 1.23 a Reset timer never delivers a
// stale expiry, so the one timer is reused without draining.)
func (l *Load) awaitDone(j int, ctxDone <-chan struct{}, timer *time.Timer) (t int64, ok, canceled bool) {
	deadline := l.sentAt[j] + int64(l.cfg.Grace)
	for {
		if t = l.done[j].Load(); t != 0 {
			return t, true, false
		}
		left := deadline - l.Now()
		if left <= 0 {
			return 0, false, false
		}
		timer.Reset(time.Duration(left))
		select {
		case <-l.wake:
		case <-timer.C:
		case <-ctxDone:
			return 0, false, true
		}
	}
}

// waiter is how a sender waits: while more than from remains it sleeps for
// all but less of it; then it yields in a loop.
type waiter struct {
	sleep      func(time.Duration)
	from, less time.Duration
}

// waitUntil returns once the load clock reaches due, with the clock's
// reading, or ok=false if ctxDone closes first.
func (l *Load) waitUntil(due int64, ctxDone <-chan struct{}, w waiter) (now int64, ok bool) {
	for {
		if canceled(ctxDone) {
			return 0, false
		}
		now = l.Now()
		left := time.Duration(due - now)
		switch {
		case left <= 0:
			return now, true
		case left > w.from:
			w.sleep(min(left-w.less, maxSleep))
		default:
			runtime.Gosched()
		}
	}
}

// canceled reports whether ch is closed, without blocking.
func canceled(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// result builds the histograms from the per-op times. Completions are
// counted from the done array itself, so the result is consistent even if a
// completer raced with the end of the run.
func (l *Load) result(late, maxLag, lastSend int64) *LoadResult {
	first := l.start
	if len(l.intended) > 0 {
		first += l.intended[0]
	}
	r := &LoadResult{
		Start:   l.base.Add(time.Duration(first)),
		Latency: NewHistogram(),
		Service: NewHistogram(),
		SendLag: NewHistogram(),
	}
	sent := l.sent.Load()
	for i := range sent {
		Record(r.SendLag, l.sentAt[i]-(l.start+l.intended[i]))
	}
	last := lastSend
	var completed, clamped int64
	for i := range sent {
		d := l.done[i].Load()
		if d == 0 {
			continue
		}
		completed++
		last = max(last, d)
		if !Record(r.Latency, d-(l.start+l.intended[i])) {
			clamped++
		}
		Record(r.Service, d-l.sentAt[i])
	}
	r.Elapsed = time.Duration(max(last-first, 0))
	r.Stats = LoadStats{
		TargetRate: l.cfg.Rate,
		Scheduled:  int64(l.cfg.Count),
		Sent:       sent,
		Completed:  completed,
		Lost:       sent - completed,
		Late:       late,
		MaxLagNs:   maxLag,
		Spurious:   l.spurious.Load(),
		Clamped:    clamped,
	}
	return r
}

// Run packages the corrected latencies as a Run named name, with the load
// counters attached and throughput = completed ops / Elapsed.
func (r *LoadResult) Run(name string, settings map[string]string) *Run {
	run := NewRun(name, settings, r.Latency, r.Start, r.Elapsed)
	stats := r.Stats
	run.Load = &stats
	return run
}

// status samples the load for a progress line at load-clock time now. The
// p99 covers ops whose intended time lies in the last second (at most about
// 20000 of them, evenly spaced); an op still outstanding counts with its age
// so far, a lower bound of its latency, so a stall shows while it happens.
// h is scratch space, reset here.
func (l *Load) status(h *hdrhistogram.Histogram, now int64) Status {
	h.Reset()
	s := l.addStatus(h, now)
	s.P99 = h.ValueAtQuantile(99)
	return s
}

// addStatus adds the load's counters to a Status and its last second's
// latencies to h (see status); P99 is left to the caller.
func (l *Load) addStatus(h *hdrhistogram.Histogram, now int64) Status {
	sent := int(l.sent.Load())
	s := Status{Sent: int64(sent), Total: int64(len(l.intended)), Completed: l.completed.Load()}
	from := now - l.start - int64(time.Second)
	lo := sort.Search(sent, func(i int) bool { return l.intended[i] >= from })
	stride := max(1, (sent-lo)/20000)
	for i := lo; i < sent; i += stride {
		due := l.start + l.intended[i]
		end := l.done[i].Load()
		if end == 0 {
			end = now
		}
		Record(h, end-due)
	}
	return s
}

// watch updates p until stop closes.
func (l *Load) watch(p *Progress, stop <-chan struct{}) {
	watchLoads([]*Load{l}, p, stop)
}

// watchLoads draws the combined progress of loads on p until stop closes.
func watchLoads(loads []*Load, p *Progress, stop <-chan struct{}) {
	h := NewHistogram()
	t := time.NewTicker(p.Interval())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			h.Reset()
			var s Status
			for _, l := range loads {
				ls := l.addStatus(h, l.Now())
				s.Sent += ls.Sent
				s.Total += ls.Total
				s.Completed += ls.Completed
			}
			s.P99 = h.ValueAtQuantile(99)
			p.Update(now, s)
		}
	}
}

// RunLoads runs several loads at once, each from its own goroutine (one per
// producer, session or connection): send(k, i) sends op i of loads[k]. All
// schedules share one origin, runLoadsLeadIn after the call, so their
// LoadConfig.Offset values place them relative to each other, and one clock:
// from the call on, Now (and Due) of every load read loads[0]'s clock (whose
// Now may thus be read by completers at any time). The progress
// line, if enabled, shows their combined counters. It returns one result per
// load, in order (merge them with MergeLoadResults). If a send fails, the
// other loads are stopped too and the first failure is returned with the
// results so far.
func RunLoads(ctx context.Context, loads []*Load, send func(k, i int) error, progress *Progress) ([]*LoadResult, error) {
	if len(loads) == 0 {
		return nil, errors.New("bench: RunLoads needs at least one load")
	}
	for _, l := range loads {
		if l == nil || l.ran.Load() || !l.startAt.IsZero() {
			return nil, errors.New("bench: RunLoads needs fresh loads (nil, or already run)")
		}
	}
	origin := time.Now().Add(runLoadsLeadIn)
	for _, l := range loads {
		if l != loads[0] {
			l.base = loads[0].base // loads[0]'s clock is left untouched: completers may read it
		}
		l.startAt = origin
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var watchers sync.WaitGroup
	stop := make(chan struct{})
	if progress != nil && progress.Enabled() {
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			watchLoads(loads, progress, stop)
		}()
	}
	results := make([]*LoadResult, len(loads))
	errs := make([]error, len(loads))
	var wg sync.WaitGroup
	for k, l := range loads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k], errs[k] = l.Run(ctx, func(i int) error { return send(k, i) }, nil)
			if errs[k] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	close(stop)
	watchers.Wait()
	if progress != nil {
		progress.Finish()
	}
	var first error
	for k, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = fmt.Errorf("bench: load %d: %w", k, err)
		}
	}
	return results, first
}

// runLoadsLeadIn is the time between RunLoads' call and the common origin of
// its schedules: time for every sender goroutine to start.
const runLoadsLeadIn = 5 * time.Millisecond

// MergeLoadResults combines the results of loads run together (RunLoads)
// into one: histograms merged, counters summed (the target rates too, so
// the merged rate is the total offered), the worst send lag kept, and the
// elapsed time running from the earliest op 0 to the latest end. Nil
// results (a load that never started) are skipped.
func MergeLoadResults(rs []*LoadResult) *LoadResult {
	m := &LoadResult{Latency: NewHistogram(), Service: NewHistogram(), SendLag: NewHistogram()}
	var end time.Time
	for _, r := range rs {
		if r == nil {
			continue
		}
		if m.Start.IsZero() || r.Start.Before(m.Start) {
			m.Start = r.Start
		}
		if e := r.Start.Add(r.Elapsed); e.After(end) {
			end = e
		}
		m.Latency.Merge(r.Latency)
		m.Service.Merge(r.Service)
		m.SendLag.Merge(r.SendLag)
		s, t := r.Stats, &m.Stats
		t.TargetRate += s.TargetRate
		t.Scheduled += s.Scheduled
		t.Sent += s.Sent
		t.Completed += s.Completed
		t.Lost += s.Lost
		t.Late += s.Late
		t.MaxLagNs = max(t.MaxLagNs, s.MaxLagNs)
		t.Spurious += s.Spurious
		t.Clamped += s.Clamped
		t.InFlight += s.InFlight
		t.Stalled += s.Stalled
	}
	if !m.Start.IsZero() {
		m.Elapsed = max(end.Sub(m.Start), 0)
	}
	return m
}
