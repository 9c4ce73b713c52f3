package ringbuffer

import (
	"io"
	"sync/atomic"
)

// PinnedConsumer wraps a Consumer and pins the goroutine that calls it to a CPU
// (PinCurrentThread) on its first Consume call. The ring's reader starts its own
// goroutine, so the first call is the earliest point at which the pinning can
// happen inside it; that first batch runs before the pin takes effect.
type PinnedConsumer struct {
	cpu      int
	consumer Consumer
	tried    bool        // reader goroutine only
	err      error       // written once before done is set
	done     atomic.Bool // the pin was attempted
}

// Pinned returns c wrapped so that its goroutine is pinned to cpu on the first
// Consume call (a negative cpu only locks the OS thread). A failure to pin does
// not stop consumption; read it with Err.
func Pinned(cpu int, c Consumer) *PinnedConsumer {
	return &PinnedConsumer{cpu: cpu, consumer: c}
}

// Consume pins on the first call, then forwards to the wrapped consumer.
func (p *PinnedConsumer) Consume(lower, upper int64) {
	if !p.tried {
		p.tried = true
		p.err = PinCurrentThread(p.cpu)
		p.done.Store(true)
	}
	p.consumer.Consume(lower, upper)
}

// Pinned reports whether the pin was attempted and succeeded. It may be called
// from any goroutine.
func (p *PinnedConsumer) Pinned() bool { return p.done.Load() && p.err == nil }

// Err returns the error of the pin attempt, or nil if it succeeded or has not
// happened yet (no batch consumed). It may be called from any goroutine.
func (p *PinnedConsumer) Err() error {
	if !p.done.Load() {
		return nil
	}
	return p.err
}

// Close closes the wrapped consumer if it is an io.Closer.
func (p *PinnedConsumer) Close() error {
	if c, ok := p.consumer.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
