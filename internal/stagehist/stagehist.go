// Package stagehist is the latency histogram of one stage of an order's trip
// through matchd, shared by the pipeline's stages and the gateway's: HdrHistogram,
// nanoseconds from 1 ns to 1 minute at 3 significant digits, recorded under a
// lock by whichever goroutine finishes the stage and copied for readers
// (metrics, /debug/stages). Report is the /debug/stages wire format, here so
// that the server, which writes it, and bench/fixbench, which reads it, share it
// without the client importing the pipeline.
package stagehist

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency is a copy of one stage's histogram (nanoseconds), named.
type Latency struct {
	Name string
	Hist *hdrhistogram.Histogram
}

// Hist is one stage's histogram. Record a value with Record, or several
// under one Lock with RecordLocked.
type Hist struct {
	sync.Mutex
	h *hdrhistogram.Histogram
}

// New returns an empty histogram.
func New() *Hist { return &Hist{h: hdrhistogram.New(1, int64(time.Minute), 3)} }

// RecordLocked adds v ns, clamped into the histogram's range (the wall clock
// may step backwards; a value past a minute counts as a minute). The caller
// holds the lock.
func (s *Hist) RecordLocked(v int64) {
	_ = s.h.RecordValue(min(max(v, 0), s.h.HighestTrackableValue()))
}

// Record adds v ns under the lock.
func (s *Hist) Record(v int64) {
	s.Lock()
	s.RecordLocked(v)
	s.Unlock()
}

// Copy returns a copy named name, and empties the histogram when reset is
// true.
func (s *Hist) Copy(name string, reset bool) Latency {
	s.Lock()
	defer s.Unlock()
	out := Latency{Name: name, Hist: hdrhistogram.Import(s.h.Export())}
	if reset {
		s.h.Reset()
	}
	return out
}
