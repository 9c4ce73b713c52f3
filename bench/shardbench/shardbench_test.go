package shardbench

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/workload"
	"github.com/openmatch/matchd/ringbuffer"
)

func small() Options {
	o := DefaultOptions()
	o.Resting, o.Count, o.PacedCount, o.Rate = 400, 3000, 1000, 1e6
	o.Capacity = 64 // small rings: the router often waits for space
	return o
}

func stream(t *testing.T, o Options) *workload.Stream {
	t.Helper()
	wo := workload.DefaultOptions()
	wo.Resting, wo.Measured, wo.Seed, wo.Symbols, wo.Owners = o.Resting, o.Count, o.Seed, o.Symbols, o.Owners
	s, err := workload.Generate(wo)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// only returns the commands of cmds that shard k of m receives (its symbols'
// and those for no symbol), in order, stamped with Seq 1, 2, ... as shard k's
// sequencer does.
func only(m Map, k int, cmds []engine.Command) []engine.Command {
	var out []engine.Command
	for _, c := range cmds {
		if s, ok := m.Shard(c.Symbol); (ok && s == k) || c.Symbol == engine.NoSymbol {
			c.Seq = uint64(len(out) + 1)
			out = append(out, c)
		}
	}
	return out
}

// TestRoutingReachesTheSymbolsShardInOrder: every command reaches the shard
// of its symbol and no other, a command for no symbol (an end of day) reaches
// every shard, each shard receives its commands in the order routed, and each
// shard stamps its own Seqs 1, 2, ... with no gap.
func TestRoutingReachesTheSymbolsShardInOrder(t *testing.T) {
	o := small()
	s := stream(t, o)
	cmds := append([]engine.Command(nil), s.Measured[:1500]...)
	cmds = append(cmds, engine.Command{Kind: engine.KindEndOfDay, Symbol: engine.NoSymbol, Time: 1})
	cmds = append(cmds, s.Measured[1500:]...)
	for _, k := range []int{1, 2, 4, 6} {
		m, err := RoundRobin(o.Symbols, k)
		if err != nil {
			t.Fatal(err)
		}
		ss := &shardSet{m: m, last: make([]uint64, k)}
		keep := make([][]engine.Command, k)
		if _, err := ss.pass(context.Background(), cmds, o, true, keep); err != nil {
			t.Fatal(err)
		}
		total := 0
		for sh := range k {
			want := only(m, sh, cmds)
			got := keep[sh]
			total += len(got)
			if len(got) != len(want) {
				t.Fatalf("K=%d shard %d: %d commands, want %d", k, sh, len(got), len(want))
			}
			for i := range got {
				g := got[i]
				g.Received = 0
				if g != want[i] {
					t.Fatalf("K=%d shard %d command %d: %+v, want %+v", k, sh, i, got[i], want[i])
				}
				if g.Symbol != engine.NoSymbol && m.shardOf[g.Symbol] != sh {
					t.Fatalf("K=%d: symbol %d reached shard %d", k, g.Symbol, sh)
				}
			}
			if ss.last[sh] != uint64(len(want)) {
				t.Errorf("K=%d shard %d: last seq %d, want %d", k, sh, ss.last[sh], len(want))
			}
		}
		if want := len(cmds) - 1 + k; total != want {
			t.Errorf("K=%d: %d commands delivered, want %d (the end of day once per shard)", k, total, want)
		}
	}
}

// TestShardStateEqualsEngineFedOnlyItsSymbols: after the warm-up and the
// measured pass through the rings, each shard's engine has the state of a
// single engine fed only that shard's symbols' commands: shards are
// independent. With one shard that is the unsharded engine fed the whole
// stream.
func TestShardStateEqualsEngineFedOnlyItsSymbols(t *testing.T) {
	o := small()
	s := stream(t, o)
	all := append(append([]engine.Command(nil), s.Warmup...), s.Measured...)
	for _, k := range []int{1, 2, 3} {
		m, err := RoundRobin(o.Symbols, k)
		if err != nil {
			t.Fatal(err)
		}
		ss, err := newShards(context.Background(), s, m, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ss.burst(context.Background(), s.Measured, o); err != nil {
			t.Fatal(err)
		}
		empty, _ := engine.New(s.Config)
		for sh := range k {
			ref, err := engine.New(s.Config)
			if err != nil {
				t.Fatal(err)
			}
			out := engine.NewEvents(4096)
			cmds := all
			if k > 1 {
				cmds = only(m, sh, all)
			}
			for i := range cmds {
				out.Reset()
				ref.Apply(&cmds[i], out)
			}
			got := ss.engines[sh]
			if got.StateHash() != ref.StateHash() || got.LastSeq() != ref.LastSeq() {
				t.Errorf("K=%d shard %d: state hash %x last seq %d, want %x and %d", k, sh, got.StateHash(), got.LastSeq(), ref.StateHash(), ref.LastSeq())
			}
			if got.StateHash() == empty.StateHash() {
				t.Errorf("K=%d shard %d: engine is empty", k, sh)
			}
		}
	}
}

// TestPacedPassAppliesInOrder: the paced pass completes every command and
// leaves each shard in the state of an engine fed its symbols' prefix.
func TestPacedPassAppliesInOrder(t *testing.T) {
	o := small()
	s := stream(t, o)
	m, _ := RoundRobin(o.Symbols, 2)
	ss, err := newShards(context.Background(), s, m, o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ss.paced(context.Background(), s.Measured[:o.PacedCount], o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Completed != int64(o.PacedCount) || res.Stats.Lost != 0 || res.Stats.Spurious != 0 {
		t.Fatalf("stats %+v", res.Stats)
	}
	all := append(append([]engine.Command(nil), s.Warmup...), s.Measured[:o.PacedCount]...)
	for sh := range 2 {
		ref, _ := engine.New(s.Config)
		out := engine.NewEvents(4096)
		cmds := only(m, sh, all)
		for i := range cmds {
			out.Reset()
			ref.Apply(&cmds[i], out)
		}
		if ss.engines[sh].StateHash() != ref.StateHash() {
			t.Errorf("shard %d: state differs from an engine fed its symbols", sh)
		}
	}
}

func TestRouteRefusesSymbolOutsideTheMap(t *testing.T) {
	m, _ := RoundRobin(2, 2)
	o := small()
	ss := &shardSet{m: m, last: make([]uint64, 2)}
	cmds := []engine.Command{{Kind: engine.KindNew, Symbol: 0}, {Kind: engine.KindNew, Symbol: 5, ClOrdID: mustID(t, "x9")}}
	_, err := ss.pass(context.Background(), cmds, o, false, nil)
	if err == nil || !strings.Contains(err.Error(), `shardbench: ClOrdID "x9": symbol 5 is in no shard (the map holds 2 symbols)`) {
		t.Errorf("error %v", err)
	}
}

func mustID(t *testing.T, s string) engine.ID {
	t.Helper()
	id, ok := engine.MakeID(s)
	if !ok {
		t.Fatalf("bad id %q", s)
	}
	return id
}

func TestRoundRobin(t *testing.T) {
	m, err := RoundRobin(6, 4)
	if err != nil {
		t.Fatal(err)
	}
	if m.Shards() != 4 || m.String() != "0,4|1,5|2|3" {
		t.Errorf("shards %d map %q", m.Shards(), m.String())
	}
	if k, ok := m.Shard(5); !ok || k != 1 {
		t.Errorf("symbol 5: shard %d %v", k, ok)
	}
	if _, ok := m.Shard(6); ok {
		t.Error("symbol 6 has a shard")
	}
	if _, ok := m.Shard(engine.NoSymbol); ok {
		t.Error("NoSymbol has a shard")
	}
	for _, c := range [][2]int{{6, 0}, {3, 4}} {
		if _, err := RoundRobin(c[0], c[1]); err == nil || !strings.HasPrefix(err.Error(), "shardbench: ") {
			t.Errorf("RoundRobin(%d, %d): error %v", c[0], c[1], err)
		}
	}
}

func TestNewRouterChecksItsRings(t *testing.T) {
	m, _ := RoundRobin(6, 2)
	r, _ := ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: 4})
	if _, err := NewRouter(m, []*ringbuffer.Ring[engine.Command]{r}, nil, time.Now()); err == nil {
		t.Error("one ring for two shards accepted")
	}
	if _, err := NewRouter(m, []*ringbuffer.Ring[engine.Command]{r, r}, []uint64{1}, time.Now()); err == nil {
		t.Error("one last seq for two shards accepted")
	}
}

func TestRun(t *testing.T) {
	o := small()
	o.Shards, o.Rounds = []int{1, 2}, 2
	var log bytes.Buffer
	o.Log = &log
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"shards-1", "shards-1/paced", "shards-1/route", "shards-2", "shards-2/paced", "shards-2/route"}
	if len(res.Runs) != 2*len(want) {
		t.Fatalf("%d runs, want %d", len(res.Runs), 2*len(want))
	}
	for i, r := range res.Runs {
		w := want[i%len(want)]
		count := int64(o.Count)
		if strings.HasSuffix(w, "/paced") {
			count = int64(o.PacedCount)
		}
		if r.Name != w || r.Count != count || r.Throughput <= 0 {
			t.Errorf("run %d: %s count %d throughput %v, want %s with %d", i, r.Name, r.Count, r.Throughput, w, count)
		}
		if r.Settings["round"] != string(rune('1'+i/len(want))) || r.Settings["map"] == "" {
			t.Errorf("run %d settings %v", i, r.Settings)
		}
	}
	if ps := res.Runs[3].Settings["per_shard"]; strings.Count(ps, ":") != 1 {
		t.Errorf("per-shard counts %q", ps)
	}
	if res.RouterCost[1] <= 0 || res.RouterCost[2] <= 0 || res.Runs[2].Settings["router_ns"] == "" {
		t.Errorf("router cost %v, settings %v", res.RouterCost, res.Runs[2].Settings)
	}
	if !strings.HasPrefix(log.String(), "shards: generating the workload") || !strings.Contains(log.String(), "shards-2 (round 2): warm-up") {
		t.Errorf("log %q", log.String())
	}
}

func TestRunWithoutPacedPass(t *testing.T) {
	o := small()
	o.Shards, o.Rate = []int{3}, 0
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || res.Runs[0].Name != "shards-3" || res.Runs[1].Name != "shards-3/route" {
		t.Errorf("runs %v", res.Runs)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, small(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		edit func(*Options)
		ok   bool
	}{
		{func(*Options) {}, true},
		{func(o *Options) { o.Rate, o.PacedCount = 0, 0 }, true},
		{func(o *Options) { o.Shards = nil }, false},
		{func(o *Options) { o.Shards = []int{1, 7} }, false},
		{func(o *Options) { o.Shards = []int{0} }, false},
		{func(o *Options) { o.Symbols, o.Shards = 2, []int{4} }, false},
		{func(o *Options) { o.Rounds = 0 }, false},
		{func(o *Options) { o.Resting = 0 }, false},
		{func(o *Options) { o.Count = 0 }, false},
		{func(o *Options) { o.Rate = -1 }, false},
		{func(o *Options) { o.PacedCount = o.Count + 1 }, false},
		{func(o *Options) { o.PacedCount = 0 }, false},
		{func(o *Options) { o.Symbols = 7 }, false},
		{func(o *Options) { o.Owners = 0 }, false},
		{func(o *Options) { o.Capacity = 1000 }, false},
	} {
		o := DefaultOptions()
		c.edit(&o)
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: error %v, want ok=%v", o, err, c.ok)
		} else if err != nil && !strings.HasPrefix(err.Error(), "shardbench: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}
