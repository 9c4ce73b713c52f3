package ringbuffer

import (
	"errors"
	"testing"
)

func TestPublisherErrors(t *testing.T) {
	if _, err := NewPublisher[msg](nil); err == nil {
		t.Fatal("NewPublisher(nil) succeeded")
	}
	r, err := New[msg](Options{Capacity: 4})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPublisher(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Claim(); err == nil {
		t.Fatal("Claim on an unstarted ring succeeded")
	}
	c := &counter{}
	if err := r.Start([]Consumer{c}); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(0); err == nil {
		t.Fatal("Publish without a claim succeeded")
	}
	seq, slot, err := p.Claim()
	if err != nil || slot != r.Slot(seq) {
		t.Fatalf("Claim = %d, %p, %v", seq, slot, err)
	}
	if err := p.Publish(seq + 1); err == nil {
		t.Fatal("Publish of the wrong sequence succeeded")
	}
	if err := p.Publish(seq); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Claim(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Claim after Close: %v", err)
	}
	if c.n.Load() != 1 {
		t.Fatalf("consumed %d, want 1", c.n.Load())
	}
}

// TestPublisherClaimAfterRingClose: closing the ring directly also stops claims,
// and does not leave the publisher locked.
func TestPublisherClaimAfterRingClose(t *testing.T) {
	r, err := New[msg](Options{Capacity: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start([]Consumer{&counter{}}); err != nil {
		t.Fatal(err)
	}
	p, err := NewPublisher(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := p.Claim(); !errors.Is(err, ErrClosed) {
			t.Fatalf("Claim after the ring's Close: %v", err)
		}
	}
}

func TestPublishDoesNotAllocate(t *testing.T) {
	for _, wait := range []Wait{Spin, SpinYield, Block} {
		t.Run(wait.String(), func(t *testing.T) {
			r, err := New[msg](Options{Capacity: 64, Wait: wait})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Start([]Consumer{&counter{}, &counter{}}); err != nil {
				t.Fatal(err)
			}
			p, err := NewPublisher(r)
			if err != nil {
				t.Fatal(err)
			}
			m := msg{Producer: 1}
			allocs := testing.AllocsPerRun(2000, func() {
				seq, slot, err := p.Claim()
				if err != nil {
					t.Fatal(err)
				}
				m.Seq, m.N = seq, m.N+1
				*slot = m
				if err := p.Publish(seq); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per publish", allocs)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
