package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/fixbench"
	"github.com/openmatch/matchd/internal/clusterproc"
)

// clusterArgs are the parsed arguments of "bench cluster".
type clusterArgs struct {
	fix        fixbench.Options // the load of every point (Host, Port, Metrics set per target)
	rates      []float64        // open-loop points
	inflight   int              // the saturation point's in-flight orders per session (0: none)
	satRate    float64          // its rate cap
	rounds     int
	matchd     string // matchd binary ("" builds cmd/matchd)
	durability string
	dir        string // nodes' directories ("" a temporary one, removed)
	out        bench.Output
	prof       profile
}

func parseCluster(args []string, stderr io.Writer) (clusterArgs, error) {
	a := clusterArgs{fix: fixbench.DefaultOptions(), rounds: 2, inflight: 32, satRate: 1e6, durability: "batch"}
	o := &a.fix
	o.Duration = 10 * time.Second
	fs := newFlagSet("cluster", stderr)
	rates := "1000,10000"
	fs.StringVar(&rates, "rates", rates, "comma-separated open-loop `rates` (orders/s over all sessions) to measure ack latency at")
	fs.IntVar(&a.inflight, "inflight", a.inflight, "saturation point: closed loop with `N` orders unacknowledged per session (0: no saturation point)")
	fs.Float64Var(&a.satRate, "saturation-rate", a.satRate, "the saturation point's rate cap in `orders`/s")
	fs.IntVar(&a.rounds, "rounds", a.rounds, "repeat every point this many `times`, single node and cluster alternating")
	fs.StringVar(&a.matchd, "matchd", "", "matchd `binary` to run (default: go build ./cmd/matchd into a temporary directory)")
	fs.StringVar(&a.durability, "durability", a.durability, "Durability of every node (`policy`: batch, every, none)")
	fs.StringVar(&a.dir, "dir", "", "`directory` for the nodes' settings, data and logs (default: a temporary one, removed at the end)")
	fs.IntVar(&o.Sessions, "sessions", o.Sessions, "FIX `sessions` of each point's load")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "length of each point when -count is 0")
	fs.IntVar(&o.Count, "count", 0, "`orders` per point (default: rate x duration)")
	fs.Float64Var(&o.Cross, "cross", o.Cross, "`fraction` of orders that cross (as bench fix)")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "order plan random `seed`")
	fs.DurationVar(&o.Grace, "grace", o.Grace, "after a point's last send, wait this long for acks and fills")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	var err error
	if a.rates, err = parseList("rates", rates, func(s string) (float64, error) {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || !(r > 0) {
			return 0, fmt.Errorf("%q is not a positive rate", s)
		}
		return r, nil
	}); err != nil {
		return a, err
	}
	switch {
	case len(a.rates) == 0 && a.inflight == 0:
		return a, usageError{"nothing to measure: give -rates or -inflight"}
	case a.rounds < 1 || a.rounds > 100:
		return a, usageError{fmt.Sprintf("-rounds must be between 1 and 100, not %d", a.rounds)}
	case a.inflight < 0:
		return a, usageError{fmt.Sprintf("-inflight must not be negative, not %d", a.inflight)}
	case a.durability != "batch" && a.durability != "every" && a.durability != "none":
		return a, usageError{fmt.Sprintf("-durability must be batch, every or none, not %q", a.durability)}
	}
	for _, p := range a.points() {
		if err := p.opt.Validate(); err != nil {
			return a, usageError{p.name + ": " + err.Error()}
		}
	}
	return a, nil
}

// clusterPoint is one measurement of the load, run against each target.
type clusterPoint struct {
	name string // "1k", "10k", "saturation"
	opt  fixbench.Options
	sat  bool
}

// points are the open-loop points, then the saturation point.
func (a *clusterArgs) points() []clusterPoint {
	var ps []clusterPoint
	for _, r := range a.rates {
		o := a.fix
		o.Rate = r
		ps = append(ps, clusterPoint{name: bench.FormatRate(r), opt: o})
	}
	if a.inflight > 0 {
		o := a.fix
		o.Rate, o.InFlight = a.satRate, a.inflight
		ps = append(ps, clusterPoint{name: "saturation", opt: o, sat: true})
	}
	return ps
}

// clusterTarget is a running single node or cluster.
type clusterTarget struct {
	name string // "single", "cluster3"
	c    *clusterproc.Cluster
}

func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseCluster(args, stderr)
	if err != nil {
		return err
	}
	dir := a.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-cluster-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	bin := a.matchd
	if bin == "" {
		fmt.Fprintln(stderr, "cluster: building cmd/matchd")
		if bin, err = clusterproc.Build(ctx, dir); err != nil {
			return err
		}
	}
	sessions := make([]string, a.fix.Sessions)
	for i := range sessions {
		sessions[i] = a.fix.SenderPrefix + strconv.Itoa(i+1)
	}
	symbols := make([]string, len(a.fix.Symbols))
	for i, s := range a.fix.Symbols {
		symbols[i] = s + ":0.01"
	}
	var targets []clusterTarget
	defer func() {
		for _, t := range targets {
			if err := t.c.Stop(); err != nil {
				fmt.Fprintln(stderr, "cluster:", err)
			}
		}
	}()
	for _, t := range []struct {
		name  string
		nodes int
	}{{"single", 1}, {"cluster3", 3}} {
		c, err := clusterproc.New(clusterproc.Options{Bin: bin, Dir: dir + "/" + t.name, Nodes: t.nodes, Sessions: sessions,
			Symbols: strings.Join(symbols, ","), Durability: a.durability, Extra: []string{"LogLevel=warn", "RateLimit=off", "WaitStrategy=block"}})
		if err != nil {
			return err
		}
		targets = append(targets, clusterTarget{t.name, c})
		for _, n := range c.Nodes {
			if err := n.Start(); err != nil {
				return err
			}
		}
	}
	var runs []*bench.Run
	byKey := map[string][]*bench.Run{}
	interrupted := false
	if err := a.prof.run(func() error {
		for r := range a.rounds {
			for _, p := range a.points() {
				for _, t := range targets {
					wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					leader, err := t.c.WaitLeader(wctx)
					cancel()
					if err != nil {
						return fmt.Errorf("cluster: %s: %w (log: %s)", t.name, err, t.c.Nodes[0].Log)
					}
					o := p.opt
					host, port, _ := strings.Cut(leader.FIX, ":")
					o.Host, o.Metrics = host, leader.HTTP
					if o.Port, err = strconv.Atoi(port); err != nil {
						return err
					}
					fmt.Fprintf(stderr, "cluster: round %d/%d, %s, %s (node %d)\n", r+1, a.rounds, p.name, t.name, leader.ID)
					res, err := fixbench.Run(ctx, o, progressFor(stderr))
					if err != nil {
						return fmt.Errorf("cluster: %s %s: %w", t.name, p.name, err)
					}
					ack := res.Ack
					ack.Name = t.name + "/" + p.name
					ack.Settings["target_nodes"] = strconv.Itoa(len(t.c.Nodes))
					ack.Settings["durability"] = a.durability
					ack.Settings["round"] = strconv.Itoa(r + 1)
					runs = append(runs, ack)
					byKey[ack.Name] = append(byKey[ack.Name], ack)
					if res.Interrupted {
						interrupted = true
						return nil
					}
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	notes := clusterNotes(a, byKey)
	if interrupted {
		notes = append([]string{"# cluster: INTERRUPTED: partial results"}, notes...)
	}
	return writeRuns(&a.out, stdout, stderr, runs, notes)
}

// clusterNotes is the side-by-side table: per point the single node's and
// the cluster's ack p50 and p99 over every round (histograms merged), and
// for saturation the mean throughput, with the ratios and the goal.
func clusterNotes(a clusterArgs, byKey map[string][]*bench.Run) []string {
	merged := func(name string) (p bench.Percentiles, thr float64, lost int64, ok bool) {
		rs := byKey[name]
		if len(rs) == 0 {
			return p, 0, 0, false
		}
		h := bench.NewHistogram()
		for _, r := range rs {
			h.Merge(r.Latency)
			thr += r.Throughput / float64(len(rs))
			lost += r.Counters[fixbench.CounterLost] + r.Counters[fixbench.CounterRejected]
		}
		return bench.Summarize(h), thr, lost, true
	}
	notes := []string{fmt.Sprintf("# cluster: single node vs 3 nodes on this machine, %d rounds alternating, durability %s; histograms merged over the rounds", a.rounds, a.durability),
		fmt.Sprintf("# %-12s %10s %10s %10s %10s %10s %10s %8s", "point", "single", "3-node", "single", "3-node", "single", "3-node", "ratio")}
	notes = append(notes, fmt.Sprintf("# %-12s %10s %10s %10s %10s %10s %10s %8s", "", "ack p50", "ack p50", "ack p99", "ack p99", "acks/s", "acks/s", ""))
	for _, p := range a.points() {
		s, sthr, slost, ok1 := merged("single/" + p.name)
		c, cthr, clost, ok2 := merged("cluster3/" + p.name)
		if !ok1 || !ok2 {
			continue
		}
		var ratio, goal string
		if p.sat {
			if sthr > 0 {
				ratio = fmt.Sprintf("%.2f", cthr/sthr)
				goal = fmt.Sprintf("saturation ratio %.2f (goal >= 0.70: %s)", cthr/sthr, map[bool]string{true: "met", false: "NOT met"}[cthr >= 0.7*sthr])
			}
		} else if s.P50 > 0 {
			ratio = fmt.Sprintf("%.2f", float64(c.P50)/float64(s.P50))
			goal = fmt.Sprintf("p50 ratio %.2f (goal <= 2: %s)", float64(c.P50)/float64(s.P50), map[bool]string{true: "met", false: "NOT met"}[c.P50 <= 2*s.P50])
		}
		notes = append(notes, fmt.Sprintf("# %-12s %10s %10s %10s %10s %10s %10s %8s  %s", p.name, bench.FormatNs(s.P50), bench.FormatNs(c.P50),
			bench.FormatNs(s.P99), bench.FormatNs(c.P99), bench.FormatRate(sthr), bench.FormatRate(cthr), ratio, goal))
		if slost+clost > 0 {
			notes = append(notes, fmt.Sprintf("# WARNING %s: orders not acknowledged: single %d, 3-node %d", p.name, slost, clost))
		}
	}
	return notes
}
