package engine_test

import (
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/engine/internal/refbook"
	"github.com/openmatch/matchd/internal/workload"
)

// The mixed workload is generated once per test binary: generation runs every
// command through a scratch engine and takes a few seconds.
var (
	mixedOnce, smallOnce     sync.Once
	mixedStream, smallStream *workload.Stream
	mixedErr, smallErr       error
)

func mixed(b *testing.B) *workload.Stream {
	mixedOnce.Do(func() {
		mixedStream, mixedErr = workload.Generate(workload.DefaultOptions())
	})
	if mixedErr != nil {
		b.Fatal(mixedErr)
	}
	return mixedStream
}

// small is the same mix over a 20k-order book: the naive reference book scans
// linearly, so the engine/reference ratio is taken at this size.
func small(b *testing.B) *workload.Stream {
	smallOnce.Do(func() {
		o := workload.DefaultOptions()
		o.Resting = 20_000
		o.Measured = 200_000
		smallStream, smallErr = workload.Generate(o)
	})
	if smallErr != nil {
		b.Fatal(smallErr)
	}
	return smallStream
}

// applier is what the mixed benchmark drives: the fast engine or the reference.
type applier interface {
	apply(c *engine.Command)
}

type fastApplier struct {
	e   *engine.Engine
	out *engine.Events
}

func (f *fastApplier) apply(c *engine.Command) {
	f.out.Reset()
	f.e.Apply(c, f.out)
}

func newFast(b *testing.B, s *workload.Stream) applier {
	e, err := engine.New(s.Config)
	if err != nil {
		b.Fatal(err)
	}
	f := &fastApplier{e: e, out: engine.NewEvents(4096)}
	for i := range s.Warmup {
		f.apply(&s.Warmup[i])
	}
	return f
}

// runMixed applies the measured stream b.N times over, restarting from the warm
// book (untimed) whenever the stream is used up, and reports orders/s.
func runMixed(b *testing.B, s *workload.Stream, fresh func(*testing.B, *workload.Stream) applier, hist *hdrhistogram.Histogram) {
	b.ReportAllocs()
	a := fresh(b, s)
	cmds := s.Measured
	b.ResetTimer()
	i := 0
	for n := 0; n < b.N; n++ {
		if i == len(cmds) {
			b.StopTimer()
			a = fresh(b, s)
			i = 0
			b.StartTimer()
		}
		if hist != nil {
			t0 := time.Now()
			a.apply(&cmds[i])
			_ = hist.RecordValue(int64(time.Since(t0)))
		} else {
			a.apply(&cmds[i])
		}
		i++
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	if hist != nil {
		b.ReportMetric(float64(hist.ValueAtQuantile(50)), "p50-ns")
		b.ReportMetric(float64(hist.ValueAtQuantile(99)), "p99-ns")
		b.ReportMetric(float64(hist.ValueAtQuantile(99.9)), "p99.9-ns")
		b.ReportMetric(float64(hist.ValueAtQuantile(99.99)), "p99.99-ns")
		b.ReportMetric(float64(hist.Max()), "max-ns")
	}
}

// BenchmarkEngineMixed is the matching core alone on the mixed workload (60%
// limit near the touch, 25% cancel, 10% replace, 5% marketable; 6 symbols; about
// 200k resting orders; cancels and replaces pick a live order uniformly at random,
// the cache's worst case). The latency sub-benchmark times every command (the two
// clock reads add ~40 ns to each) into an HdrHistogram. The small/ pair runs the
// engine and the naive reference book on a 20k-order book for their ratio; run it
// with a time-based -benchtime, the reference is O(book) per command.
func BenchmarkEngineMixed(b *testing.B) {
	b.Run("engine", func(b *testing.B) { runMixed(b, mixed(b), newFast, nil) })
	b.Run("engine-latency", func(b *testing.B) {
		runMixed(b, mixed(b), newFast, hdrhistogram.New(1, int64(time.Second), 3))
	})
	b.Run("small/engine", func(b *testing.B) { runMixed(b, small(b), newFast, nil) })
	b.Run("small/reference", func(b *testing.B) { runMixed(b, small(b), newReference, nil) })
}

type refApplier struct {
	b   *refbook.Book
	out []engine.Event
}

func (r *refApplier) apply(c *engine.Command) { r.out = r.b.Apply(c, r.out[:0]) }

func newReference(b *testing.B, s *workload.Stream) applier {
	rb, err := refbook.New(s.Config)
	if err != nil {
		b.Fatal(err)
	}
	r := &refApplier{b: rb}
	for i := range s.Warmup {
		r.apply(&s.Warmup[i])
	}
	return r
}
