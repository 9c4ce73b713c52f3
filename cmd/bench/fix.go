package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/fixbench"
)

// fixArgs are the parsed arguments of "bench fix".
type fixArgs struct {
	opt  fixbench.Options
	out  bench.Output
	prof profile
}

func parseFix(args []string, stderr io.Writer) (fixArgs, error) {
	a := fixArgs{opt: fixbench.DefaultOptions()}
	o := &a.opt
	fs := newFlagSet("fix", stderr)
	fs.StringVar(&o.Host, "host", o.Host, "matchd's FIX `host`")
	fs.IntVar(&o.Port, "port", o.Port, "matchd's FIX `port`")
	fs.IntVar(&o.Sessions, "sessions", o.Sessions, "FIX `sessions`, one sender goroutine each")
	fs.StringVar(&o.SenderPrefix, "sender-prefix", o.SenderPrefix, "SenderCompIDs are `PREFIX`1, PREFIX2, ...")
	fs.StringVar(&o.Target, "target", o.Target, "TargetCompID: the engine's `CompID`")
	fs.StringVar(&o.Username, "username", "", "Username(553) sent at Logon")
	fs.StringVar(&o.Password, "password", "", "Password(554) sent at Logon")
	fs.Float64Var(&o.Rate, "rate", o.Rate, "total `orders` per second over all sessions (open loop; with -inflight, a cap)")
	fs.IntVar(&o.InFlight, "inflight", 0, "closed loop: each session keeps at most `N` orders unacknowledged, sending the next on each ack (0: open loop)")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "length of the schedule when -count is 0")
	fs.IntVar(&o.Count, "count", 0, "`orders` to send (default: rate x duration)")
	fs.Float64Var(&o.Cross, "cross", o.Cross, "`fraction` of orders that cross (takers, 0-0.5); as many makers rest for them")
	fs.BoolVar(&o.PassiveDay, "passive-day", false, "passive orders are DAY and rest (default IOC: acknowledged, then canceled)")
	symbols := strings.Join(o.Symbols, ",")
	fs.StringVar(&symbols, "symbols", symbols, "comma-separated `symbols` to trade")
	fs.StringVar(&o.Price, "price", o.Price, "crossing `price` (two decimals); passive orders sit up to 1.00 away")
	fs.IntVar(&o.Qty, "qty", o.Qty, "OrderQty of every order")
	fs.StringVar(&o.Metrics, "metrics", o.Metrics, "matchd's metrics `host:port` for the server stage breakdown (empty: skip; $MATCHD_HTTP_TOKEN is sent as its bearer token)")
	o.MetricsToken = os.Getenv("MATCHD_HTTP_TOKEN")
	fs.DurationVar(&o.Grace, "grace", o.Grace, "after the last send, wait this long for acks and fills")
	fs.DurationVar(&o.Late, "late", o.Late, "an ack slower than this counts as late")
	fs.DurationVar(&o.LogonTimeout, "logon-timeout", o.LogonTimeout, "give up if a session is not logged on by then")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "order plan random `seed`")
	fs.IntVar(&o.MDSubscribers, "md-subscribers", 0, "`N` extra sessions subscribe to the market data of every symbol (full depth, bids, offers, trades) before the load and count what they receive")
	fs.IntVar(&o.StuckSessions, "stuck-sessions", 0, "`N` extra sessions log on, then send -stuck-rate orders/s each (two reports each, for them only) and never read their socket: a slow consumer's cost to the load's sessions")
	fs.Float64Var(&o.StuckRate, "stuck-rate", o.StuckRate, "`orders` per second of each stuck session")
	fs.DurationVar(&o.Spin, "spin", o.Spin, "each sender yields in a loop (taking a CPU) from this long before an order's send time, instead of sleeping; 0: sleep only")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	o.Symbols = nil
	for s := range strings.SplitSeq(symbols, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.Symbols = append(o.Symbols, s)
		}
	}
	if err := o.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	return a, nil
}

func runFix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseFix(args, stderr)
	if err != nil {
		return err
	}
	var res *fixbench.Result
	if err := a.prof.run(func() (err error) {
		res, err = fixbench.Run(ctx, a.opt, progressFor(stderr))
		return err
	}); err != nil {
		return err
	}
	return writeRuns(&a.out, stdout, stderr, res.Runs, fixNotes(res))
}

// cpuNote says what each order cost in processor time, and the rate that
// bounds when client and server share ncpu CPUs.
func cpuNote(res *fixbench.Result, ncpu int) string {
	n := res.Ack.Load.Sent
	if n == 0 {
		return "# cpu: no orders sent"
	}
	per := func(d time.Duration) int64 { return int64(d) / n }
	s := "# cpu per order: client " + bench.FormatNs(per(res.ClientCPU))
	if res.ServerCPUErr != "" {
		return s + "; server unavailable: " + res.ServerCPUErr
	}
	s += ", server " + bench.FormatNs(per(res.ServerCPU))
	if both := per(res.ClientCPU + res.ServerCPU); both > 0 {
		s += fmt.Sprintf(" (process CPU over the run / %d orders); on one machine with %d CPUs the pair cannot exceed ~%.3gk orders/s",
			n, ncpu, float64(ncpu)*1e9/float64(both)/1000)
	}
	return s
}

// fixNotes are the '#' lines after the table: the verdict on
// acknowledgements, lost orders, refusal texts, and the server breakdown's
// status (or its figures, when they came without histograms).
func fixNotes(res *fixbench.Result) []string {
	c := res.Ack.Counters
	var notes []string
	if res.Interrupted {
		notes = append(notes, "# fix: INTERRUPTED: partial results; orders in flight at the interruption count as lost")
	}
	verdict := "every order acknowledged"
	if c[fixbench.CounterLost] > 0 || c[fixbench.CounterRejected] > 0 {
		verdict = fmt.Sprintf("WARNING: %d of %d orders not acknowledged (%d lost, %d rejected)",
			c[fixbench.CounterLost]+c[fixbench.CounterRejected], res.Ack.Load.Sent, c[fixbench.CounterLost], c[fixbench.CounterRejected])
	}
	notes = append(notes, "# fix: "+verdict+fmt.Sprintf("; %d acks slower than the -late threshold", c[fixbench.CounterLate]))
	if f := res.Fill.Counters; f[fixbench.CounterMissingFills] > 0 {
		notes = append(notes, fmt.Sprintf("# WARNING fix-fill: %d of %d takers got no fill", f[fixbench.CounterMissingFills], f[fixbench.CounterTakers]))
	}
	if len(res.Lost) > 0 {
		notes = append(notes, "# lost (first "+fmt.Sprint(len(res.Lost))+"): "+strings.Join(res.Lost, ", "))
	}
	kinds := make([]string, 0, len(res.Texts))
	for k := range res.Texts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		notes = append(notes, fmt.Sprintf("# first %s text: %q", k, res.Texts[k]))
	}
	if md := res.MD; md != nil {
		notes = append(notes, fmt.Sprintf("# md: %d subscribers received %d X messages and %d snapshots (%d before the load, %d resyncs during it) with %d entries (%d trades); %d rejects, %d logouts",
			md.Subscribers, md.Incrementals, md.Initial+md.Resyncs, md.Initial, md.Resyncs, md.Entries, md.Trades, md.Rejects, md.Logouts))
	}
	if res.StuckSent > 0 {
		notes = append(notes, fmt.Sprintf("# stuck: %d sessions sent %d orders and read nothing; the server disconnected them %d times (each logged on again)",
			res.StuckSessions, res.StuckSent, res.StuckLogouts))
	}
	if res.StagesErr != "" {
		notes = append(notes, "# server stages: unavailable: "+res.StagesErr)
	}
	notes = append(notes, cpuNote(res, runtime.NumCPU()))
	if res.Stages != nil {
		for _, s := range res.Stages.Stages {
			if s.Hdr == "" {
				notes = append(notes, fmt.Sprintf("# server %s: count %d p50 %s p90 %s p99 %s p99.9 %s p99.99 %s max %s", s.Name, s.Count,
					bench.FormatNs(s.P50), bench.FormatNs(s.P90), bench.FormatNs(s.P99), bench.FormatNs(s.P999), bench.FormatNs(s.P9999), bench.FormatNs(s.Max)))
			}
		}
	}
	return notes
}
