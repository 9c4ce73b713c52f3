package pipeline

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/workload"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/replay"
	"github.com/openmatch/matchd/ringbuffer"
)

var (
	streamOnce sync.Once
	stream     *workload.Stream
)

func benchStream(b *testing.B) *workload.Stream {
	streamOnce.Do(func() {
		o := workload.DefaultOptions()
		o.Resting = 50_000
		o.Measured = 500_000
		var err error
		if stream, err = workload.Generate(o); err != nil {
			panic(err)
		}
	})
	return stream
}

// lastSeq is a Reporter that records the last delivered Seq.
type lastSeq struct{ seq atomic.Uint64 }

func (l *lastSeq) Deliver(ev *engine.Event) { l.seq.Store(ev.Seq) }

// BenchmarkPipeline measures commands/s through the whole in-process pipeline
// (Submit -> ring -> journal + matcher -> ring -> releaser, ack-gated) for each
// durability policy, on the mixed workload, from one and from two producers. The
// `unjournaled` baseline skips the journal write entirely; `none` writes it to
// the page cache without fsync; `batch` adds one fsync per group.
func BenchmarkPipeline(b *testing.B) {
	for _, producers := range []int{1, 2} {
		b.Run("unjournaled/producers="+itoa(producers), func(b *testing.B) {
			benchPipeline(b, unjournaled, producers, ringbuffer.DefaultWait, b.N)
		})
	}
	for _, pol := range []journal.Policy{journal.PolicyNone, journal.PolicyBatch, journal.PolicyEvery} {
		for _, producers := range []int{1, 2} {
			b.Run(pol.String()+"/producers="+itoa(producers), func(b *testing.B) {
				n := b.N
				if pol == journal.PolicyEvery {
					n = min(n, 20000) // one fsync per command: keep the run short
				}
				benchPipeline(b, pol, producers, ringbuffer.DefaultWait, n)
			})
		}
	}
}

// unjournaled is a pseudo-policy for the baseline.
const unjournaled journal.Policy = 255

// benchPipeline submits at most limit measured commands (fewer if the stream is
// shorter) and reports ns/op and commands/s over the commands it submitted, not
// over b.N.
func benchPipeline(b *testing.B, pol journal.Policy, producers int, wait ringbuffer.Wait, limit int) {
	s := benchStream(b)
	rep := &lastSeq{}
	opts := Options{Engine: s.Config, Dir: b.TempDir(), Durability: pol, Wait: wait, MatcherCPU: -1,
		SnapshotEvery: -1, CheckpointEvery: -1}
	if pol == unjournaled {
		opts.Durability, opts.noJournal = journal.PolicyNone, true
	}
	p, _, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	mustStart(b, p, rep)
	for i := range s.Warmup {
		if err := p.Submit(&s.Warmup[i]); err != nil {
			b.Fatal(err)
		}
	}
	for rep.seq.Load() < uint64(len(s.Warmup)) {
		runtime.Gosched()
	}
	n := min(limit, len(s.Measured))
	var gc0 debug.GCStats
	debug.ReadGCStats(&gc0)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := 0; g < producers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n; i += producers {
				if err := p.Submit(&s.Measured[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	want := uint64(len(s.Warmup) + n)
	for rep.seq.Load() < want {
		runtime.Gosched()
	}
	b.StopTimer()
	var gc1 debug.GCStats
	debug.ReadGCStats(&gc1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "commands/s")
	b.ReportMetric(float64(gc1.NumGC-gc0.NumGC), "gc-cycles")
	b.ReportMetric(float64((gc1.PauseTotal-gc0.PauseTotal)/time.Microsecond), "gc-pause-µs")
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReplay measures replay throughput (commands/s) of a journal of the
// mixed workload read from the page cache, beside applying the same commands
// straight to an engine (the replay's floor).
func BenchmarkReplay(b *testing.B) {
	s := benchStream(b)
	dir := b.TempDir()
	p, _, err := Open(Options{Engine: s.Config, Dir: dir, Durability: journal.PolicyNone, MatcherCPU: -1, SnapshotEvery: -1})
	if err != nil {
		b.Fatal(err)
	}
	mustStart(b, p, nil)
	for _, set := range [][]engine.Command{s.Warmup, s.Measured} {
		for i := range set {
			if err := p.Submit(&set[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	total := len(s.Warmup) + len(s.Measured)
	b.Run("journal", func(b *testing.B) { // one op = one replay of the whole journal
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			res, err := replay.Run(replay.Options{Dir: dir, Engine: s.Config})
			if err != nil || res.Commands != uint64(total) {
				b.Fatalf("replay: %d commands, %v", res.Commands, err)
			}
		}
		b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "commands/s")
	})
	// What a restart costs: Open of the same directory (Close wrote a snapshot
	// at the last command, so nothing is replayed; Open still reads the whole
	// journal twice: journal.Open checks every record, the recovery skips to the
	// snapshot's sequence). The pipeline is not started: Open is the restart.
	b.Run("restart", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			p, rec, err := Open(Options{Engine: s.Config, Dir: dir, Durability: journal.PolicyNone, MatcherCPU: -1, SnapshotEvery: -1})
			if err != nil || rec.LastSeq != uint64(total) || rec.Replayed != 0 {
				b.Fatalf("restart: %+v, %v", rec, err)
			}
			b.StopTimer()
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/restart")
		b.ReportMetric(float64(total), "journaled-commands")
	})
	b.Run("engine-only", func(b *testing.B) {
		b.ReportAllocs()
		out := engine.NewEvents(4096)
		for i := 0; i < b.N; i++ {
			e, _ := engine.New(s.Config)
			for _, set := range [][]engine.Command{s.Warmup, s.Measured} {
				for j := range set {
					out.Reset()
					e.Apply(&set[j], out)
				}
			}
		}
		b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "commands/s")
	})
}
