package ringbuffer

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Every ring benchmark sits beside a buffered Go channel of the same capacity
// carrying the same ~150-byte payload. ns/op is per message.

const benchCapacity = 1024

var benchWaits = []Wait{Spin, SpinYield, Block}

// sink sums a field of every message and closes done once it has seen last.
type sink struct {
	ring *Ring[msg]
	last int64
	sum  int64
	done chan struct{}
}

func (s *sink) Consume(lower, upper int64) {
	for q := lower; q <= upper; q++ {
		s.sum += s.ring.Slot(q).N
	}
	if upper >= s.last {
		s.last = math.MaxInt64
		close(s.done)
	}
}

func startSink(b *testing.B, wait Wait, n int) (*Ring[msg], *sink) {
	b.Helper()
	r, err := New[msg](Options{Capacity: benchCapacity, Wait: wait})
	if err != nil {
		b.Fatal(err)
	}
	s := &sink{ring: r, last: int64(n) - 1, done: make(chan struct{})}
	if err := r.Start([]Consumer{s}); err != nil {
		b.Fatal(err)
	}
	return r, s
}

// BenchmarkHop: one producer, one consumer, b.N messages.
func BenchmarkHop(b *testing.B) {
	b.Run("channel", func(b *testing.B) {
		b.ReportAllocs()
		ch := make(chan msg, benchCapacity)
		done := make(chan int64)
		go func() {
			var sum int64
			for range b.N {
				m := <-ch
				sum += m.N
			}
			done <- sum
		}()
		b.ResetTimer()
		var m msg
		for i := range b.N {
			m.Seq, m.N = int64(i), int64(i)
			ch <- m
		}
		<-done
	})
	for _, wait := range benchWaits {
		b.Run("ring-"+wait.String(), func(b *testing.B) {
			b.ReportAllocs()
			r, s := startSink(b, wait, b.N)
			b.ResetTimer()
			var m msg
			for i := range b.N {
				seq, err := r.Reserve(1)
				if err != nil {
					b.Fatal(err)
				}
				m.Seq, m.N = seq, int64(i)
				*r.Slot(seq) = m
				if err := r.Commit(seq, seq); err != nil {
					b.Fatal(err)
				}
			}
			<-s.done
			b.StopTimer()
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// acker publishes the last sequence it consumed.
type acker struct {
	_   cacheLinePad
	ack atomic.Int64
	_   cacheLinePad
}

func (a *acker) Consume(lower, upper int64) { a.ack.Store(upper) }

// awaitAck polls like a latency-sensitive caller: spinning, with an occasional
// Gosched so that two goroutines on two shared cores cannot livelock.
func awaitAck(a *acker, seq int64) {
	for polls := 1; a.ack.Load() < seq; polls++ {
		if polls&255 == 0 {
			runtime.Gosched()
		}
	}
}

// BenchmarkRoundTrip: send one message, wait until the consumer has it, repeat.
// This is the latency of a hop while the consumer is otherwise idle, which is
// where the wait strategies differ most.
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("channel", func(b *testing.B) {
		b.ReportAllocs()
		ch := make(chan msg, benchCapacity)
		a := &acker{}
		a.ack.Store(-1)
		go func() {
			for m := range ch {
				a.ack.Store(m.Seq)
			}
		}()
		b.ResetTimer()
		var m msg
		for i := range b.N {
			m.Seq = int64(i)
			ch <- m
			awaitAck(a, int64(i))
		}
		b.StopTimer()
		close(ch)
	})
	for _, wait := range benchWaits {
		b.Run("ring-"+wait.String(), func(b *testing.B) {
			b.ReportAllocs()
			r, err := New[msg](Options{Capacity: benchCapacity, Wait: wait})
			if err != nil {
				b.Fatal(err)
			}
			a := &acker{}
			a.ack.Store(-1)
			if err := r.Start([]Consumer{a}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var m msg
			for range b.N {
				seq, err := r.Reserve(1)
				if err != nil {
					b.Fatal(err)
				}
				m.Seq = seq
				*r.Slot(seq) = m
				if err := r.Commit(seq, seq); err != nil {
					b.Fatal(err)
				}
				awaitAck(a, seq)
			}
			b.StopTimer()
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkPublisher: 1, 2 and 4 producers share b.N messages, through a
// Publisher, beside a channel with as many senders. The ring uses
// DefaultWait.
func BenchmarkPublisher(b *testing.B) {
	for _, producers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("channel/producers=%d", producers), func(b *testing.B) {
			b.ReportAllocs()
			ch := make(chan msg, benchCapacity)
			done := make(chan int64)
			go func() {
				var sum int64
				for range b.N {
					m := <-ch
					sum += m.N
				}
				done <- sum
			}()
			b.ResetTimer()
			runProducers(b.N, producers, func(id, n int) {
				m := msg{Producer: int64(id)}
				for i := range n {
					m.N = int64(i)
					ch <- m
				}
			})
			<-done
		})
		b.Run(fmt.Sprintf("publisher/producers=%d", producers), func(b *testing.B) {
			b.ReportAllocs()
			r, s := startSink(b, DefaultWait, b.N)
			p, err := NewPublisher(r)
			if err != nil {
				b.Fatal(err)
			}
			var clock int64
			b.ResetTimer()
			runProducers(b.N, producers, func(id, n int) {
				m := msg{Producer: int64(id)}
				for i := range n {
					seq, slot, err := p.Claim()
					if err != nil {
						panic(err) // b.Fatal may not be called off the benchmark goroutine
					}
					clock++
					m.Seq, m.Time, m.N = seq, clock, int64(i)
					*slot = m
					if err := p.Publish(seq); err != nil {
						panic(err)
					}
				}
			})
			<-s.done
			b.StopTimer()
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// runProducers splits total messages between producers goroutines, starts them
// together and waits for them.
func runProducers(total, producers int, produce func(id, n int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for id := range producers {
		n := total / producers
		if id == 0 {
			n += total % producers
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			produce(id, n)
		}()
	}
	close(start)
	wg.Wait()
}
