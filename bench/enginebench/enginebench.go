// Package enginebench measures the matching core alone: engine.Engine.Apply
// on the mixed workload of package internal/workload (about 60% limit orders
// near the touch, 25% cancels, 10% replaces, 5% marketable orders, over
// several symbols, with the book held near a target number of resting
// orders), single-threaded, with no ring, journal or network.
//
// A measurement makes these runs (bench.Run), each on a fresh engine warmed
// with the workload's warm-up stream (untimed):
//
//   - "engine": every measured command timed on its own (a clock read before
//     and after Apply) into the histogram. The two reads cost
//     Result.TimerOverhead (typically 20-40 ns); it is measured and recorded in the
//     settings ("timer_p50"), and included in every latency.
//   - "engine/untimed": the same commands with no per-command clock read:
//     one read per batch of BatchSize commands. Its throughput is the
//     engine's; its "latencies" are each batch's mean per command (every
//     command of a batch is recorded with the batch mean), so its percentiles
//     describe how the mean varies over the run, not single commands.
//   - "reference": the naive reference book (engine/internal/refbook) timed per
//     command on the first RefCount commands, when Options.Reference provides
//     it (it lives in an internal package that bench cannot import; see
//     Options.Reference) and RefCount is not 0. It is O(book) per command: on
//     the default 200k-order book its warm-up alone takes minutes.
//
// Run is never silent for long: it writes a line to Options.Log as each stage
// starts (generating the workload, each pass, each warm-up), and the warm-ups
// and passes draw the bench.Progress counter (on a terminal).
package enginebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/workload"
)

// BatchSize is the number of commands per clock read in the untimed pass.
const BatchSize = 1000

// DefaultRefCount is the default Options.RefCount.
const DefaultRefCount = 20000

// Applier applies one command to an order book and discards its events. The
// reference book is driven through it.
type Applier interface {
	Apply(cmd *engine.Command)
}

// Options configure a measurement.
type Options struct {
	// Resting is the target number of resting orders (the book's size).
	Resting int
	// Count is the number of measured commands.
	Count int
	// Seed makes the workload reproducible.
	Seed int64
	// Symbols is the number of instruments (1..6).
	Symbols int
	// Owners is the number of sessions placing orders.
	Owners int
	// Reference, if not nil, builds the naive reference book for cfg. The
	// book lives in engine/internal/refbook, which Go's internal rule lets
	// only engine/... import; a command outside engine/ gets it through a
	// small exported wrapper (see docs/BENCH.md). Nil skips the reference.
	Reference func(cfg engine.Config) (Applier, error)
	// RefCount is the number of measured commands applied to the reference
	// (it scans its books linearly: at 200k resting orders a command takes
	// milliseconds), at most Count. 0 skips the reference, its warm-up
	// included.
	RefCount int
	// Log, if not nil, gets one line as each stage of Run starts.
	Log io.Writer
}

// DefaultOptions are the figures of the README: 200k resting orders, one
// million measured commands over 6 symbols, seed 1.
func DefaultOptions() Options {
	w := workload.DefaultOptions()
	return Options{Resting: w.Resting, Count: w.Measured, Seed: w.Seed, Symbols: w.Symbols, Owners: w.Owners,
		RefCount: DefaultRefCount}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	switch {
	case o.Resting < 1:
		return fmt.Errorf("enginebench: resting orders must be at least 1, not %d", o.Resting)
	case o.Count < 1 || o.Count > bench.MaxOps:
		return fmt.Errorf("enginebench: count must be between 1 and %d, not %d", bench.MaxOps, o.Count)
	case o.Symbols < 1 || o.Symbols > len(engine.DefaultConfig().Symbols):
		return fmt.Errorf("enginebench: symbols must be between 1 and %d, not %d", len(engine.DefaultConfig().Symbols), o.Symbols)
	case o.Owners < 1:
		return fmt.Errorf("enginebench: owners must be at least 1, not %d", o.Owners)
	case o.RefCount < 0:
		return fmt.Errorf("enginebench: reference count must not be negative, not %d", o.RefCount)
	}
	return nil
}

// Result is what Run measured.
type Result struct {
	// Runs are "engine", "engine/untimed" and, if measured, "reference".
	Runs []*bench.Run
	// Mix counts the measured commands by class.
	Mix workload.Mix
	// TimerOverhead is the median cost of the two clock reads around an
	// empty timed region, included in every per-command latency.
	TimerOverhead time.Duration
	// ReferenceSkipped says why there is no reference run ("" if there is).
	ReferenceSkipped string
}

// Run generates the workload and measures it. Progress, if enabled, shows
// the commands applied in each warm-up and pass. Generation takes about as
// long as the passes themselves (it runs every command through a scratch
// engine).
func Run(ctx context.Context, o Options, progress *bench.Progress) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	wo := workload.DefaultOptions()
	wo.Resting, wo.Measured, wo.Seed, wo.Symbols, wo.Owners = o.Resting, o.Count, o.Seed, o.Symbols, o.Owners
	logf("engine: generating the workload (%d resting orders, %d measured commands)", o.Resting, o.Count)
	s, err := workload.Generate(wo)
	if err != nil {
		return nil, fmt.Errorf("enginebench: generating the workload: %w", err)
	}
	res := &Result{Mix: s.Mix, TimerOverhead: timerOverhead()}
	settings := func(pass string, n int) map[string]string {
		return map[string]string{
			"pass":    pass,
			"resting": strconv.Itoa(o.Resting),
			"count":   strconv.Itoa(n),
			"seed":    strconv.FormatInt(o.Seed, 10),
			"symbols": strconv.Itoa(o.Symbols),
			"owners":  strconv.Itoa(o.Owners),
			"warmup":  strconv.Itoa(len(s.Warmup)),
			"mix": fmt.Sprintf("limit:%d,cancel:%d,replace:%d,marketable:%d",
				s.Mix.Limit, s.Mix.Cancel, s.Mix.Replace, s.Mix.Marketable),
		}
	}

	logf("engine: warm-up (%d commands), then %d commands timed one by one", len(s.Warmup), len(s.Measured))
	fast, err := newEngine(ctx, s, progress)
	if err != nil {
		return nil, err
	}
	h, start, d, err := timed(ctx, fast, s.Measured, progress)
	if err != nil {
		return nil, err
	}
	st := settings("per-command", len(s.Measured))
	st["timer_p50"] = res.TimerOverhead.String()
	res.Runs = append(res.Runs, bench.NewRun("engine", st, h, start, d))

	logf("engine/untimed: warm-up (%d commands), then %d commands in batches of %d", len(s.Warmup), len(s.Measured), BatchSize)
	fast, err = newEngine(ctx, s, progress)
	if err != nil {
		return nil, err
	}
	h, start, d, err = untimed(ctx, fast, s.Measured, progress)
	if err != nil {
		return nil, err
	}
	st = settings("untimed (latency = mean of each batch of "+strconv.Itoa(BatchSize)+")", len(s.Measured))
	res.Runs = append(res.Runs, bench.NewRun("engine/untimed", st, h, start, d))

	switch {
	case o.Reference == nil:
		res.ReferenceSkipped = "no reference book available to this binary (engine/internal/refbook is internal to engine/)"
		return res, nil
	case o.RefCount == 0:
		res.ReferenceSkipped = "reference count 0 (-ref-count 0)"
		return res, nil
	}
	n := min(o.RefCount, len(s.Measured))
	logf("reference: warm-up (%d commands), then %d commands timed one by one; the naive book is slow on a big book (-ref-count 0 skips it)",
		len(s.Warmup), n)
	ref, err := o.Reference(s.Config)
	if err != nil {
		return nil, fmt.Errorf("enginebench: reference book: %w", err)
	}
	if err := warm(ctx, ref, s.Warmup, progress); err != nil {
		return nil, err
	}
	h, start, d, err = timed(ctx, ref, s.Measured[:n], progress)
	if err != nil {
		return nil, err
	}
	st = settings("per-command", n)
	st["timer_p50"] = res.TimerOverhead.String()
	res.Runs = append(res.Runs, bench.NewRun("reference", st, h, start, d))
	return res, nil
}

// fastEngine adapts engine.Engine to Applier for the warm-up; the timed loops
// call Apply directly on it (no interface call per command).
type fastEngine struct {
	e   *engine.Engine
	out *engine.Events
}

func (f *fastEngine) Apply(cmd *engine.Command) {
	f.out.Reset()
	f.e.Apply(cmd, f.out)
}

// newEngine builds an engine for s and applies the warm-up stream.
func newEngine(ctx context.Context, s *workload.Stream, progress *bench.Progress) (*fastEngine, error) {
	e, err := engine.New(s.Config)
	if err != nil {
		return nil, fmt.Errorf("enginebench: %w", err)
	}
	f := &fastEngine{e: e, out: engine.NewEvents(4096)}
	if err := warm(ctx, f, s.Warmup, progress); err != nil {
		return nil, err
	}
	return f, nil
}

// checkEvery is how many commands pass between looks at the context and
// updates of the progress counter in the engine's timed loops; slowCheckEvery
// in the warm-ups and the reference's loop, whose commands can take
// milliseconds each.
const (
	checkEvery     = 1 << 12
	slowCheckEvery = 1 << 6
)

// warm applies the untimed warm-up cmds to a, drawing progress (its first
// update always draws) and stopping when ctx is done.
func warm(ctx context.Context, a Applier, cmds []engine.Command, progress *bench.Progress) error {
	total := int64(len(cmds))
	for i := range cmds {
		if i%slowCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			progress.Update(time.Now(), bench.Status{Sent: int64(i), Total: total, Completed: int64(i), P99: -1})
		}
		a.Apply(&cmds[i])
	}
	progress.Finish()
	return nil
}

// timed applies cmds one by one, each timed on its own. The fast engine is
// called directly; anything else through Applier.
func timed(ctx context.Context, a Applier, cmds []engine.Command, progress *bench.Progress) (h *hdrhistogram.Histogram, start time.Time, d time.Duration, err error) {
	h = bench.NewHistogram()
	var done atomic.Int64
	stop := bench.WatchCounter(progress, int64(len(cmds)), &done)
	defer stop()
	runtime.GC()
	start = time.Now()
	if f, ok := a.(*fastEngine); ok {
		// The engine is called directly: no interface call in the timed region.
		for i := range cmds {
			if i%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, start, 0, err
				}
				done.Store(int64(i))
			}
			t0 := time.Now()
			f.out.Reset()
			f.e.Apply(&cmds[i], f.out)
			bench.Record(h, int64(time.Since(t0)))
		}
	} else {
		for i := range cmds {
			if i%slowCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, start, 0, err
				}
				done.Store(int64(i))
			}
			t0 := time.Now()
			a.Apply(&cmds[i])
			bench.Record(h, int64(time.Since(t0)))
		}
	}
	return h, start, time.Since(start), nil
}

// untimed applies cmds with one clock read per BatchSize commands and records
// each batch's mean once per command.
func untimed(ctx context.Context, f *fastEngine, cmds []engine.Command, progress *bench.Progress) (h *hdrhistogram.Histogram, start time.Time, d time.Duration, err error) {
	h = bench.NewHistogram()
	var done atomic.Int64
	stop := bench.WatchCounter(progress, int64(len(cmds)), &done)
	defer stop()
	runtime.GC()
	start = time.Now()
	t0 := start
	for lo := 0; lo < len(cmds); lo += BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, start, 0, err
		}
		hi := min(lo+BatchSize, len(cmds))
		for i := lo; i < hi; i++ {
			f.out.Reset()
			f.e.Apply(&cmds[i], f.out)
		}
		t1 := time.Now()
		n := int64(hi - lo)
		mean := int64(t1.Sub(t0)) / n
		if err := h.RecordValues(max(mean, bench.LowestNs), n); err != nil {
			return nil, start, 0, errors.New("enginebench: batch mean out of the histogram's range")
		}
		t0 = t1
		done.Store(int64(hi))
	}
	return h, start, t0.Sub(start), nil
}

// timerOverhead measures the median cost of the clock reads around an empty
// timed region.
func timerOverhead() time.Duration {
	h := bench.NewHistogram()
	for range 100_000 {
		t0 := time.Now()
		bench.Record(h, int64(time.Since(t0)))
	}
	return time.Duration(h.ValueAtQuantile(50))
}
