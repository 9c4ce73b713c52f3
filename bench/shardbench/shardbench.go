// Package shardbench simulates a venue split into symbol shards
// (docs/SCALING.md): the mixed workload of package internal/workload (as
// `bench engine` uses) is routed by symbol to K engines, each consumed by its
// own goroutine from its own ring (package ringbuffer), with no journal,
// raft or network. It measures what the routing costs and how aggregate
// throughput grows with K on this machine.
//
// The symbol -> shard map is RoundRobin (symbol i on shard i mod K). The
// Router is the one goroutine writing every ring: it stamps each command with
// its shard's own next Seq (seq is per shard) and hands it over. Each shard
// runs a full engine.Engine (the workload's configuration) that only ever
// sees its own symbols' commands, so its state is that of a single engine fed
// only those symbols (the tests check this: it is what makes shards
// independent).
//
// For each K of Options.Shards, in order, repeated Options.Rounds times
// (runs with the same name are repeats, as bench compare expects), on fresh
// engines warmed by routing the workload's warm-up stream (untimed):
//
//   - "shards-K": the measured commands routed back to back. Throughput is
//     the aggregate: commands over the time from the first hand-over to the
//     last command applied on any shard. Latency is hand-over (the router's
//     clock read just before it commits the slot) to applied, so in this
//     saturated pass it is mostly time spent queued in a full ring.
//   - "shards-K/paced": the first PacedCount measured commands at
//     Options.Rate, open loop (bench.Load): command i is due at start +
//     i/Rate and its latency runs from that time to the end of its Apply on
//     its shard, so a router or a machine that falls behind is charged. 0 Rate
//     skips it.
//   - "shards-K/route": the measured commands routed to consumers that
//     discard them (no engine): the router's own cost per command, the ring
//     hand-off and its clock read included (Result.RouterCost; the run's
//     settings carry it as "router_ns").
//
// A shard's engine runs on whatever core the Go scheduler gives its
// goroutine; each engine needs a core and the router a share of one more, so
// on a 2-core machine K above 2 cannot scale, and the figures then show the
// routing overhead and the core ceiling, not what K machines would do.
package shardbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/workload"
	"github.com/openmatch/matchd/ringbuffer"
)

// Options configure a measurement.
type Options struct {
	// Shards are the shard counts to measure, in order, each at most Symbols.
	Shards []int
	// Rounds repeats the whole list of Shards this many times (alternating).
	Rounds int
	// Resting is the workload's target number of resting orders (all shards
	// together).
	Resting int
	// Count is the number of measured commands of the back-to-back passes.
	Count int
	// Rate is the paced pass's rate in commands per second; 0 skips it.
	Rate float64
	// PacedCount is the number of commands of the paced pass, at most Count.
	PacedCount int
	// Seed makes the workload reproducible.
	Seed int64
	// Symbols is the number of instruments (1..6).
	Symbols int
	// Owners is the number of sessions placing orders.
	Owners int
	// Capacity is each shard's ring size in slots (a power of two).
	Capacity int64
	// Wait is the rings' wait strategy.
	Wait ringbuffer.Wait
	// Log, if not nil, gets one line as each stage starts.
	Log io.Writer
}

// DefaultOptions: K = 1, 2, 4, one round, the workload of `bench engine`
// (200k resting orders, 6 symbols, seed 1) with 1M measured commands, a
// paced pass of 200k commands at 200k/s, rings of 4096 slots that block when
// idle (the pipeline's default).
func DefaultOptions() Options {
	w := workload.DefaultOptions()
	return Options{Shards: []int{1, 2, 4}, Rounds: 1, Resting: w.Resting, Count: w.Measured, Rate: 200_000,
		PacedCount: 200_000, Seed: w.Seed, Symbols: w.Symbols, Owners: w.Owners,
		Capacity: ringbuffer.DefaultCapacity, Wait: ringbuffer.DefaultWait}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	maxSym := len(engine.DefaultConfig().Symbols)
	switch {
	case len(o.Shards) == 0:
		return errors.New("shardbench: no shard counts to measure")
	case o.Rounds < 1:
		return fmt.Errorf("shardbench: rounds must be at least 1, not %d", o.Rounds)
	case o.Resting < 1:
		return fmt.Errorf("shardbench: resting orders must be at least 1, not %d", o.Resting)
	case o.Count < 1 || o.Count > bench.MaxOps:
		return fmt.Errorf("shardbench: count must be between 1 and %d, not %d", bench.MaxOps, o.Count)
	case o.Rate < 0 || o.Rate != o.Rate:
		return fmt.Errorf("shardbench: rate must not be negative, not %v", o.Rate)
	case o.Rate > 0 && (o.PacedCount < 1 || o.PacedCount > o.Count):
		return fmt.Errorf("shardbench: paced count must be between 1 and the count %d, not %d", o.Count, o.PacedCount)
	case o.Symbols < 1 || o.Symbols > maxSym:
		return fmt.Errorf("shardbench: symbols must be between 1 and %d, not %d", maxSym, o.Symbols)
	case o.Owners < 1:
		return fmt.Errorf("shardbench: owners must be at least 1, not %d", o.Owners)
	case o.Capacity < 1 || o.Capacity > ringbuffer.MaxCapacity || o.Capacity&(o.Capacity-1) != 0:
		return fmt.Errorf("shardbench: capacity %d is not a power of two between 1 and %d", o.Capacity, ringbuffer.MaxCapacity)
	}
	for _, k := range o.Shards {
		if k < 1 || k > o.Symbols {
			return fmt.Errorf("shardbench: %d shards: must be between 1 and the %d symbols (every shard holds at least one)", k, o.Symbols)
		}
	}
	return nil
}

// Result is what Run measured.
type Result struct {
	// Runs, per round and per K in order: "shards-K", "shards-K/paced" (if
	// Rate is not 0) and "shards-K/route".
	Runs []*bench.Run
	// Mix counts the measured commands by class.
	Mix workload.Mix
	// RouterCost is, per K, the mean router cost per command of the last
	// round's route pass.
	RouterCost map[int]time.Duration
}

// Run generates the workload once and measures every K of o. Progress, if
// enabled, shows the paced passes.
func Run(ctx context.Context, o Options, progress *bench.Progress) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	wo := workload.DefaultOptions()
	wo.Resting, wo.Measured, wo.Seed, wo.Symbols, wo.Owners = o.Resting, o.Count, o.Seed, o.Symbols, o.Owners
	logf("shards: generating the workload (%d resting orders, %d measured commands)", o.Resting, o.Count)
	s, err := workload.Generate(wo)
	if err != nil {
		return nil, fmt.Errorf("shardbench: generating the workload: %w", err)
	}
	res := &Result{Mix: s.Mix, RouterCost: map[int]time.Duration{}}
	for round := 1; round <= o.Rounds; round++ {
		for _, k := range o.Shards {
			m, err := RoundRobin(o.Symbols, k)
			if err != nil {
				return nil, err
			}
			name := "shards-" + strconv.Itoa(k)
			settings := func(pass string, n int) map[string]string {
				return map[string]string{
					"pass":     pass,
					"shards":   strconv.Itoa(k),
					"map":      m.String(),
					"round":    strconv.Itoa(round),
					"resting":  strconv.Itoa(o.Resting),
					"count":    strconv.Itoa(n),
					"seed":     strconv.FormatInt(o.Seed, 10),
					"symbols":  strconv.Itoa(o.Symbols),
					"owners":   strconv.Itoa(o.Owners),
					"capacity": strconv.FormatInt(o.Capacity, 10),
					"wait":     o.Wait.String(),
					"cores":    strconv.Itoa(runtime.NumCPU()),
				}
			}

			logf("%s (round %d): warm-up (%d commands), then %d commands routed back to back", name, round, len(s.Warmup), len(s.Measured))
			sh, err := newShards(ctx, s, m, o)
			if err != nil {
				return nil, err
			}
			p, err := sh.burst(ctx, s.Measured, o)
			if err != nil {
				return nil, err
			}
			st := settings("back to back (latency = hand-over to applied, queued in full rings)", len(s.Measured))
			st["per_shard"] = joinInts(p.perShard)
			res.Runs = append(res.Runs, bench.NewRun(name, st, p.h, p.start, p.d))

			if o.Rate > 0 {
				n := o.PacedCount
				logf("%s (round %d): warm-up, then %d commands paced at %.0f/s", name, round, n, o.Rate)
				sh, err := newShards(ctx, s, m, o)
				if err != nil {
					return nil, err
				}
				lr, err := sh.paced(ctx, s.Measured[:n], o, progress)
				if err != nil {
					return nil, err
				}
				st := settings("paced, open loop (latency = due time to applied)", n)
				st["rate"] = strconv.FormatFloat(o.Rate, 'g', -1, 64)
				res.Runs = append(res.Runs, lr.Run(name+"/paced", st))
			}

			logf("%s (round %d): %d commands routed to consumers that discard them", name, round, len(s.Measured))
			p, err = routeOnly(ctx, s.Measured, m, o)
			if err != nil {
				return nil, err
			}
			cost := p.d / time.Duration(len(s.Measured))
			res.RouterCost[k] = cost
			st = settings("route only (consumers discard; latency = hand-over to received)", len(s.Measured))
			st["router_ns"] = strconv.FormatInt(int64(cost), 10)
			res.Runs = append(res.Runs, bench.NewRun(name+"/route", st, p.h, p.start, p.d))
		}
	}
	return res, nil
}

func joinInts(v []int64) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ":")
}

// shardSet is K engines and the last Seq each one's sequencer stamped.
type shardSet struct {
	m       Map
	engines []*engine.Engine
	last    []uint64
}

// newShards builds one engine per shard of m and warms them by routing the
// warm-up stream through rings (untimed).
func newShards(ctx context.Context, s *workload.Stream, m Map, o Options) (*shardSet, error) {
	ss := &shardSet{m: m, last: make([]uint64, m.Shards())}
	for range m.Shards() {
		e, err := engine.New(s.Config)
		if err != nil {
			return nil, fmt.Errorf("shardbench: %w", err)
		}
		ss.engines = append(ss.engines, e)
	}
	if _, err := ss.pass(ctx, s.Warmup, o, false, nil); err != nil {
		return nil, err
	}
	return ss, nil
}

// passResult is one back-to-back pass.
type passResult struct {
	h        *hdrhistogram.Histogram
	start    time.Time
	d        time.Duration
	perShard []int64
}

// burst routes cmds back to back and records hand-over to applied.
func (ss *shardSet) burst(ctx context.Context, cmds []engine.Command, o Options) (*passResult, error) {
	runtime.GC()
	return ss.pass(ctx, cmds, o, true, nil)
}

// pass routes cmds through fresh rings to the shards' engines (nil engines:
// discard), recording latencies if record; keep, if not nil, gets a copy of
// every command each shard consumed (tests).
func (ss *shardSet) pass(ctx context.Context, cmds []engine.Command, o Options, record bool, keep [][]engine.Command) (*passResult, error) {
	base := time.Now()
	cons := make([]*consumer, ss.m.Shards())
	rings, err := startRings(o, cons, func(k int, r *ringbuffer.Ring[engine.Command]) *consumer {
		c := &consumer{ring: r, base: base}
		if ss.engines != nil {
			c.eng, c.out = ss.engines[k], engine.NewEvents(4096)
		}
		if record {
			c.h = bench.NewHistogram()
		}
		if keep != nil {
			c.keep = keep[k : k+1]
		}
		return c
	})
	if err != nil {
		return nil, err
	}
	rt, err := NewRouter(ss.m, rings, ss.last, base)
	if err != nil {
		closeRings(rings)
		return nil, err
	}
	start := time.Now()
	first := int64(start.Sub(base))
	for i := range cmds {
		if i%4096 == 0 && ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		if err = rt.Route(&cmds[i], -1); err != nil {
			break
		}
	}
	if cerr := closeRings(rings); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	ss.last = rt.Last()
	p := &passResult{h: bench.NewHistogram(), start: start, perShard: make([]int64, len(cons))}
	var end int64
	for k, c := range cons {
		p.perShard[k] = c.n
		end = max(end, c.end)
		if c.h != nil {
			p.h.Merge(c.h)
		}
	}
	p.d = time.Duration(end - first)
	return p, nil
}

// paced routes cmds open loop at o.Rate; each shard completes command i
// (carried in Received) when it has applied it.
func (ss *shardSet) paced(ctx context.Context, cmds []engine.Command, o Options, progress *bench.Progress) (*bench.LoadResult, error) {
	l, err := bench.NewLoad(bench.LoadConfig{Rate: o.Rate, Count: len(cmds)})
	if err != nil {
		return nil, fmt.Errorf("shardbench: %w", err)
	}
	cons := make([]*consumer, ss.m.Shards())
	rings, err := startRings(o, cons, func(k int, r *ringbuffer.Ring[engine.Command]) *consumer {
		return &consumer{ring: r, eng: ss.engines[k], out: engine.NewEvents(4096), load: l}
	})
	if err != nil {
		return nil, err
	}
	rt, err := NewRouter(ss.m, rings, ss.last, time.Now())
	if err != nil {
		closeRings(rings)
		return nil, err
	}
	runtime.GC()
	res, err := l.Run(ctx, func(i int) error { return rt.Route(&cmds[i], int64(i)) }, progress)
	if cerr := closeRings(rings); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("shardbench: paced: %w", err)
	}
	ss.last = rt.Last()
	return res, nil
}

// routeOnly routes cmds back to back to consumers without engines.
func routeOnly(ctx context.Context, cmds []engine.Command, m Map, o Options) (*passResult, error) {
	ss := &shardSet{m: m, last: make([]uint64, m.Shards())}
	runtime.GC()
	return ss.pass(ctx, cmds, o, true, nil)
}

// startRings creates and starts one ring per shard, each with the consumer
// mk returns, stored in cons.
func startRings(o Options, cons []*consumer, mk func(k int, r *ringbuffer.Ring[engine.Command]) *consumer) ([]*ringbuffer.Ring[engine.Command], error) {
	var rings []*ringbuffer.Ring[engine.Command]
	for k := range cons {
		r, err := ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: o.Capacity, Wait: o.Wait})
		if err == nil {
			cons[k] = mk(k, r)
			err = r.Start([]ringbuffer.Consumer{cons[k]})
		}
		if err != nil {
			closeRings(rings)
			return nil, fmt.Errorf("shardbench: ring of shard %d: %w", k, err)
		}
		rings = append(rings, r)
	}
	return rings, nil
}

// closeRings closes every ring (each waits for its consumer to drain) and
// returns the first error.
func closeRings(rings []*ringbuffer.Ring[engine.Command]) error {
	var first error
	for _, r := range rings {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// consumer is one shard's goroutine: it applies every command of its ring to
// its engine (if any) and records a latency per command (if h or load).
type consumer struct {
	ring *ringbuffer.Ring[engine.Command]
	eng  *engine.Engine
	out  *engine.Events
	base time.Time
	h    *hdrhistogram.Histogram // hand-over (Received, ns since base) to applied
	load *bench.Load             // paced: Received is the op index
	keep [][]engine.Command      // tests: keep[0] gets every command
	n    int64
	end  int64 // ns since base after the last batch
}

// Consume applies lower..upper.
func (c *consumer) Consume(lower, upper int64) {
	for q := lower; q <= upper; q++ {
		cmd := c.ring.Slot(q)
		if c.eng != nil {
			c.out.Reset()
			c.eng.Apply(cmd, c.out)
		}
		switch {
		case c.load != nil:
			c.load.DoneAt(int(cmd.Received), c.load.Now())
		case c.h != nil:
			bench.Record(c.h, int64(time.Since(c.base))-cmd.Received)
		}
		if c.keep != nil {
			c.keep[0] = append(c.keep[0], *cmd)
		}
	}
	c.n += upper - lower + 1
	c.end = int64(time.Since(c.base))
}
