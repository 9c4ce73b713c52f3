// Package pipelinebench measures the in-process pipeline without a gateway:
// producers call (*pipeline.Pipeline).Submit (inbound ring, journal with
// group commit, matcher, outbound ring, ack-gated releaser) and a Reporter
// timestamps the first event of each command as the releaser hands it over.
// One pass per durability policy, each on a fresh data directory, on the
// mixed workload of package internal/workload. The warm-up (untimed) runs
// under policy none; the pipeline is then closed and reopened under the
// policy measured, recovering the warm book from its snapshot.
//
// Two modes:
//
//   - open loop (Options.Rate > 0): Producers senders share one schedule
//     (bench.RunLoads), op i due at start + i/Rate, sent by producer
//     i mod Producers. Latency runs from the intended send time to the
//     release of the command's first event: coordinated omission corrected.
//   - max throughput (Rate = 0): each producer submits its share as fast as
//     Submit returns. Latency runs from the Submit call to the release; it is
//     mostly time spent queued, and is not corrected (there is no schedule).
//
// Each pass yields the run "<policy>" and one run per pipeline stage,
// "<policy>/<stage>", from the pipeline's own histograms
// (pipeline.Options.StageTiming, (*Pipeline).StageLatencies): the reopened
// pipeline's histograms hold the measured commands only. The first stage, gateway_to_sequenced, here times
// the producer's clock read just before Submit to the sequencer's stamp.
//
// Commands are correlated with their events by ClOrdID: before the run every
// ClOrdID is renamed (consistently, OrigClOrdIDs too) to the decimal index of
// its measured command, or "w" and an index for the warm-up; the first event
// of every command carries the command's own ClOrdID.
package pipelinebench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/workload"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/pipeline"
	"github.com/openmatch/matchd/ringbuffer"
)

// Options configure a measurement.
type Options struct {
	// Dir is where each pass makes its data directory (a fresh temporary
	// directory per policy); "" means os.TempDir(). The filesystem decides
	// what an fsync costs: name a directory on the disk to be measured.
	Dir string
	// Keep leaves the data directories in place (their paths are in the
	// settings) for inspection with cmd/replay.
	Keep bool
	// Policies are the durability policies to measure, in order.
	Policies []journal.Policy
	// Producers is the number of goroutines calling Submit.
	Producers int
	// Rate is the open-loop rate in commands per second; 0 measures maximum
	// throughput instead.
	Rate float64
	// Count is the number of measured commands per policy.
	Count int
	// Resting, Seed and Symbols shape the workload (see workload.Options).
	Resting int
	Seed    int64
	Symbols int
	// Wait is how the pipeline's idle ring consumers wait (0: its default).
	Wait ringbuffer.Wait
	// MatcherCPU pins the matcher to a CPU; negative only locks its thread.
	MatcherCPU int
	// Grace is how long to wait after the last send for the last release;
	// commands not released by then count as lost.
	Grace time.Duration
}

// DefaultOptions: every policy, two producers, open loop at 10k/s for 20k
// commands, 50k resting orders.
func DefaultOptions() Options {
	return Options{
		Policies:  []journal.Policy{journal.PolicyNone, journal.PolicyBatch, journal.PolicyEvery},
		Producers: 2, Rate: 10_000, Count: 20_000, Resting: 50_000, Seed: 1, Symbols: 6,
		MatcherCPU: -1, Grace: 30 * time.Second,
	}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	switch {
	case len(o.Policies) == 0:
		return errors.New("pipelinebench: no durability policy to measure")
	case o.Producers < 1 || o.Producers > 1024:
		return fmt.Errorf("pipelinebench: producers must be between 1 and 1024, not %d", o.Producers)
	case o.Rate < 0 || o.Rate != o.Rate:
		return fmt.Errorf("pipelinebench: rate must not be negative, not %v", o.Rate)
	case o.Count < o.Producers || o.Count > bench.MaxOps:
		return fmt.Errorf("pipelinebench: count must be between the number of producers and %d, not %d", bench.MaxOps, o.Count)
	case o.Resting < 1:
		return fmt.Errorf("pipelinebench: resting orders must be at least 1, not %d", o.Resting)
	case o.Symbols < 1 || o.Symbols > len(engine.DefaultConfig().Symbols):
		return fmt.Errorf("pipelinebench: symbols must be between 1 and %d, not %d", len(engine.DefaultConfig().Symbols), o.Symbols)
	case o.Grace <= 0:
		return fmt.Errorf("pipelinebench: grace must be positive, not %v", o.Grace)
	}
	for _, p := range o.Policies {
		if p > journal.PolicyEvery {
			return fmt.Errorf("pipelinebench: unknown durability policy %d", p)
		}
	}
	return nil
}

// Result is what Run measured.
type Result struct {
	// Runs are, per policy, "<policy>" then "<policy>/<stage>" for each stage.
	Runs []*bench.Run
	// Kept lists the data directories left in place (Options.Keep).
	Kept []string
}

// Run generates the workload and measures each policy in turn.
func Run(ctx context.Context, o Options, progress *bench.Progress) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	wo := workload.DefaultOptions()
	wo.Resting, wo.Measured, wo.Seed, wo.Symbols = o.Resting, o.Count, o.Seed, o.Symbols
	s, err := workload.Generate(wo)
	if err != nil {
		return nil, fmt.Errorf("pipelinebench: generating the workload: %w", err)
	}
	if err := renameIDs(s); err != nil {
		return nil, err
	}
	res := &Result{}
	for _, pol := range o.Policies {
		runs, dir, err := measure(ctx, o, s, pol, progress)
		if dir != "" {
			if o.Keep {
				res.Kept = append(res.Kept, dir)
			} else if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
				err = fmt.Errorf("pipelinebench: removing %s: %w", dir, rerr)
			}
		}
		if err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, runs...)
	}
	return res, nil
}

// renameIDs gives every command of s the ClOrdID "w<i>" (warm-up) or "<i>"
// (measured command i), renaming OrigClOrdIDs to match.
func renameIDs(s *workload.Stream) error {
	names := make(map[engine.ID]engine.ID, len(s.Warmup)+len(s.Measured))
	for pass, cmds := range [][]engine.Command{s.Warmup, s.Measured} {
		for i := range cmds {
			c := &cmds[i]
			name := strconv.Itoa(i)
			if pass == 0 {
				name = "w" + name
			}
			id, _ := engine.MakeID(name) // short enough
			if _, dup := names[c.ClOrdID]; dup {
				return fmt.Errorf("pipelinebench: workload repeats ClOrdID %q", c.ClOrdID.String())
			}
			names[c.ClOrdID] = id
			if c.OrigClOrdID.N > 0 {
				if orig, ok := names[c.OrigClOrdID]; ok {
					c.OrigClOrdID = orig
				}
			}
			c.ClOrdID = id
		}
	}
	return nil
}

// parseOp reads a measured command's index from a ClOrdID ("w..." and
// anything else not decimal gives false).
func parseOp(id *engine.ID) (int, bool) {
	if id.N == 0 || id.N > 12 {
		return 0, false
	}
	n := 0
	for _, c := range id.B[:id.N] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// reporter timestamps the first event of each measured command. Deliver runs
// on the pipeline's releaser goroutine only.
type reporter struct {
	last uint64 // Seq of the last event seen
	// Open loop: completions go to the op's Load.
	loads     []*bench.Load
	producers int
	// Max throughput: completion times on the shared clock.
	base   time.Time
	doneAt []atomic.Int64
	done   atomic.Int64
}

func (r *reporter) Deliver(ev *engine.Event) {
	if ev.Seq == r.last {
		return
	}
	r.last = ev.Seq
	op, ok := parseOp(&ev.ClOrdID)
	if !ok {
		return
	}
	if r.loads != nil {
		l := r.loads[op%r.producers]
		l.DoneAt(op/r.producers, r.loads[0].Now()) // one clock for all (RunLoads)
		return
	}
	if op < len(r.doneAt) && r.doneAt[op].CompareAndSwap(0, max(int64(time.Since(r.base)), 1)) {
		r.done.Add(1)
	}
}

// measure runs one policy on a fresh directory, which it returns for the
// caller to keep or remove.
func measure(ctx context.Context, o Options, s *workload.Stream, pol journal.Policy, progress *bench.Progress) ([]*bench.Run, string, error) {
	dir, err := os.MkdirTemp(o.Dir, "bench-pipeline-"+pol.String()+"-")
	if err != nil {
		return nil, "", fmt.Errorf("pipelinebench: %w", err)
	}
	rep := &reporter{producers: o.Producers, base: time.Now()}
	var loads []*bench.Load
	if o.Rate > 0 {
		for k := range o.Producers {
			n := (o.Count - k + o.Producers - 1) / o.Producers
			l, err := bench.NewLoad(bench.LoadConfig{Rate: o.Rate / float64(o.Producers), Count: n, Grace: o.Grace,
				Offset: time.Duration(float64(k) * float64(time.Second) / o.Rate)})
			if err != nil {
				return nil, dir, err
			}
			loads = append(loads, l)
		}
		rep.loads = loads
	} else {
		rep.doneAt = make([]atomic.Int64, o.Count)
	}
	// Warm up under PolicyNone and close (which writes a snapshot), then
	// reopen under the policy measured: its recovery restores the book from
	// the snapshot, so the warm-up costs the same for every policy (under
	// `every` it would take an fsync per command) and the stage histograms
	// hold measured commands only.
	warm, _, err := pipeline.Open(pipeline.Options{Engine: s.Config, Dir: dir, Durability: journal.PolicyNone, Wait: o.Wait,
		MatcherCPU: o.MatcherCPU})
	if err != nil {
		return nil, dir, fmt.Errorf("pipelinebench: %s: warm-up: %w", pol, err)
	}
	if err := warm.Start(nil); err != nil {
		warm.Close()
		return nil, dir, fmt.Errorf("pipelinebench: %s: warm-up: %w", pol, err)
	}
	for i := range s.Warmup {
		if err = warm.Submit(&s.Warmup[i]); err != nil {
			break
		}
	}
	if err == nil {
		err = awaitReleased(ctx, warm, uint64(len(s.Warmup)), o.Grace)
	}
	if cerr := warm.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, dir, fmt.Errorf("pipelinebench: %s: warm-up: %w", pol, err)
	}
	p, rec, err := pipeline.Open(pipeline.Options{Engine: s.Config, Dir: dir, Durability: pol, Wait: o.Wait,
		MatcherCPU: o.MatcherCPU, StageTiming: true})
	if err != nil {
		return nil, dir, fmt.Errorf("pipelinebench: %s: %w", pol, err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = p.Close()
		}
	}()
	if rec.LastSeq != uint64(len(s.Warmup)) || rec.FromSnapshot != rec.LastSeq {
		return nil, dir, fmt.Errorf("pipelinebench: %s: reopened at seq %d from a snapshot at %d, want the warm-up's %d",
			pol, rec.LastSeq, rec.FromSnapshot, len(s.Warmup))
	}
	if err := p.Start(rep); err != nil {
		return nil, dir, fmt.Errorf("pipelinebench: %s: %w", pol, err)
	}
	runtime.GC()

	var latency *hdrhistogram.Histogram
	var start time.Time
	var elapsed time.Duration
	var stats *bench.LoadStats
	counters := map[string]int64{}
	cmds := s.Measured
	if o.Rate > 0 {
		results, err := bench.RunLoads(ctx, loads, func(k, j int) error {
			c := &cmds[j*o.Producers+k]
			c.Received = time.Now().UnixNano()
			return p.Submit(c)
		}, progress)
		if err != nil {
			return nil, dir, fmt.Errorf("pipelinebench: %s: %w", pol, err)
		}
		m := bench.MergeLoadResults(results)
		latency, start, elapsed, stats = m.Latency, m.Start, m.Elapsed, &m.Stats
	} else {
		latency, start, elapsed, err = maxThroughput(ctx, o, p, rep, cmds, progress)
		if err != nil {
			return nil, dir, fmt.Errorf("pipelinebench: %s: %w", pol, err)
		}
		counters["lost"] = int64(o.Count) - latency.TotalCount()
	}
	// Read the stages after Close has stopped the consumers: the journaler
	// publishes durability before it records its stage, so a release (all
	// this run waits for) can come before the journal's record of it.
	closed = true
	if err := p.Close(); err != nil {
		return nil, dir, fmt.Errorf("pipelinebench: %s: close: %w", pol, err)
	}
	stages := p.StageLatencies(false)

	settings := map[string]string{
		"policy":    pol.String(),
		"producers": strconv.Itoa(o.Producers),
		"count":     strconv.Itoa(o.Count),
		"resting":   strconv.Itoa(o.Resting),
		"seed":      strconv.FormatInt(o.Seed, 10),
		"symbols":   strconv.Itoa(o.Symbols),
		"warmup":    strconv.Itoa(len(s.Warmup)),
		"fs":        fsType(dir),
	}
	if o.Wait != 0 {
		settings["wait"] = o.Wait.String()
	}
	if o.Keep {
		settings["dir"] = dir
	}
	if o.Rate > 0 {
		settings["mode"] = "open loop (latency from intended send to first event released)"
	} else {
		settings["mode"] = "max throughput (latency from Submit call to first event released; not corrected)"
	}
	run := bench.NewRun(pol.String(), settings, latency, start, elapsed)
	run.Load = stats
	if len(counters) > 0 {
		run.Counters = counters
	}
	runs := []*bench.Run{run}
	for _, st := range stages {
		ss := map[string]string{"stage": st.Name}
		runs = append(runs, bench.NewRun(pol.String()+"/"+st.Name, ss, st.Hist, start, elapsed))
	}
	return runs, dir, nil
}

// maxThroughput submits cmds from o.Producers goroutines as fast as Submit
// returns and waits for their releases.
func maxThroughput(ctx context.Context, o Options, p *pipeline.Pipeline, rep *reporter, cmds []engine.Command,
	progress *bench.Progress) (*hdrhistogram.Histogram, time.Time, time.Duration, error) {
	submitAt := make([]int64, len(cmds))
	stop := bench.WatchCounter(progress, int64(len(cmds)), &rep.done)
	defer stop()
	errs := make([]error, o.Producers)
	var wg sync.WaitGroup
	for k := range o.Producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < len(cmds); i += o.Producers {
				if i%1024 < o.Producers && ctx.Err() != nil {
					errs[k] = ctx.Err()
					return
				}
				c := &cmds[i]
				now := time.Now()
				submitAt[i] = int64(now.Sub(rep.base))
				c.Received = now.UnixNano()
				if err := p.Submit(c); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, time.Time{}, 0, err
	}
	deadline := time.Now().Add(o.Grace)
	for rep.done.Load() < int64(len(cmds)) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	h := bench.NewHistogram()
	first, last := submitAt[0], int64(0)
	for i, sub := range submitAt {
		first = min(first, sub)
		if d := rep.doneAt[i].Load(); d != 0 {
			last = max(last, d)
			bench.Record(h, d-sub)
		}
	}
	return h, rep.base.Add(time.Duration(first)), time.Duration(max(last-first, 0)), nil
}

// awaitReleased waits until the pipeline has released the events of every
// command up to seq, or timeout passes.
func awaitReleased(ctx context.Context, p *pipeline.Pipeline, seq uint64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for p.Stats().Sent < seq {
		if err := ctx.Err(); err != nil {
			return err
		}
		if st := p.Stats(); st.Err != nil {
			return st.Err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d commands released after %v", p.Stats().Sent, seq, timeout)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
