package ringbuffer

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Lock selects how a Publisher serializes its producers. The zero Lock means
// DefaultLock.
type Lock uint8

// Locks.
const (
	// LockSpin is a test-and-test-and-set spin lock on one atomic word that calls
	// runtime.Gosched after spinLockSpins failed attempts.
	LockSpin Lock = iota + 1
	// LockMutex is a sync.Mutex.
	LockMutex
)

// DefaultLock is the Lock used when PublisherOptions.Lock is zero: LockMutex,
// which measured within the noise of LockSpin and, with more producers than
// cores, parks its waiters instead of spinning (the package doc gives figures).
const DefaultLock = LockMutex

// spinLockSpins is how many failed attempts a LockSpin waiter makes before it
// starts yielding. The holder's critical section is a reservation and a ~150-byte
// copy (tens of ns), so a few attempts usually suffice; after that the holder has
// probably been descheduled and spinning only delays it on a 2-core machine.
const spinLockSpins = 16

// String returns "spin" or "mutex".
func (l Lock) String() string {
	switch l {
	case 0:
		return "default"
	case LockSpin:
		return "spin"
	case LockMutex:
		return "mutex"
	}
	return fmt.Sprintf("Lock(%d)", uint8(l))
}

// PublisherOptions configure a Publisher. The zero value is valid.
type PublisherOptions struct {
	// Lock serializes the producers; zero means DefaultLock.
	Lock Lock
}

// Publisher lets many goroutines write one Ring, whose writer is single-threaded,
// by serializing them: Claim takes the lock and reserves one slot, the caller
// fills the slot (including any sequence number and timestamp, which therefore
// increase together), and Publish commits it and releases the lock.
//
//	seq, slot, err := p.Claim()
//	if err != nil { ... }          // closed
//	*slot = cmd
//	slot.Seq, slot.Time = uint64(seq), clock()
//	_ = p.Publish(seq)
//
// Keep the code between Claim and Publish short and free of anything that can
// block or panic: every other producer waits for it. Once a Publisher exists, the
// ring must be written only through it. Claim and Publish do not allocate.
type Publisher[T any] struct {
	ring  *Ring[T]
	mutex bool

	_    cacheLinePad
	spin atomic.Int32 // LockSpin: 1 while held
	_    cacheLinePad
	mu   sync.Mutex // LockMutex
	_    cacheLinePad

	// Guarded by the lock.
	claimed int64 // the outstanding claim, or -1
	closed  bool
}

// NewPublisher returns a Publisher over a started ring.
func NewPublisher[T any](r *Ring[T], opts PublisherOptions) (*Publisher[T], error) {
	if r == nil {
		return nil, errors.New("ringbuffer: NewPublisher needs a ring")
	}
	lock := opts.Lock
	if lock == 0 {
		lock = DefaultLock
	}
	if lock != LockSpin && lock != LockMutex {
		return nil, fmt.Errorf("ringbuffer: invalid lock %d", uint8(opts.Lock))
	}
	return &Publisher[T]{ring: r, mutex: lock == LockMutex, claimed: -1}, nil
}

// Claim waits for the lock and a free slot and returns the slot's sequence and
// the slot itself, holding the lock until Publish. It fails, without holding the
// lock, once the publisher or the ring is closed.
func (p *Publisher[T]) Claim() (seq int64, slot *T, err error) {
	p.lock()
	if p.closed {
		p.unlock()
		return -1, nil, ErrClosed
	}
	seq, err = p.ring.Reserve(1)
	if err != nil {
		p.unlock()
		return -1, nil, err
	}
	p.claimed = seq
	return seq, p.ring.Slot(seq), nil
}

// Publish commits the slot returned by the preceding Claim of this goroutine and
// releases the lock. A seq that is not the outstanding claim is an error and
// changes nothing.
func (p *Publisher[T]) Publish(seq int64) error {
	if seq < 0 || seq != p.claimed {
		return fmt.Errorf("ringbuffer: publish of sequence %d, but the outstanding claim is %d", seq, p.claimed)
	}
	p.claimed = -1
	p.ring.commit(seq) // Claim reserved exactly seq
	p.unlock()
	p.ring.sig.wake() // after unlocking: a wake-up may cost microseconds
	return nil
}

// Close waits for any claim in progress, makes further Claims fail, and closes
// the ring (which drains it; see Ring.Close).
func (p *Publisher[T]) Close() error {
	p.lock()
	p.closed = true
	p.unlock()
	return p.ring.Close()
}

func (p *Publisher[T]) lock() {
	if p.mutex {
		p.mu.Lock()
		return
	}
	if !p.spin.CompareAndSwap(0, 1) {
		p.lockSlow()
	}
}

func (p *Publisher[T]) lockSlow() {
	for tries := 1; ; tries++ {
		if tries > spinLockSpins {
			runtime.Gosched()
		}
		if p.spin.Load() == 0 && p.spin.CompareAndSwap(0, 1) {
			return
		}
	}
}

func (p *Publisher[T]) unlock() {
	if p.mutex {
		p.mu.Unlock()
		return
	}
	p.spin.Store(0)
}
