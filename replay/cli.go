package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
)

// CLI holds the parsed flags of the replay command.
type CLI struct {
	Dir          string
	ConfigFile   string
	Events       bool
	StopSeq      uint64
	StopTime     int64
	Book         bool
	Symbol       string
	Verify       bool
	FromSnapshot bool
	Progress     bool
	MarketData   bool
	MDFromSeq    uint64
	Raw          bool
}

// ParseFlags parses the replay command line.
func ParseFlags(args []string, stderr io.Writer) (CLI, error) {
	var c CLI
	var stopTime string
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Dir, "data", "data", "data directory written by matchd")
	fs.StringVar(&c.ConfigFile, "engine-config", "", "engine configuration JSON (default: DIR/engine.json, written by matchd)")
	fs.BoolVar(&c.Events, "events", false, "print every event as a JSON line")
	fs.Uint64Var(&c.StopSeq, "stop-seq", 0, "stop after the command with this sequence number")
	fs.StringVar(&stopTime, "stop-time", "", "stop before the first command later than this time (RFC 3339, or Unix nanoseconds)")
	fs.BoolVar(&c.Book, "book", false, "print the books as they stand where the replay stops")
	fs.StringVar(&c.Symbol, "symbol", "", "with -book or -md: only this symbol")
	fs.BoolVar(&c.Raw, "raw", false, "with -events or -book: print prices in ticks and owners as the engine's owner ids, not as decimals and CompIDs")
	fs.BoolVar(&c.MarketData, "md", false, "print the market-data stream as JSON lines: a W of each symbol at -md-from-seq, then every X up to where the replay stops")
	fs.Uint64Var(&c.MDFromSeq, "md-from-seq", 0, "with -md: start after the command with this sequence number (0: from the empty books)")
	fs.BoolVar(&c.Verify, "verify", false, "check every checkpoint record and snapshot against the replayed state; exit 1 on the first difference")
	fs.BoolVar(&c.FromSnapshot, "from-snapshot", false, "start from the newest valid snapshot (events_hash then covers only the tail)")
	fs.BoolVar(&c.Progress, "progress", true, "show a progress bar on stderr when it is a terminal")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: replay [flags]\n\nRe-runs a matchd journal through a fresh engine. The last line on stdout is\n  commands=N state_hash=<hex> events_hash=<hex>\n"+
			"with, for a cluster node's data directory, raft_last=<index> raft_commit=<index> raft_term=<term> after it\n"+
			"(only its committed entries are replayed).\n\n"+
			"-events and -book print decimal prices and owners as CompIDs (from DIR/owners; an\nowner it lacks prints as #<owner id>, with a warning); -raw prints ticks and owner ids.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if stopTime != "" {
		if n, err := strconv.ParseInt(stopTime, 10, 64); err == nil {
			c.StopTime = n
		} else if t, err := time.Parse(time.RFC3339Nano, stopTime); err == nil {
			c.StopTime = t.UnixNano()
		} else {
			return c, fmt.Errorf("-stop-time %q: want RFC 3339 (2026-11-23T10:00:00Z) or Unix nanoseconds", stopTime)
		}
	}
	if c.Symbol != "" && !c.Book && !c.MarketData {
		return c, errors.New("-symbol goes with -book or -md")
	}
	if c.Raw && !c.Events && !c.Book {
		return c, errors.New("-raw goes with -events or -book (-md prints decimal prices and no owners)")
	}
	if c.MDFromSeq != 0 && !c.MarketData {
		return c, errors.New("-md-from-seq goes with -md")
	}
	if c.MarketData && (c.Events || c.FromSnapshot) {
		return c, errors.New("-md cannot be combined with -events or -from-snapshot (market data is rebuilt from every event since the first command)")
	}
	if c.MarketData && c.StopSeq != 0 && c.MDFromSeq > c.StopSeq {
		return c, errors.New("-md-from-seq is after -stop-seq")
	}
	return c, nil
}

// Main runs the replay command with args, writing to stdout and stderr.
func Main(args []string, stdout, stderr io.Writer) error {
	c, err := ParseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var cfg engine.Config
	if c.ConfigFile != "" {
		b, err := os.ReadFile(c.ConfigFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("%s: %w", c.ConfigFile, err)
		}
	} else {
		if cfg, err = datadir.LoadConfig(c.Dir); err != nil {
			return fmt.Errorf("cannot read the engine configuration (is %q a matchd data directory?): %w", c.Dir, err)
		}
	}
	symbol := -1
	if c.Symbol != "" {
		for i, s := range cfg.Symbols {
			if s.Name == c.Symbol {
				symbol = i
			}
		}
		if symbol < 0 {
			return fmt.Errorf("-symbol %q is not configured", c.Symbol)
		}
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	opts := Options{Dir: c.Dir, Engine: cfg, FromSnapshot: c.FromSnapshot, StopSeq: c.StopSeq, StopTime: c.StopTime, Verify: c.Verify, ReadToEnd: true}
	var owners *Owners // nil: the -raw form
	if (c.Events || c.Book) && !c.Raw {
		owners = LoadOwners(c.Dir)
	}
	if c.Events {
		enc := json.NewEncoder(w)
		opts.OnEvent = func(ev *engine.Event) error { return EncodeEvent(enc, &cfg, owners, ev) }
	}
	var md *MarketData
	if c.MarketData {
		md = NewMarketData(w, &cfg, c.MDFromSeq, symbol)
		opts.OnEvent = md.OnEvent
		opts.FromFirstCommand = true
	}
	if f, ok := stderr.(*os.File); ok && c.Progress && isatty.IsTerminal(f.Fd()) {
		bar := &progressBar{w: f}
		opts.Progress = bar.update
		defer bar.finish()
	}
	res, err := Run(opts)
	if err != nil {
		return err
	}
	if md != nil {
		if err := md.Finish(); err != nil {
			return err
		}
	}
	for _, d := range res.DamagedSnapshots {
		fmt.Fprintf(stderr, "replay: warning: skipped damaged snapshot %s: %s\n", d.Path, d.Reason)
	}
	if res.Torn != nil {
		fmt.Fprintf(stderr, "replay: warning: %v (replayed everything before it)\n", res.Torn)
	}
	if c.Verify {
		fmt.Fprintf(stderr, "replay: verified %d checkpoints and %d snapshots\n", res.Checkpoints, res.Snapshots)
	}
	if r := res.Raft; r != nil {
		if r.Received && !c.FromSnapshot {
			fmt.Fprintf(stderr, "replay: warning: the node received raft snapshot %s (index %d, seq %d) from its leader: the log before it is not in its journal, "+
				"so the replay starts there and events_hash covers only the commands after it\n", r.SnapshotPath, r.SnapshotIndex, res.FromSnapshot)
		}
		if note := r.PendingNote(); note != "" {
			fmt.Fprintf(stderr, "replay: %s\n", note)
		}
	}
	if c.Book {
		if err := PrintBooks(w, res.Engine, symbol, owners); err != nil {
			return err
		}
	}
	if owners != nil {
		if msg := owners.Warning(); msg != "" {
			fmt.Fprintf(stderr, "replay: warning: %s\n", msg)
		}
	}
	_, err = fmt.Fprintf(w, "commands=%d state_hash=%016x events_hash=%016x", res.Commands, res.StateHash, res.EventsHash)
	if r := res.Raft; r != nil && err == nil {
		_, err = fmt.Fprintf(w, " raft_last=%d raft_commit=%d raft_term=%d", r.LastIndex, r.Commit, r.Term)
	}
	if err == nil {
		_, err = fmt.Fprintln(w)
	}
	return err
}

// progressBar draws a one-line bar on a terminal.
type progressBar struct {
	w    io.Writer
	last time.Time
}

func (p *progressBar) update(done, total int64) {
	if time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	if total <= 0 {
		total = 1
	}
	frac := float64(done) / float64(total)
	n := int(frac * 40)
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%% %d/%d MiB", strings.Repeat("=", n), strings.Repeat(" ", 40-n), frac*100, done>>20, total>>20)
}

func (p *progressBar) finish() { fmt.Fprint(p.w, "\r\033[K") }
