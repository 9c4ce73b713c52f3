package main

import (
	"context"
	"io"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/pipelinebench"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/ringbuffer"
)

// pipelineArgs are the parsed arguments of "bench pipeline".
type pipelineArgs struct {
	opt  pipelinebench.Options
	out  bench.Output
	prof profile
}

func parsePipeline(args []string, stderr io.Writer) (pipelineArgs, error) {
	a := pipelineArgs{opt: pipelinebench.DefaultOptions()}
	fs := newFlagSet("pipeline", stderr)
	fs.StringVar(&a.opt.Dir, "data", "", "make each policy's data directory under `DIR` (default: the system temp dir; its filesystem sets the fsync cost)")
	fs.BoolVar(&a.opt.Keep, "keep", false, "keep the data directories")
	policies := "none,batch,every"
	fs.StringVar(&policies, "policies", policies, "comma-separated durability `policies` (none, batch, every)")
	fs.IntVar(&a.opt.Producers, "producers", a.opt.Producers, "goroutines calling Submit")
	fs.Float64Var(&a.opt.Rate, "rate", a.opt.Rate, "open-loop rate in `commands` per second (0: maximum throughput, not latency-corrected)")
	fs.IntVar(&a.opt.Count, "count", a.opt.Count, "measured `commands` per policy")
	fs.IntVar(&a.opt.Resting, "resting", a.opt.Resting, "target number of resting `orders`")
	fs.Int64Var(&a.opt.Seed, "seed", a.opt.Seed, "workload random `seed`")
	fs.IntVar(&a.opt.Symbols, "symbols", a.opt.Symbols, "number of `symbols` (1-6)")
	wait := ""
	fs.StringVar(&wait, "wait", "", "ring wait `strategy` (spin, spin-yield, block; default: the pipeline's)")
	fs.IntVar(&a.opt.MatcherCPU, "matcher-cpu", a.opt.MatcherCPU, "pin the matcher to this `CPU` (negative: no pinning)")
	fs.DurationVar(&a.opt.Grace, "grace", a.opt.Grace, "after the last send, wait this long for the last release")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	var err error
	if a.opt.Policies, err = parseList("policies", policies, journal.ParsePolicy); err != nil {
		return a, err
	}
	if wait != "" {
		w, err := ringbuffer.ParseWait(wait)
		if err != nil {
			return a, usageError{"-wait: " + err.Error()}
		}
		a.opt.Wait = w
	}
	if err := a.opt.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	return a, nil
}

func runPipeline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parsePipeline(args, stderr)
	if err != nil {
		return err
	}
	var res *pipelinebench.Result
	if err := a.prof.run(func() (err error) {
		res, err = pipelinebench.Run(ctx, a.opt, progressFor(stderr))
		return err
	}); err != nil {
		return err
	}
	var notes []string
	for _, d := range res.Kept {
		notes = append(notes, "# kept data directory "+d)
	}
	return writeRuns(&a.out, stdout, stderr, res.Runs, notes)
}
