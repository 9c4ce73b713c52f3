package ringbuffer

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	disruptor "github.com/smartystreets-prototypes/go-disruptor"
)

// Wait names how a consumer with nothing to read waits. The zero Wait in Options
// means DefaultWait.
type Wait uint8

// Wait strategies. See the package doc for how they behave and what they cost.
const (
	// Spin polls without ever giving up its core (a Gosched every 4096 polls only
	// guards against starving other goroutines on an oversubscribed machine).
	// Lowest latency; burns a full core per idle consumer.
	Spin Wait = iota + 1
	// SpinYield polls spinYieldSpins times, then calls runtime.Gosched between
	// polls. Low latency; still burns a core per idle consumer when nothing else
	// is runnable.
	SpinYield
	// Block spins briefly, yields briefly, then parks until the writer signals a
	// Commit (or Close). Costs the writer one atomic load per Commit while nobody
	// is parked; an idle ring uses no CPU.
	Block
)

// DefaultWait is the strategy used when Options.Wait is zero. Block, because the
// machines this runs on (2 cores shared by tests, CI and several pipelines) cannot
// afford a spinning core per idle consumer; see the package doc.
const DefaultWait = Block

// Tuning of the strategies, in polls (one poll is one trip around the reader's
// loop: two or three atomic loads, ~5-10 ns when the line is local).
const (
	spinGuardMask    = 1<<12 - 1 // Spin: Gosched once every 4096 polls
	spinYieldSpins   = 256       // SpinYield: pure polls before yielding
	blockSpins       = 256       // Block: pure polls, then ...
	blockYields      = 64        // ... this many Gosched polls (~10-20 µs), then park
	blockParkTimeout = 10 * time.Millisecond
)

// String returns the configuration name of w ("spin", "spin-yield", "block").
func (w Wait) String() string {
	switch w {
	case 0:
		return "default"
	case Spin:
		return "spin"
	case SpinYield:
		return "spin-yield"
	case Block:
		return "block"
	}
	return fmt.Sprintf("Wait(%d)", uint8(w))
}

// ParseWait parses a configuration name: "spin", "spin-yield" or "block".
func ParseWait(s string) (Wait, error) {
	switch s {
	case "spin":
		return Spin, nil
	case "spin-yield":
		return SpinYield, nil
	case "block":
		return Block, nil
	}
	return 0, fmt.Errorf("ringbuffer: unknown wait strategy %q (want spin, spin-yield or block)", s)
}

// MarshalText implements encoding.TextMarshaler, so a Wait can be a flag.TextVar.
func (w Wait) MarshalText() ([]byte, error) {
	if w.valid() {
		return []byte(w.String()), nil
	}
	return nil, fmt.Errorf("ringbuffer: invalid wait strategy %d", uint8(w))
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseWait.
func (w *Wait) UnmarshalText(b []byte) error {
	v, err := ParseWait(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

func (w Wait) valid() bool { return w >= Spin && w <= Block }

// waiter is one reader's disruptor.WaitStrategy. It is per reader, not shared,
// for two reasons: the library's DefaultReader never resets its gate and idle
// counts after it consumes something (and one Wireup shares one strategy between
// all readers), so a count-based backoff would stay in its last phase forever after
// the first idle spell; and Block must know which reader parks (its cursor, its
// wake-up channel) to re-check the condition after
// announcing itself, which is what makes the wake-up free of lost signals.
//
// A waiter is used by its reader's goroutine only (it lives in a padded reader).
type waiter struct {
	kind    Wait
	polls   int64             // polls since this reader last made progress
	seen    int64             // this reader's cursor at the previous poll
	cursor  *disruptor.Cursor // this reader's progress
	written *disruptor.Cursor // the ring's committed sequence
	sig     *signal
	wake    chan struct{} // capacity 1; Block only
	timer   *time.Timer   // Block only; reused across parks
	timeout time.Duration
}

var _ disruptor.WaitStrategy = (*waiter)(nil)

// Gate is called while the writer has committed more than this reader's upstream
// barrier shows. The barrier is the written cursor itself (Start chains no
// groups), so the reader calls Gate only when a Commit lands between its two
// loads of it; waiting then is the same as Idle, and its next poll finds the
// slot.
func (w *waiter) Gate(int64) { w.wait() }

// Idle is called while nothing beyond this reader's position has been committed.
func (w *waiter) Idle(int64) { w.wait() }

func (w *waiter) wait() {
	if w.kind == Spin {
		w.polls++
		if w.polls&spinGuardMask == 0 {
			runtime.Gosched()
		}
		return
	}
	if cur := w.cursor.Load(); cur != w.seen {
		w.seen, w.polls = cur, 0
	}
	w.polls++
	switch {
	case w.kind == SpinYield:
		if w.polls > spinYieldSpins {
			runtime.Gosched()
		}
	case w.polls <= blockSpins:
	case w.polls <= blockSpins+blockYields:
		runtime.Gosched()
	default:
		w.park()
	}
}

// park sleeps until a wake-up (from Commit or Close) or
// the safety-net timeout. The sleepers count is raised before the condition is
// re-checked: a writer that stored its cursor before our increment is seen by the
// re-check, one that stored it after sees sleepers > 0 and signals (all atomics
// here are sequentially consistent).
func (w *waiter) park() {
	w.sig.sleepers.Add(1)
	if w.written.Load() <= w.seen {
		w.timer.Reset(w.timeout)
		select {
		case <-w.wake:
		case <-w.timer.C:
		}
		w.timer.Stop()
	}
	w.sig.sleepers.Add(-1)
}

// signal is the Block strategy's wake-up: a count of parked readers that the
// writer checks with one atomic load per commit, and one buffered channel per
// reader.
type signal struct {
	_        cacheLinePad
	sleepers atomic.Int32 // parked readers
	_        cacheLinePad
	closing  atomic.Bool     // written once by Close; read by Start, Reserve, Commit
	wakes    []chan struct{} // set by Start, read-only afterwards
	_        cacheLinePad
}

// wake signals parked readers, if there are any. It is small enough to inline:
// the common case is one atomic load.
func (s *signal) wake() {
	if s.sleepers.Load() != 0 {
		s.wakeAll()
	}
}

// wakeAll gives every reader a token. A token for a reader that is not parked
// makes its next park return at once, and the reader re-polls: harmless.
func (s *signal) wakeAll() {
	for _, ch := range s.wakes {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
