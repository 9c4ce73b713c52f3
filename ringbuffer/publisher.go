package ringbuffer

import (
	"errors"
	"fmt"
	"sync"
)

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
	ring *Ring[T]

	_  cacheLinePad
	mu sync.Mutex // serializes the producers
	_  cacheLinePad

	// Guarded by the lock.
	claimed int64 // the outstanding claim, or -1
	closed  bool
}

// NewPublisher returns a Publisher over a started ring.
func NewPublisher[T any](r *Ring[T]) (*Publisher[T], error) {
	if r == nil {
		return nil, errors.New("ringbuffer: NewPublisher needs a ring")
	}
	return &Publisher[T]{ring: r, claimed: -1}, nil
}

// Claim waits for the lock and a free slot and returns the slot's sequence and
// the slot itself, holding the lock until Publish. It fails, without holding the
// lock, once the publisher or the ring is closed.
func (p *Publisher[T]) Claim() (seq int64, slot *T, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return -1, nil, ErrClosed
	}
	seq, err = p.ring.Reserve(1)
	if err != nil {
		p.mu.Unlock()
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
	p.mu.Unlock()
	p.ring.sig.wake() // after unlocking: a wake-up may cost microseconds
	return nil
}

// Close waits for any claim in progress, makes further Claims fail, and closes
// the ring (which drains it; see Ring.Close).
func (p *Publisher[T]) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return p.ring.Close()
}
