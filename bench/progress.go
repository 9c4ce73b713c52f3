package bench

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
)

// DefaultProgressInterval is the minimum time between two progress lines.
const DefaultProgressInterval = 250 * time.Millisecond

// Status is a snapshot of a running load, as shown on the progress line.
type Status struct {
	Sent      int64 // ops sent so far
	Total     int64 // ops in the schedule
	Completed int64 // ops completed so far
	P99       int64 // ns: p99 over the last second, outstanding ops counted with their age; negative if unknown
}

// Progress draws a one-line status on a terminal, rewriting it in place
// (carriage return, then erase to end of line), at most once per Interval.
// A disabled Progress writes nothing, so callers need not check. Its methods
// must be called from one goroutine at a time.
type Progress struct {
	w        io.Writer
	enabled  bool
	interval time.Duration
	last     time.Time // time of the last line written
	lastSent int64     // Sent at the last line, for the rate
	drawn    bool      // a line is on screen
	buf      []byte
}

// NewProgress returns a Progress writing to w if enabled.
func NewProgress(w io.Writer, enabled bool) *Progress {
	return &Progress{w: w, enabled: enabled, interval: DefaultProgressInterval}
}

// TerminalProgress returns a Progress on f that is enabled only when f is a
// terminal: piped or redirected output stays clean.
func TerminalProgress(f *os.File) *Progress {
	return NewProgress(f, IsTerminal(f))
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Enabled reports whether p writes anything.
func (p *Progress) Enabled() bool { return p != nil && p.enabled }

// Interval is the minimum time between two lines.
func (p *Progress) Interval() time.Duration { return p.interval }

// Update draws s unless disabled or less than Interval has passed since the
// last line (the first call always draws). It reports whether it drew. The
// rate shown is the send rate since the previous line.
func (p *Progress) Update(now time.Time, s Status) bool {
	if !p.Enabled() || (p.drawn && now.Sub(p.last) < p.interval) {
		return false
	}
	rate := "-"
	if p.drawn {
		if dt := now.Sub(p.last).Seconds(); dt > 0 {
			rate = FormatRate(float64(s.Sent-p.lastSent) / dt)
		}
	}
	b := append(p.buf[:0], '\r')
	b = append(b, "sent "...)
	b = append(b, itoa(s.Sent)...)
	b = append(b, '/')
	b = append(b, itoa(s.Total)...)
	b = append(b, "  rate "...)
	b = append(b, rate...)
	b = append(b, "  completed "...)
	b = append(b, itoa(s.Completed)...)
	b = append(b, "  p99(last 1s) "...)
	if s.P99 < 0 {
		b = append(b, '-')
	} else {
		b = append(b, FormatNs(s.P99)...)
	}
	b = append(b, "\x1b[K"...)
	p.buf = b
	_, _ = p.w.Write(b) // a terminal that fails to draw must not fail the run
	p.last, p.lastSent, p.drawn = now, s.Sent, true
	return true
}

// Finish erases the progress line, if one was drawn.
func (p *Progress) Finish() {
	if !p.Enabled() || !p.drawn {
		return
	}
	_, _ = io.WriteString(p.w, "\r\x1b[K")
	p.drawn = false
}

// WatchCounter shows progress for work that is not an open-loop Load (a
// closed loop, a replay): a goroutine reads done a few times a second and
// draws it against total, with no latency figure. It returns a function
// that stops the goroutine and erases the line. A disabled p starts nothing.
func WatchCounter(p *Progress, total int64, done *atomic.Int64) (stop func()) {
	if !p.Enabled() {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(p.Interval())
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				n := done.Load()
				p.Update(now, Status{Sent: n, Total: total, Completed: n, P99: -1})
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			wg.Wait()
			p.Finish()
		})
	}
}
