package ringbuffer

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"
	"unsafe"

	disruptor "github.com/smartystreets-prototypes/go-disruptor"
)

// DefaultCapacity is the number of slots used when Options.Capacity is zero.
const DefaultCapacity = 1 << 12

// MaxCapacity is the largest accepted Options.Capacity.
const MaxCapacity = 1 << 30

// maxRingBytes bounds Capacity * sizeof(T), so that a bad configuration is an
// error rather than an allocation panic or an out-of-memory crash.
const maxRingBytes = 1 << 36

// ErrClosed is returned by Start, Reserve, Commit and Publisher.Claim once Close
// has begun.
var ErrClosed = errors.New("ringbuffer: closed")

// cacheLinePad keeps fields written by different goroutines on different cache
// lines (64 bytes on the amd64 and arm64 machines this runs on).
type cacheLinePad struct{ _ [64]byte }

// Consumer reads the slots lower..upper (inclusive) of the ring it was started on,
// with Ring.Slot. It is called from a goroutine the ring starts, one per consumer,
// and must not keep pointers to slots after it returns: the writer reuses them.
// The consumers of a ring run in parallel over the same slots, so they only
// read them. If it implements io.Closer, Close is called once, from its
// goroutine, after it has consumed everything committed before Ring.Close.
type Consumer interface {
	Consume(lower, upper int64)
}

// Options configure a Ring. The zero value is valid.
type Options struct {
	// Capacity is the number of slots: a power of two in 1..MaxCapacity, or zero
	// for DefaultCapacity.
	Capacity int64
	// Wait is how idle consumers wait; zero means DefaultWait.
	Wait Wait

	// parkTimeout overrides Block's safety-net timeout; tests set it very long to
	// prove that wake-ups, not the timeout, deliver messages.
	parkTimeout time.Duration
}

// Ring is a fixed array of T slots indexed by sequence & (capacity-1), written by
// a single writer and read by one or more consumers in parallel, on top of
// go-disruptor's cursors, barriers and readers (the library never touches the
// payload; the package doc says why its Wireup and writer are not used).
//
// Lifecycle: New, then Start with the consumers, then any number of
// Reserve / fill Slot / Commit from one goroutine at a time (or from many through
// a Publisher), then Close. T should hold no pointers (the slots are reused in
// place and the garbage collector then has nothing to scan).
type Ring[T any] struct {
	_ cacheLinePad
	// Read-mostly after Start: the writer and every reader load these.
	slots    []T
	mask     int64
	capacity int64
	written  *disruptor.Cursor   // committed sequence; nil until Start
	readCurs []*disruptor.Cursor // the consumers' cursors; the lowest is Consumed
	sig      *signal

	_ cacheLinePad
	// The writer's own state, touched by the writer only.
	gate      int64 // cached Consumed(): slots up to gate+capacity are free
	reserved  int64 // highest sequence reserved
	committed int64 // highest sequence committed

	_ cacheLinePad
	// Cold: lifecycle.
	wait        Wait
	parkTimeout time.Duration
	readers     []*disruptor.DefaultReader
	adapters    []*adapter
	wg          sync.WaitGroup
	closeOnce   sync.Once
	closeErr    error
}

// cursor is a library cursor with a cache line of padding on each side (the
// library's Cursor fills exactly one line, so two allocated side by side would
// still be neighbours for the adjacent-line prefetcher).
type cursor struct {
	_ cacheLinePad
	c disruptor.Cursor
	_ cacheLinePad
}

func newCursor() *disruptor.Cursor {
	c := &cursor{c: *disruptor.NewCursor()}
	return &c.c
}

// reader holds a library reader, its adapter and its waiter together, padded: all
// three are used by one goroutine only.
type reader struct {
	_ cacheLinePad
	r disruptor.DefaultReader
	a adapter
	w waiter
	_ cacheLinePad
}

// New returns a ring with its slots allocated. Start it before writing.
func New[T any](opts Options) (*Ring[T], error) {
	capacity := opts.Capacity
	if capacity == 0 {
		capacity = DefaultCapacity
	}
	if capacity < 1 || capacity > MaxCapacity || capacity&(capacity-1) != 0 {
		return nil, fmt.Errorf("ringbuffer: capacity %d is not a power of two between 1 and %d", opts.Capacity, int64(MaxCapacity))
	}
	if size := unsafe.Sizeof(*new(T)); size > 0 && uint64(capacity) > maxRingBytes/uint64(size) {
		return nil, fmt.Errorf("ringbuffer: %d slots of %d bytes exceed %d bytes", capacity, size, uint64(maxRingBytes))
	}
	wait := opts.Wait
	if wait == 0 {
		wait = DefaultWait
	}
	if !wait.valid() {
		return nil, fmt.Errorf("ringbuffer: invalid wait strategy %d", uint8(opts.Wait))
	}
	timeout := opts.parkTimeout
	if timeout <= 0 {
		timeout = blockParkTimeout
	}
	return &Ring[T]{
		slots:       make([]T, capacity),
		mask:        capacity - 1,
		capacity:    capacity,
		sig:         &signal{},
		reserved:    -1,
		committed:   -1,
		gate:        -1,
		wait:        wait,
		parkTimeout: timeout,
	}, nil
}

// Start starts one goroutine per consumer; every consumer sees every committed
// slot, in order, independently of the others (they run in parallel: the
// journaler and the matcher on the inbound ring). It may be called once.
//
// go-disruptor can also chain groups of consumers (a group reads a slot only
// after the previous group finished it); nothing here needs it, so Start
// takes one group. The slowest consumer gates the writer.
func (r *Ring[T]) Start(consumers []Consumer) error {
	if r.sig.closing.Load() {
		return ErrClosed
	}
	if r.written != nil {
		return errors.New("ringbuffer: Start called twice")
	}
	if len(consumers) == 0 {
		return errors.New("ringbuffer: Start needs at least one consumer")
	}
	for i, c := range consumers {
		if c == nil {
			return fmt.Errorf("ringbuffer: consumer %d is nil", i)
		}
		if p, ok := c.(*PinnedConsumer); ok && (p == nil || p.consumer == nil) {
			return fmt.Errorf("ringbuffer: consumer %d is Pinned around nil", i)
		}
	}

	// The same wiring as disruptor.Wireup.Build for one group, but with one wait
	// strategy per reader (see waiter) and with the cursors kept for metrics and
	// Block. Each reader's upstream barrier is the written cursor itself.
	written := newCursor()
	cursors := make([]*disruptor.Cursor, len(consumers))
	for i, c := range consumers {
		cur := newCursor()
		rd := &reader{}
		rd.a = adapter{consumer: c}
		rd.w = waiter{
			kind:    r.wait,
			seen:    -1,
			cursor:  cur,
			written: written,
			sig:     r.sig,
			timeout: r.parkTimeout,
		}
		if r.wait == Block {
			rd.w.wake = make(chan struct{}, 1)
			rd.w.timer = time.NewTimer(time.Hour)
			rd.w.timer.Stop()
			r.sig.wakes = append(r.sig.wakes, rd.w.wake)
		}
		rd.r = *disruptor.NewReader(cur, written, written, &rd.w, &rd.a)
		r.readers = append(r.readers, &rd.r)
		r.adapters = append(r.adapters, &rd.a)
		cursors[i] = cur
	}
	r.readCurs = cursors
	r.written = written

	r.wg.Add(len(r.readers))
	for _, rd := range r.readers {
		go func() {
			defer r.wg.Done()
			rd.Read()
		}()
	}
	return nil
}

// Capacity returns the number of slots.
func (r *Ring[T]) Capacity() int64 { return r.capacity }

// Slot returns the slot of sequence seq. The writer may fill it between Reserve
// and Commit; a consumer may read it during the Consume call that covers seq.
func (r *Ring[T]) Slot(seq int64) *T { return &r.slots[seq&r.mask] }

// Reserve claims the next n slots (1 <= n, and at most Capacity outstanding
// uncommitted) and returns the highest claimed sequence; the claim is hi-n+1..hi.
// It waits while the ring is full. Single writer: one goroutine at a time.
func (r *Ring[T]) Reserve(n int64) (hi int64, err error) {
	if r.written == nil {
		return -1, errors.New("ringbuffer: Reserve before Start")
	}
	if n < 1 || n > r.capacity-(r.reserved-r.committed) {
		return -1, fmt.Errorf("ringbuffer: cannot reserve %d slots with %d uncommitted in a ring of %d", n, r.reserved-r.committed, r.capacity)
	}
	if r.sig.closing.Load() {
		return -1, ErrClosed
	}
	hi = r.reserved + n
	if hi-r.capacity > r.gate {
		r.awaitSpace(hi)
	}
	r.reserved = hi
	return hi, nil
}

// Commit makes the reserved slots lo..hi visible to the consumers. lo must follow
// the last committed sequence and hi must be reserved; a reservation may be
// committed in several pieces. Once Close has begun it returns ErrClosed (a
// Commit racing with Close may be lost: stop the writer first, or close through
// the Publisher).
func (r *Ring[T]) Commit(lo, hi int64) error {
	if lo != r.committed+1 || hi < lo || hi > r.reserved {
		return fmt.Errorf("ringbuffer: cannot commit %d..%d: committed up to %d, reserved up to %d", lo, hi, r.committed, r.reserved)
	}
	if r.sig.closing.Load() {
		return ErrClosed
	}
	r.commit(hi)
	r.sig.wake()
	return nil
}

// commit publishes up to hi, which the caller has checked. It does not wake
// parked readers: Publisher wakes them after releasing its lock.
func (r *Ring[T]) commit(hi int64) {
	r.committed = hi
	r.written.Store(hi)
}

// awaitSpace refreshes the cached gate and, while the ring is full (the slowest
// consumer is a whole lap behind hi), polls it: writerSpins times, then with a
// Gosched between polls. The library's DefaultWriter is not used because its
// Reserve calls Gosched before its first re-read of the gate, i.e. whenever its
// cached gate is merely stale; with a consumer close behind that is every Reserve.
func (r *Ring[T]) awaitSpace(hi int64) {
	for polls := 1; ; polls++ {
		r.gate = r.Consumed()
		if hi-r.capacity <= r.gate {
			return
		}
		if polls > writerSpins {
			runtime.Gosched()
		}
	}
}

// writerSpins is how many times a writer facing a full ring re-reads the gate
// before it starts yielding between reads.
const writerSpins = 64

// Written returns the highest committed sequence (-1 before the first Commit).
// It is one atomic load and may be called from any goroutine once Start has
// returned.
func (r *Ring[T]) Written() int64 {
	if r.written == nil {
		return -1
	}
	return r.written.Load()
}

// Consumed returns the highest sequence that every consumer has finished (the
// slowest consumer's position; -1 before any). Written()-Consumed() is the ring's
// occupancy. It loads every consumer's cursor and may be called from any
// goroutine once Start has returned.
func (r *Ring[T]) Consumed() int64 {
	if r.readCurs == nil {
		return -1
	}
	lowest := r.readCurs[0].Load()
	for _, c := range r.readCurs[1:] {
		if v := c.Load(); v < lowest {
			lowest = v
		}
	}
	return lowest
}

// Close stops the consumers after they have consumed everything committed so
// far, waits for their goroutines to exit, and returns the errors of the
// consumers' Close methods. The writer must be done: a reservation that is not
// committed is dropped, and Reserve fails from now on. Close is idempotent;
// concurrent calls all wait for the first to finish. It waits as long as a
// consumer takes to finish.
func (r *Ring[T]) Close() error {
	r.closeOnce.Do(func() {
		r.sig.closing.Store(true)
		r.drain()
		for _, rd := range r.readers {
			_ = rd.Close() // only marks the reader closed
		}
		// A reader that parks from now on finds its token and returns at once,
		// then sees itself closed.
		r.sig.wakeAll()
		r.wg.Wait()
		var errs []error
		for _, a := range r.adapters {
			if a.closeErr != nil {
				errs = append(errs, a.closeErr)
			}
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

// drain waits until every consumer has finished everything committed. The
// library's reader cannot be trusted to do it: it loads the written cursor and
// then its closed flag, so a Commit and a Close that both land between those two
// loads make it exit with committed slots unread. Once all are caught up,
// closing them is safe.
func (r *Ring[T]) drain() {
	if r.written == nil {
		return
	}
	w := r.written.Load()
	for polls := 0; r.Consumed() < w; polls++ {
		if polls < 1000 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond) // a slow consumer: Close is not a hot path
		}
	}
}

// adapter sits between a library reader and the caller's consumer: it forwards
// Close (the library calls io.Closer on the consumer it was given) and keeps the
// error.
type adapter struct {
	consumer Consumer
	closeErr error // written by the reader goroutine before wg.Done
}

// Consume forwards to the consumer.
func (a *adapter) Consume(lower, upper int64) { a.consumer.Consume(lower, upper) }

// Close closes the consumer if it is an io.Closer.
func (a *adapter) Close() error {
	if c, ok := a.consumer.(io.Closer); ok {
		a.closeErr = c.Close()
	}
	return nil
}

var _ io.Closer = (*adapter)(nil)
