package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/shardbench"
)

// shardsArgs are the parsed arguments of "bench shards".
type shardsArgs struct {
	opt  shardbench.Options
	out  bench.Output
	prof profile
}

func parseShards(args []string, stderr io.Writer) (shardsArgs, error) {
	a := shardsArgs{opt: shardbench.DefaultOptions()}
	fs := newFlagSet("shards", stderr)
	shards := "1,2,4"
	fs.StringVar(&shards, "shards", shards, "comma-separated shard `counts` to measure, each at most -symbols")
	fs.IntVar(&a.opt.Rounds, "rounds", a.opt.Rounds, "repeat the list of shard counts this many `times`, alternating")
	fs.IntVar(&a.opt.Resting, "resting", a.opt.Resting, "target number of resting `orders`, all shards together")
	fs.IntVar(&a.opt.Count, "count", a.opt.Count, "measured `commands` of the back-to-back passes")
	fs.Float64Var(&a.opt.Rate, "rate", a.opt.Rate, "paced pass rate in `commands` per second (0: no paced pass)")
	fs.IntVar(&a.opt.PacedCount, "paced-count", a.opt.PacedCount, "`commands` of the paced pass, at most -count")
	fs.Int64Var(&a.opt.Seed, "seed", a.opt.Seed, "workload random `seed`")
	fs.IntVar(&a.opt.Symbols, "symbols", a.opt.Symbols, "number of `symbols` (1-6)")
	fs.IntVar(&a.opt.Owners, "owners", a.opt.Owners, "number of `sessions` placing orders")
	fs.Int64Var(&a.opt.Capacity, "capacity", a.opt.Capacity, "each shard's ring size in `slots` (a power of two)")
	fs.TextVar(&a.opt.Wait, "wait", a.opt.Wait, "the rings' wait `strategy` (spin, spin-yield, block)")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	var err error
	if a.opt.Shards, err = parseList("shards", shards, func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", s)
		}
		return n, nil
	}); err != nil {
		return a, err
	}
	if err := a.opt.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	return a, nil
}

func runShards(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseShards(args, stderr)
	if err != nil {
		return err
	}
	a.opt.Log = stderr
	var res *shardbench.Result
	if err := a.prof.run(func() (err error) {
		res, err = shardbench.Run(ctx, a.opt, progressFor(stderr))
		return err
	}); err != nil {
		return err
	}
	var notes []string
	ks := make([]int, 0, len(res.RouterCost))
	for k := range res.RouterCost {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		notes = append(notes, fmt.Sprintf("# shards-%d: router cost %d ns per command (route pass, last round: lookup, Seq stamp, clock read, ring hand-off)", k, res.RouterCost[k].Nanoseconds()))
	}
	if n := runtime.NumCPU(); slices.Max(a.opt.Shards) > n {
		notes = append(notes, fmt.Sprintf("# %d CPUs: each shard's engine needs a core and the router a share of one more; above K=%d the shards share cores and cannot scale", n, n))
	}
	return writeRuns(&a.out, stdout, stderr, res.Runs, notes)
}
