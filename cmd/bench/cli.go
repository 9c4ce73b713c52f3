package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/openmatch/matchd/bench"
)

// command is one sub-command. Measurement commands take a bench.Output
// (AddFlags, then writeRuns) so that every command offers the same -json,
// -hdr and -plot outputs.
type command struct {
	name    string
	args    string // synopsis of the arguments
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"compare", "[-threshold PCT] A.json B.json", "compare two results files percentile by percentile (noise rule: go doc ./bench)", runCompare},
		{"plot", "-o FILE.svg|FILE.html [-logy] [-title T] FILE.json...", "plot the percentile spectrum of the runs in results files", runPlot},
		{"show", "[-json F] [-hdr F] [-plot F] FILE.json...", "print the table of results files, or convert them", runShow},
		{"demo", "[-rate R] [-duration D] [-stall D] [output flags]", "measure a synthetic server that stalls once, open and closed loop", runDemo},
		{"engine", "[-resting N] [-count N] [-seed S] [-symbols N] [output flags]", "the matching core alone on the mixed workload, timed per command and untimed", runEngine},
		{"shards", "[-shards LIST] [-rounds N] [-resting N] [-count N] [-rate R] [-symbols N] [output flags]", "the mixed workload routed by symbol to K engines on rings of their own: aggregate throughput, latency, router cost (docs/SCALING.md)", runShards},
		{"ring", "[-count N] [-rate R] [-waits LIST] [-capacity N] [output flags]", "one hop through the ring for each wait strategy, beside a buffered channel", runRing},
		{"pipeline", "[-policies LIST] [-producers N] [-rate R] [-count N] [-data DIR] [output flags]", "the in-process pipeline (no gateway) per durability policy, with its stage histograms", runPipeline},
		{"echo", "[-addr ADDR | -serve ADDR] [-rate R] [-duration D | -count N] [-size B] [output flags]", "loopback TCP echo to another process: the floor under any server's round trip on this machine", runEcho},
		{"fix-bare", "[-host H] [-port P] [-target CompID]", "a bare QuickFIX/Go acceptor answering each order from FromApp, until interrupted: the floor of any QuickFIX/Go server, for bench fix", runFixBare},
		{"cluster", "[-rates LIST] [-inflight N] [-rounds N] [-duration D | -count N] [-sessions N] [-durability P] [-matchd BIN] [output flags]", "a single matchd and a 3-node cluster started here as child processes, the fix load against each, alternating: ack p50/p99 per rate, saturation, ratios (issue 14)", runCluster},
		{"fix", "[-host H] [-port P] [-sessions N] [-rate R] [-inflight N] [-duration D | -count N] [-cross F] [-metrics ADDR] [output flags]", "end-to-end FIX load against a running matchd: ack and fill latency, lost orders, server stages", runFix},
	}
}

// usageError is a command-line mistake: exit status 2.
type usageError struct{ msg string }

// Error returns the message.
func (e usageError) Error() string { return e.msg }

// parseCommand picks the sub-command named by args[0]. It returns
// flag.ErrHelp for -h, --help, help or no arguments.
func parseCommand(args []string) (command, []string, error) {
	if len(args) == 0 || slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		return command{}, nil, flag.ErrHelp
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c, args[1:], nil
		}
	}
	return command{}, nil, usageError{fmt.Sprintf("bench: unknown command %q; see bench -h", args[0])}
}

// usage lists the commands.
func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("usage: bench COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n           %s\n", c.name, c.summary, c.args)
	}
	b.WriteString("\nRun bench COMMAND -h for a command's flags.\n")
	_, _ = io.WriteString(w, b.String())
}

// run executes args and returns the exit status: 0 success (or help), 1
// failure, 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, rest, err := parseCommand(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	err = cmd.run(ctx, rest, stdout, stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "bench %s: %v\nusage: bench %s %s\n", cmd.name, err, cmd.name, cmd.args)
		return 2
	default:
		fmt.Fprintln(stderr, err)
		return 1
	}
}

// newFlagSet returns a flag set for command name whose errors are returned,
// with -h printing the command's synopsis and flags to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprintf(stderr, "usage: bench %s %s\n\n%s.\n\nFlags:\n", c.name, c.args, c.summary)
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs, turning flag errors into usage errors
// (the flag package has already printed the details).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// parseMeasurement adds the output and -cpuprofile flags every measurement
// command has, parses args and refuses positional arguments.
func parseMeasurement(fs *flag.FlagSet, args []string, out *bench.Output, prof *profile) error {
	out.AddFlags(fs)
	prof.addFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

// parseList parses a comma-separated flag value item by item (empty items are
// skipped); an error names the flag.
func parseList[T any](flagName, value string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for item := range strings.SplitSeq(value, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		v, err := parse(item)
		if err != nil {
			return nil, usageError{"-" + flagName + ": " + err.Error()}
		}
		out = append(out, v)
	}
	return out, nil
}

// writeRuns writes runs as out asks, then notes ('#' lines): after the table
// on stdout, or on stderr when stdout carries JSON.
func writeRuns(out *bench.Output, stdout, stderr io.Writer, runs []*bench.Run, notes []string) error {
	if err := out.Write(stdout, runs); err != nil {
		return err
	}
	w := stdout
	if out.JSON == "-" {
		w = stderr
	}
	for _, n := range notes {
		if _, err := io.WriteString(w, n+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// profile is the -cpuprofile flag of the measurement commands.
type profile struct{ path string }

// addFlag registers -cpuprofile on fs.
func (p *profile) addFlag(fs *flag.FlagSet) {
	fs.StringVar(&p.path, "cpuprofile", "", "write a CPU profile of the measurement to `FILE` (go tool pprof)")
}

// start begins profiling if asked and returns the function that stops it.
func (p *profile) start() (stop func() error, err error) {
	if p.path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("bench: cpu profile: %w", err)
		}
		return nil
	}, nil
}

// run calls measure with the CPU profile (if asked for) running around it.
func (p *profile) run(measure func() error) error {
	stop, err := p.start()
	if err != nil {
		return err
	}
	err = measure()
	if perr := stop(); err == nil {
		err = perr
	}
	return err
}

// progressFor returns a progress line on stderr, enabled only when stderr is
// a terminal.
func progressFor(stderr io.Writer) *bench.Progress {
	if f, ok := stderr.(*os.File); ok {
		return bench.TerminalProgress(f)
	}
	return bench.NewProgress(stderr, false)
}
