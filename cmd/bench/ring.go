package main

import (
	"context"
	"io"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/ringbench"
	"github.com/openmatch/matchd/ringbuffer"
)

// ringArgs are the parsed arguments of "bench ring".
type ringArgs struct {
	opt  ringbench.Options
	out  bench.Output
	prof profile
}

func parseRing(args []string, stderr io.Writer) (ringArgs, error) {
	a := ringArgs{opt: ringbench.DefaultOptions()}
	fs := newFlagSet("ring", stderr)
	fs.IntVar(&a.opt.Count, "count", a.opt.Count, "`messages` per pass")
	fs.Float64Var(&a.opt.Rate, "rate", a.opt.Rate, "paced pass rate in `messages` per second (0: no paced pass)")
	fs.BoolVar(&a.opt.Burst, "burst", a.opt.Burst, "run the back-to-back (throughput) pass")
	fs.Int64Var(&a.opt.Capacity, "capacity", a.opt.Capacity, "ring and channel size in `slots` (a power of two)")
	waits := "spin,spin-yield,block"
	fs.StringVar(&waits, "waits", waits, "comma-separated wait `strategies` to measure (spin, spin-yield, block; empty: none)")
	fs.BoolVar(&a.opt.Channel, "channel", a.opt.Channel, "measure the buffered channel baseline")
	fs.BoolVar(&a.opt.Publisher, "publisher", false, "write the ring through a Publisher (the pipeline's locked multi-producer path)")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	var err error
	if a.opt.Waits, err = parseList("waits", waits, ringbuffer.ParseWait); err != nil {
		return a, err
	}
	if err := a.opt.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	return a, nil
}

func runRing(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseRing(args, stderr)
	if err != nil {
		return err
	}
	var runs []*bench.Run
	if err := a.prof.run(func() (err error) {
		runs, err = ringbench.Run(ctx, a.opt, progressFor(stderr))
		return err
	}); err != nil {
		return err
	}
	return writeRuns(&a.out, stdout, stderr, runs, nil)
}
