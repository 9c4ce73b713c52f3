package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/openmatch/matchd/bench"
)

// compareArgs are the parsed arguments of "bench compare".
type compareArgs struct {
	opt  bench.CompareOptions
	a, b string
}

func parseCompare(args []string, stderr io.Writer) (compareArgs, error) {
	var c compareArgs
	fs := newFlagSet("compare", stderr)
	fs.Float64Var(&c.opt.Threshold, "threshold", bench.DefaultThreshold,
		"difference in `percent` called noise when a file holds no repeats to measure noise from")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() != 2 {
		return c, usageError{fmt.Sprintf("want two results files, got %d arguments", fs.NArg())}
	}
	if !(c.opt.Threshold > 0) {
		return c, usageError{fmt.Sprintf("-threshold must be positive, not %v", c.opt.Threshold)}
	}
	c.a, c.b = fs.Arg(0), fs.Arg(1)
	return c, nil
}

func runCompare(_ context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseCompare(args, stderr)
	if err != nil {
		return err
	}
	a, err := bench.ReadFile(c.a)
	if err != nil {
		return err
	}
	b, err := bench.ReadFile(c.b)
	if err != nil {
		return err
	}
	cs, err := bench.Compare(a, b, c.opt)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "A = %s, B = %s\n", c.a, c.b); err != nil {
		return err
	}
	return bench.WriteComparison(stdout, cs)
}

// plotArgs are the parsed arguments of "bench plot".
type plotArgs struct {
	out   string
	opt   bench.PlotOptions
	files []string
}

func parsePlot(args []string, stderr io.Writer) (plotArgs, error) {
	var p plotArgs
	fs := newFlagSet("plot", stderr)
	fs.StringVar(&p.out, "o", "", "write the plot to `FILE`.svg or FILE.html")
	fs.BoolVar(&p.opt.LogY, "logy", false, "plot latency on a log scale")
	fs.StringVar(&p.opt.Title, "title", "", "plot title")
	if err := parseFlags(fs, args); err != nil {
		return p, err
	}
	if p.out == "" {
		return p, usageError{"-o FILE is required"}
	}
	if fs.NArg() == 0 {
		return p, usageError{"want at least one results file"}
	}
	p.files = fs.Args()
	return p, nil
}

func runPlot(_ context.Context, args []string, _, stderr io.Writer) error {
	p, err := parsePlot(args, stderr)
	if err != nil {
		return err
	}
	runs, err := readAll(p.files)
	if err != nil {
		return err
	}
	return bench.WritePlotFile(p.out, runs, p.opt)
}

// showArgs are the parsed arguments of "bench show".
type showArgs struct {
	out   bench.Output
	files []string
}

func parseShow(args []string, stderr io.Writer) (showArgs, error) {
	var s showArgs
	fs := newFlagSet("show", stderr)
	s.out.AddFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return s, err
	}
	if fs.NArg() == 0 {
		return s, usageError{"want at least one results file"}
	}
	s.files = fs.Args()
	return s, nil
}

func runShow(_ context.Context, args []string, stdout, stderr io.Writer) error {
	s, err := parseShow(args, stderr)
	if err != nil {
		return err
	}
	runs, err := readAll(s.files)
	if err != nil {
		return err
	}
	return s.out.Write(stdout, runs)
}

// readAll reads the runs of every file, in order.
func readAll(files []string) ([]*bench.Run, error) {
	var all []*bench.Run
	for _, f := range files {
		runs, err := bench.ReadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, runs...)
	}
	return all, nil
}

// demoArgs are the parsed arguments of "bench demo".
type demoArgs struct {
	load   bench.LoadConfig
	server bench.SyntheticConfig
	out    bench.Output
}

func parseDemo(args []string, stderr io.Writer) (demoArgs, error) {
	var d demoArgs
	fs := newFlagSet("demo", stderr)
	fs.Float64Var(&d.load.Rate, "rate", 10000, "target `ops` per second")
	fs.IntVar(&d.load.Count, "count", 0, "ops to send (default: rate x duration)")
	fs.DurationVar(&d.load.Duration, "duration", 2*time.Second, "length of the schedule when -count is 0")
	fs.DurationVar(&d.load.Grace, "grace", time.Second, "wait this long after the last send for completions")
	fs.DurationVar(&d.server.Service, "service", 10*time.Microsecond, "server time per request")
	fs.DurationVar(&d.server.Stall, "stall", 100*time.Millisecond, "one server stall, half way through")
	d.out.AddFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return d, err
	}
	if fs.NArg() != 0 {
		return d, usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if d.server.Service < 0 || d.server.Stall < 0 {
		return d, usageError{"-service and -stall must not be negative"}
	}
	return d, nil
}

// runDemo measures the same synthetic server twice: open loop with the
// coordinated-omission correction, and as a naive closed-loop client.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	d, err := parseDemo(args, stderr)
	if err != nil {
		return err
	}
	l, err := bench.NewLoad(d.load)
	if err != nil {
		return err
	}
	d.server.StallAt = l.Count() / 2
	d.server.Queue = l.Count()
	settings := func(client string) map[string]string {
		s := map[string]string{"client": client, "count": strconv.Itoa(l.Count()),
			"service": d.server.Service.String(), "stall": d.server.Stall.String()}
		if client == "open-loop" {
			s["rate"] = strconv.FormatFloat(d.load.Rate, 'g', -1, 64)
		}
		return s
	}

	srv := bench.NewSyntheticServer(d.server, l.Done)
	res, err := l.Run(ctx, srv.Send, progressFor(stderr))
	srv.Close()
	if err != nil {
		return err
	}
	open := res.Run("open-loop", settings("open-loop"))

	naive := bench.NewHistogram()
	start := time.Now()
	for i := range l.Count() {
		t0 := time.Now()
		d.server.Serve(i)
		bench.Record(naive, int64(time.Since(t0)))
	}
	closed := bench.NewRun("closed-loop", settings("closed-loop"), naive, start, time.Since(start))
	return d.out.Write(stdout, []*bench.Run{open, closed})
}
