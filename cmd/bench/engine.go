package main

import (
	"context"
	"io"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/enginebench"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/engine/reference"
)

// engineArgs are the parsed arguments of "bench engine".
type engineArgs struct {
	opt  enginebench.Options
	out  bench.Output
	prof profile
}

func parseEngine(args []string, stderr io.Writer) (engineArgs, error) {
	a := engineArgs{opt: enginebench.DefaultOptions()}
	fs := newFlagSet("engine", stderr)
	fs.IntVar(&a.opt.Resting, "resting", a.opt.Resting, "target number of resting `orders` in the book")
	fs.IntVar(&a.opt.Count, "count", a.opt.Count, "measured `commands`")
	fs.Int64Var(&a.opt.Seed, "seed", a.opt.Seed, "workload random `seed`")
	fs.IntVar(&a.opt.Symbols, "symbols", a.opt.Symbols, "number of `symbols` (1-6)")
	fs.IntVar(&a.opt.Owners, "owners", a.opt.Owners, "number of `sessions` placing orders")
	fs.IntVar(&a.opt.RefCount, "ref-count", a.opt.RefCount, "measured `commands` for the naive reference book, at most -count (0: skip it; its warm-up alone takes minutes on a 200k-order book)")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	if err := a.opt.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	return a, nil
}

// referenceBook returns the constructor of the naive reference book.
func referenceBook() func(engine.Config) (enginebench.Applier, error) {
	return func(cfg engine.Config) (enginebench.Applier, error) {
		b, err := reference.New(cfg)
		if err != nil {
			return nil, err
		}
		return &refApplier{b: b}, nil
	}
}

// refApplier adapts the reference book, which returns its events, to Applier.
type refApplier struct {
	b   *reference.Book
	out []engine.Event
}

func (r *refApplier) Apply(cmd *engine.Command) { r.out = r.b.Apply(cmd, r.out[:0]) }

func runEngine(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseEngine(args, stderr)
	if err != nil {
		return err
	}
	a.opt.Reference = referenceBook()
	a.opt.Log = stderr // a line as each stage starts: the reference's can take minutes
	var res *enginebench.Result
	if err := a.prof.run(func() (err error) {
		res, err = enginebench.Run(ctx, a.opt, progressFor(stderr))
		return err
	}); err != nil {
		return err
	}
	var notes []string
	if res.ReferenceSkipped != "" {
		notes = append(notes, "# reference: skipped: "+res.ReferenceSkipped)
	}
	return writeRuns(&a.out, stdout, stderr, res.Runs, notes)
}
