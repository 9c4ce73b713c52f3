package pipeline

import (
	"math/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// gatedCollector is an observer that keeps copies of every event and checks,
// on each, that its command is already durable.
type gatedCollector struct {
	p      *Pipeline
	slow   bool // yields on every event, to fall behind the releaser
	events []engine.Event
	early  atomic.Int64 // events seen before their command was durable
}

func (g *gatedCollector) Deliver(ev *engine.Event) {
	if g.p.durable.seq.Load() < ev.Seq {
		g.early.Add(1)
	}
	if g.slow {
		runtime.Gosched()
	}
	g.events = append(g.events, *ev)
}

// TestObservers: each observer of Start receives every event the Reporter
// does, in the same order, each once its command is durable, on its own
// consumer (a slow observer does not hold the others back beyond the ring).
func TestObservers(t *testing.T) {
	for _, pol := range []journal.Policy{journal.PolicyBatch, journal.PolicyNone} {
		t.Run(pol.String(), func(t *testing.T) {
			p, _, err := Open(Options{Engine: testConfig(), Dir: t.TempDir(), MatcherCPU: -1, Durability: pol,
				InboundCapacity: 256, OutboundCapacity: 512})
			if err != nil {
				t.Fatal(err)
			}
			rep := &gatedCollector{p: p}
			fast, slow := &gatedCollector{p: p}, &gatedCollector{p: p, slow: true}
			if err := p.Start(rep, fast, nil, slow); err != nil {
				p.Close()
				t.Fatal(err)
			}
			const producers, perProducer = 3, 1500
			var wg sync.WaitGroup
			for i := range producers {
				wg.Add(1)
				go func(owner uint32) {
					defer wg.Done()
					r := rand.New(rand.NewSource(int64(owner)))
					for n := range perProducer {
						c := randomCommand(r, owner, n)
						if err := p.Submit(&c); err != nil {
							t.Error(err)
							return
						}
					}
				}(uint32(i))
			}
			wg.Wait()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if len(rep.events) < producers*perProducer {
				t.Fatalf("reporter got %d events for %d commands", len(rep.events), producers*perProducer)
			}
			for name, o := range map[string]*gatedCollector{"reporter": rep, "fast": fast, "slow": slow} {
				if n := o.early.Load(); n != 0 {
					t.Errorf("%s: %d events before their command was durable", name, n)
				}
				if len(o.events) != len(rep.events) {
					t.Fatalf("%s: %d events, reporter %d", name, len(o.events), len(rep.events))
				}
				for i := range o.events {
					if o.events[i] != rep.events[i] {
						t.Fatalf("%s: event %d differs:\n got %+v\nwant %+v", name, i, o.events[i], rep.events[i])
					}
				}
			}
		})
	}
}

// TestDurableSeqManyWaiters parks several waiters on increasing sequences and
// publishes them one at a time: each must wake when its sequence is reached,
// however the others come and go (a single "waiting" flag, cleared by the
// first waiter to leave, lost the wake-up of the ones still parked).
func TestDurableSeqManyWaiters(t *testing.T) {
	const waiters, rounds = 6, 50
	for round := range rounds {
		var d durableSeq
		var failed atomic.Pointer[error]
		done := make(chan uint64, waiters)
		for w := 1; w <= waiters; w++ {
			go func(seq uint64) { done <- d.wait(seq, &failed) }(uint64(w))
		}
		parked := func(n int32) { // every remaining waiter counted, holding no lock: inside cond.Wait
			for {
				d.mu.Lock()
				k := d.waiters.Load()
				d.mu.Unlock()
				if k == n {
					return
				}
				runtime.Gosched()
			}
		}
		parked(waiters)
		for s := 1; s <= waiters; s++ {
			d.publish(uint64(s))
			select {
			case v := <-done:
				if v != uint64(s) {
					t.Fatalf("round %d: a waiter returned %d after publish(%d)", round, v, s)
				}
			case <-time.After(10 * time.Second): // deadlock guard, not a timing check
				t.Fatalf("round %d: no waiter woke after publish(%d): a wake-up was lost", round, s)
			}
			parked(int32(waiters - s))
		}
	}
	// A failure wakes every waiter.
	var d durableSeq
	var failed atomic.Pointer[error]
	done := make(chan uint64, 2)
	for range 2 {
		go func() { done <- d.wait(100, &failed) }()
	}
	for {
		d.mu.Lock()
		k := d.waiters.Load()
		d.mu.Unlock()
		if k == 2 {
			break
		}
		runtime.Gosched()
	}
	err := ErrStopped
	failed.Store(&err)
	d.wake()
	for range 2 {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter was not woken by the failure")
		}
	}
}
