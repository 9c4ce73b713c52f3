package ringbuffer

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// msg is a test payload about the size of engine.Command (~150 bytes, no pointers).
type msg struct {
	Seq      int64
	Time     int64
	Producer int64
	N        int64 // per-producer counter, from 1
	_        [15]int64
}

// checker is a consumer that verifies what it sees; it records the first problem
// for the test goroutine to read after Close (Consume runs on the ring's goroutine).
type checker struct {
	ring   *Ring[msg]
	role   int // which of the parallel consumers it is, for messages
	next   int64
	lastN  []int64 // per producer
	time   int64
	err    error
	closed bool
}

func newChecker(r *Ring[msg], role, producers int) *checker {
	return &checker{ring: r, role: role, lastN: make([]int64, producers), time: -1}
}

func (c *checker) Consume(lower, upper int64) {
	if c.err != nil {
		return
	}
	if lower != c.next || upper < lower {
		c.err = fmt.Errorf("role %d: got batch %d..%d, want it to start at %d", c.role, lower, upper, c.next)
		return
	}
	for s := lower; s <= upper; s++ {
		m := c.ring.Slot(s)
		switch {
		case m.Seq != s:
			c.err = fmt.Errorf("role %d: slot of %d holds Seq %d", c.role, s, m.Seq)
		case m.Producer < 0 || int(m.Producer) >= len(c.lastN):
			c.err = fmt.Errorf("role %d: slot %d has producer %d", c.role, s, m.Producer)
		case m.N != c.lastN[m.Producer]+1:
			c.err = fmt.Errorf("role %d: seq %d is message %d of producer %d, want %d", c.role, s, m.N, m.Producer, c.lastN[m.Producer]+1)
		case m.Time <= c.time:
			c.err = fmt.Errorf("role %d: seq %d has time %d after %d", c.role, s, m.Time, c.time)
		}
		if c.err != nil {
			return
		}
		c.lastN[m.Producer] = m.N
		c.time = m.Time
	}
	c.next = upper + 1
}

func (c *checker) Close() error { c.closed = true; return nil }

// startCheckers starts two checkers in parallel on a new ring, as the pipeline
// runs the journaler and the matcher on its inbound ring.
func startCheckers(t *testing.T, opts Options, producers int) (*Ring[msg], []*checker) {
	t.Helper()
	r, err := New[msg](opts)
	if err != nil {
		t.Fatal(err)
	}
	cs := []*checker{newChecker(r, 0, producers), newChecker(r, 1, producers)}
	if err := r.Start([]Consumer{cs[0], cs[1]}); err != nil {
		t.Fatal(err)
	}
	return r, cs
}

func verify(t *testing.T, cs []*checker, total int64) {
	t.Helper()
	for _, c := range cs {
		if c.err != nil {
			t.Fatal(c.err)
		}
		if c.next != total {
			t.Fatalf("role %d consumed up to %d, want %d", c.role, c.next, total)
		}
		if !c.closed {
			t.Fatalf("role %d was not closed", c.role)
		}
	}
}

// publishAll runs producers goroutines through a Publisher, each sending perProducer
// messages. The clock is a plain counter read and advanced between Claim and
// Publish, so the race detector also checks that the lock orders producers.
func publishAll(t *testing.T, p *Publisher[msg], producers, perProducer int) {
	t.Helper()
	var clock int64
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	for id := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; n <= perProducer; n++ {
				seq, slot, err := p.Claim()
				if err != nil {
					errs <- err
					return
				}
				clock++
				*slot = msg{Seq: seq, Time: clock, Producer: int64(id), N: int64(n)}
				if err := p.Publish(seq); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestOrderingNoLoss: every consumer sees every message once, in sequence
// order, each producer's in its own order, timestamps increasing.
func TestOrderingNoLoss(t *testing.T) {
	per := 2000
	if testing.Short() {
		per = 300
	}
	for _, wait := range []Wait{Spin, SpinYield, Block} {
		for _, producers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%v/producers=%d", wait, producers), func(t *testing.T) {
				per := per
				if wait == Spin {
					per /= 10 // two spinning consumers and four producers on two cores crawl
				}
				r, cs := startCheckers(t, Options{Capacity: 64, Wait: wait}, producers)
				p, err := NewPublisher(r)
				if err != nil {
					t.Fatal(err)
				}
				publishAll(t, p, producers, per)
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
				total := int64(producers * per)
				verify(t, cs, total)
				if w, c := r.Written(), r.Consumed(); w != total-1 || c != total-1 {
					t.Fatalf("Written %d, Consumed %d, want both %d", w, c, total-1)
				}
			})
		}
	}
}

func TestWrapAroundSmallCapacity(t *testing.T) {
	for _, capacity := range []int64{1, 2, 4} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			r, cs := startCheckers(t, Options{Capacity: capacity}, 2)
			p, err := NewPublisher(r)
			if err != nil {
				t.Fatal(err)
			}
			publishAll(t, p, 2, 1000)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			verify(t, cs, 2000)
		})
	}
}

// TestReserveCommitBatches writes through Reserve/Commit directly, with
// reservations of several slots committed in pieces.
func TestReserveCommitBatches(t *testing.T) {
	r, cs := startCheckers(t, Options{Capacity: 8}, 1)
	var n, clock int64
	for n < 1000 {
		k := n%8 + 1
		hi, err := r.Reserve(k)
		if err != nil {
			t.Fatal(err)
		}
		lo := hi - k + 1
		for s := lo; s <= hi; s++ {
			n++
			clock++
			*r.Slot(s) = msg{Seq: s, Time: clock, N: n}
		}
		if mid := lo + k/2; mid > lo { // commit the reservation in two pieces
			if err := r.Commit(lo, mid-1); err != nil {
				t.Fatal(err)
			}
			lo = mid
		}
		if err := r.Commit(lo, hi); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	verify(t, cs, n)
}

func TestWriterErrors(t *testing.T) {
	r, err := New[msg](Options{Capacity: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reserve(1); err == nil || !strings.Contains(err.Error(), "before Start") {
		t.Fatalf("Reserve before Start: %v", err)
	}
	if err := r.Commit(0, 0); err == nil {
		t.Fatal("Commit before Start succeeded")
	}
	if r.Written() != -1 || r.Consumed() != -1 {
		t.Fatalf("before Start: Written %d, Consumed %d", r.Written(), r.Consumed())
	}
	c := &counter{}
	if err := r.Start([]Consumer{c}); err != nil {
		t.Fatal(err)
	}
	if err := r.Start([]Consumer{c}); err == nil {
		t.Fatal("second Start succeeded")
	}
	for _, n := range []int64{0, -1, 5, -1 << 63, 1<<63 - 1} {
		if _, err := r.Reserve(n); err == nil || !strings.HasPrefix(err.Error(), "ringbuffer: ") {
			t.Fatalf("Reserve(%d): %v", n, err)
		}
	}
	hi, err := r.Reserve(3)
	if err != nil || hi != 2 {
		t.Fatalf("Reserve(3) = %d, %v", hi, err)
	}
	if _, err := r.Reserve(2); err == nil {
		t.Fatal("reserving past capacity with 3 uncommitted succeeded")
	}
	for _, c := range [][2]int64{{1, 1}, {0, 3}, {0, -1}, {2, 1}} {
		if err := r.Commit(c[0], c[1]); err == nil {
			t.Fatalf("Commit(%d, %d) succeeded", c[0], c[1])
		}
	}
	if err := r.Commit(0, 2); err != nil {
		t.Fatal(err)
	}
	if hi, err = r.Reserve(1); err != nil {
		t.Fatal(err)
	}
	r.sig.closing.Store(true) // as Close does first
	if err := r.Commit(hi, hi); !errors.Is(err, ErrClosed) {
		t.Fatalf("Commit while closing: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if c.n.Load() != 3 {
		t.Fatalf("consumed %d, want 3", c.n.Load())
	}
	if _, err := r.Reserve(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Reserve after Close: %v", err)
	}
	if err := r.Start([]Consumer{c}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Capacity: 3}, "capacity 3 is not a power of two"},
		{Options{Capacity: -4}, "capacity -4"},
		{Options{Capacity: MaxCapacity * 2}, "is not a power of two between 1 and"},
		{Options{Wait: 9}, "invalid wait strategy 9"},
	} {
		_, err := New[msg](tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "ringbuffer: ") {
			t.Errorf("New(%+v) = %v, want an error containing %q", tc.opts, err, tc.want)
		}
	}
	if _, err := New[[1 << 20]byte](Options{Capacity: 1 << 20}); err == nil || !strings.Contains(err.Error(), "1048576 slots of 1048576 bytes exceed") {
		t.Errorf("New of a 1 TiB ring: %v", err)
	}
	r, err := New[msg](Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Capacity() != DefaultCapacity || r.wait != DefaultWait {
		t.Fatalf("zero Options gave capacity %d, wait %v", r.Capacity(), r.wait)
	}
}

func TestStartErrors(t *testing.T) {
	c := &counter{}
	for _, tc := range []struct {
		consumers []Consumer
		want      string
	}{
		{nil, "at least one consumer"},
		{[]Consumer{}, "at least one consumer"},
		{[]Consumer{c, nil}, "consumer 1 is nil"},
		{[]Consumer{c, Pinned(0, nil)}, "consumer 1 is Pinned around nil"},
	} {
		r, err := New[msg](Options{Capacity: 2})
		if err != nil {
			t.Fatal(err)
		}
		err = r.Start(tc.consumers)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start(%v) = %v, want %q", tc.consumers, err, tc.want)
		}
		if _, err := r.Reserve(1); err == nil {
			t.Error("Reserve succeeded after a failed Start")
		}
	}
}

// gate blocks in Consume until release is closed, after reporting entry once.
type gate struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	n       int64
	closed  bool
}

func (g *gate) Consume(lower, upper int64) {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	g.n += upper - lower + 1
}

func (g *gate) Close() error { g.closed = true; return nil }

type counter struct {
	n      atomic.Int64
	err    error
	closed bool
}

func (c *counter) Consume(lower, upper int64) { c.n.Add(upper - lower + 1) }
func (c *counter) Close() error               { c.closed = true; return c.err }

func TestCloseDrainsEverythingCommitted(t *testing.T) {
	for _, wait := range []Wait{Spin, SpinYield, Block} {
		t.Run(wait.String(), func(t *testing.T) {
			r, err := New[msg](Options{Capacity: 8, Wait: wait})
			if err != nil {
				t.Fatal(err)
			}
			g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
			other := &counter{}
			if err := r.Start([]Consumer{g, other}); err != nil {
				t.Fatal(err)
			}
			for range 8 {
				hi, err := r.Reserve(1)
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Commit(hi, hi); err != nil {
					t.Fatal(err)
				}
			}
			<-g.entered
			closed := make(chan error)
			go func() { closed <- r.Close() }()
			select {
			case err := <-closed:
				t.Fatalf("Close returned (%v) while a consumer still held committed slots", err)
			default:
			}
			close(g.release)
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
			// No synchronization besides Close: the race detector checks that
			// Close waited for the consumers' goroutines.
			if g.n != 8 || other.n.Load() != 8 || !g.closed || !other.closed {
				t.Fatalf("after Close: the held consumer consumed %d (closed %v), the other %d (closed %v); want 8 each, closed",
					g.n, g.closed, other.n.Load(), other.closed)
			}
		})
	}
}

func TestCloseReturnsConsumerCloseErrors(t *testing.T) {
	r, err := New[msg](Options{Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	c1, c2 := &counter{err: boom}, &counter{}
	if err := r.Start([]Consumer{c1, Pinned(-1, c2)}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close = %v, want boom", err)
	}
	if !c1.closed || !c2.closed {
		t.Fatal("a consumer was not closed (a Pinned one must forward Close)")
	}
}

// waitUntil polls cond; the deadline only turns a hang into a failure.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// The park timeout is an hour in these tests: a message that arrives was
// delivered by a wake-up.

func TestBlockWakesIdleReaders(t *testing.T) {
	r, err := New[msg](Options{Capacity: 4, Wait: Block, parkTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c1, c2 := &counter{}, &counter{}
	if err := r.Start([]Consumer{c1, c2}); err != nil {
		t.Fatal(err)
	}
	for round := int64(1); round <= 20; round++ {
		waitUntil(t, "both readers to park", func() bool { return r.sig.sleepers.Load() == 2 })
		hi, err := r.Reserve(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Commit(hi, hi); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, fmt.Sprintf("round %d to be consumed", round), func() bool {
			return c1.n.Load() == round && c2.n.Load() == round
		})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseWakesParkedReaders(t *testing.T) {
	r, err := New[msg](Options{Capacity: 4, Wait: Block, parkTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cs := []*counter{{}, {}, {}}
	if err := r.Start([]Consumer{cs[0], cs[1], cs[2]}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "all readers to park", func() bool { return r.sig.sleepers.Load() == 3 })
	closed := make(chan error, 1)
	go func() { closed <- r.Close() }()
	waitUntil(t, "Close to return", func() bool { return len(closed) == 1 })
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if !c.closed {
			t.Fatalf("consumer %d not closed", i)
		}
	}
}

// TestWaiterBackoffRestartsAfterProgress guards against the library's reader
// never resetting its idle count: our waiter must restart its phases once the
// reader has consumed something.
func TestWaiterBackoffRestartsAfterProgress(t *testing.T) {
	r, err := New[msg](Options{Capacity: 2, Wait: SpinYield})
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	close(g.release)
	if err := r.Start([]Consumer{g}); err != nil {
		t.Fatal(err)
	}
	w := &waiter{kind: SpinYield, seen: -1, cursor: r.readersCursor(0), written: r.written, sig: r.sig}
	for i := int64(1); i <= 1000; i++ {
		w.Idle(i)
	}
	if w.polls != 1000 {
		t.Fatalf("polls = %d after 1000 idle calls", w.polls)
	}
	hi, _ := r.Reserve(1)
	if err := r.Commit(hi, hi); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the message to be consumed", func() bool { return r.Consumed() == hi })
	w.Idle(1001)
	if w.polls != 1 {
		t.Fatalf("polls = %d after progress, want 1", w.polls)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParseWait(t *testing.T) {
	for _, w := range []Wait{Spin, SpinYield, Block} {
		got, err := ParseWait(w.String())
		if err != nil || got != w {
			t.Errorf("ParseWait(%q) = %v, %v", w.String(), got, err)
		}
		text, err := w.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Wait
		if err := back.UnmarshalText(text); err != nil || back != w {
			t.Errorf("text round trip of %v gave %v, %v", w, back, err)
		}
	}
	for _, s := range []string{"", "Spin", "spinyield", "spin_yield", "block ", "sleep", "default"} {
		_, err := ParseWait(s)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) || !strings.Contains(err.Error(), "spin, spin-yield or block") {
			t.Errorf("ParseWait(%q) = %v, want an error naming it and the choices", s, err)
		}
	}
	var w Wait
	if err := w.UnmarshalText([]byte("nope")); err == nil || w != 0 {
		t.Errorf("UnmarshalText(nope) = %v, left %v", err, w)
	}
	if _, err := Wait(0).MarshalText(); err == nil {
		t.Error("MarshalText of the zero Wait succeeded")
	}
}
