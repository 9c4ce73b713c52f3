//go:build linux

package ringbuffer

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// onFreshGoroutine runs f on a goroutine of its own, whose locked thread the
// runtime discards when it exits.
func onFreshGoroutine(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func TestPinCurrentThread(t *testing.T) {
	var err error
	var set unix.CPUSet
	var affErr error
	onFreshGoroutine(func() {
		err = PinCurrentThread(0)
		affErr = unix.SchedGetaffinity(0, &set)
	})
	if err != nil {
		t.Fatal(err)
	}
	if affErr != nil {
		t.Fatal(affErr)
	}
	if set.Count() != 1 || !set.IsSet(0) {
		t.Fatalf("affinity after pinning to CPU 0 has %d CPUs, CPU 0 set: %v", set.Count(), set.IsSet(0))
	}

	onFreshGoroutine(func() { err = PinCurrentThread(-1) })
	if err != nil {
		t.Fatalf("PinCurrentThread(-1) = %v", err)
	}

	onFreshGoroutine(func() {
		err = PinCurrentThread(9999)
		affErr = unix.SchedGetaffinity(0, &set)
	})
	if err == nil || !strings.HasPrefix(err.Error(), "ringbuffer: cannot pin to CPU 9999") {
		t.Fatalf("PinCurrentThread(9999) = %v", err)
	}
	if affErr != nil || set.Count() < 1 {
		t.Fatalf("after a failed pin: affinity %d CPUs, %v", set.Count(), affErr)
	}
}

// affinity records the calling thread's CPU set on its first batch.
type affinity struct {
	set   unix.CPUSet
	err   error
	calls int
}

func (a *affinity) Consume(lower, upper int64) {
	if a.calls == 0 {
		a.err = unix.SchedGetaffinity(0, &a.set)
	}
	a.calls++
}

func TestPinnedConsumer(t *testing.T) {
	r, err := New[msg](Options{Capacity: 4})
	if err != nil {
		t.Fatal(err)
	}
	good, bad := &affinity{}, &affinity{}
	pGood, pBad := Pinned(0, good), Pinned(9999, bad)
	if pGood.Pinned() || pGood.Err() != nil {
		t.Fatal("pinned before any batch")
	}
	if err := r.Start([]Consumer{pGood, pBad}); err != nil {
		t.Fatal(err)
	}
	hi, err := r.Reserve(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(hi, hi); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !pGood.Pinned() || pGood.Err() != nil {
		t.Fatalf("good: Pinned %v, Err %v", pGood.Pinned(), pGood.Err())
	}
	if good.err != nil || good.set.Count() != 1 || !good.set.IsSet(0) {
		t.Fatalf("the consumer's thread was not on CPU 0 only: %d CPUs, %v", good.set.Count(), good.err)
	}
	if pBad.Pinned() || pBad.Err() == nil || !strings.Contains(pBad.Err().Error(), "9999") {
		t.Fatalf("bad: Pinned %v, Err %v", pBad.Pinned(), pBad.Err())
	}
	if good.calls != 1 || bad.calls != 1 {
		t.Fatalf("wrapped consumers called %d and %d times, want 1 each", good.calls, bad.calls)
	}
}
