package bench

import (
	"errors"
	"sync"
	"time"
)

// SyntheticConfig describes a SyntheticServer.
type SyntheticConfig struct {
	// Service is the time spent on each request, busy-waiting (time.Sleep
	// is far too coarse for microseconds).
	Service time.Duration
	// Stall, if > 0, is a pause taken once, just before request StallAt is
	// served: a GC pause, a page fault storm, a full queue.
	Stall time.Duration
	// StallAt is the request that meets the stall.
	StallAt int
	// DropEvery, if > 0, makes the server never answer requests i with
	// i % DropEvery == DropEvery-1, to exercise lost-op accounting.
	DropEvery int
	// Queue is the capacity of the request queue (default 1024). Send
	// blocks when it is full.
	Queue int
}

// SyntheticServer is an in-process server for checking the harness itself:
// one goroutine serves requests in arrival order as SyntheticConfig says and
// reports each answer through a completion callback. Because its behaviour
// is known, the latencies a harness reports for it can be checked.
type SyntheticServer struct {
	cfg      SyntheticConfig
	reqs     chan int
	complete func(i int)
	wg       sync.WaitGroup
	closeMu  sync.Mutex
	closed   bool
}

// NewSyntheticServer starts a server that calls complete(i) from its own
// goroutine when it has answered request i. Close stops it.
func NewSyntheticServer(cfg SyntheticConfig, complete func(i int)) *SyntheticServer {
	if cfg.Queue <= 0 {
		cfg.Queue = 1024
	}
	s := &SyntheticServer{cfg: cfg, reqs: make(chan int, cfg.Queue), complete: complete}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for i := range s.reqs {
			if s.cfg.Serve(i) {
				s.complete(i)
			}
		}
	}()
	return s
}

// Send queues request i, blocking while the queue is full. It fails after
// Close.
func (s *SyntheticServer) Send(i int) error {
	s.closeMu.Lock()
	closed := s.closed
	s.closeMu.Unlock()
	if closed {
		return errors.New("bench: synthetic server is closed")
	}
	s.reqs <- i
	return nil
}

// Close stops accepting requests, lets the server finish the queued ones
// and waits for its goroutine. Send must not be running concurrently.
func (s *SyntheticServer) Close() {
	s.closeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.reqs)
	}
	s.closeMu.Unlock()
	s.wg.Wait()
}

// Serve does the work of request i on the calling goroutine: the stall if
// i is StallAt, then Service of busy work. It reports false if request i is
// one to drop. Calling it directly gives a synchronous server, as a
// closed-loop client sees it.
func (c SyntheticConfig) Serve(i int) bool {
	if c.Stall > 0 && i == c.StallAt {
		time.Sleep(c.Stall)
	}
	if c.Service > 0 {
		for t0 := time.Now(); time.Since(t0) < c.Service; {
		}
	}
	return c.DropEvery <= 0 || i%c.DropEvery != c.DropEvery-1
}
