package enginebench

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/engine"
)

func small() Options {
	o := DefaultOptions()
	o.Resting, o.Count = 500, 3000
	return o
}

// countingBook is a stand-in reference: a real engine that counts commands.
type countingBook struct {
	e   *engine.Engine
	out *engine.Events
	n   int
}

func (c *countingBook) Apply(cmd *engine.Command) {
	c.n++
	c.out.Reset()
	c.e.Apply(cmd, c.out)
}

func TestRun(t *testing.T) {
	o := small()
	var ref *countingBook
	o.Reference = func(cfg engine.Config) (Applier, error) {
		e, err := engine.New(cfg)
		ref = &countingBook{e: e, out: engine.NewEvents(64)}
		return ref, err
	}
	o.RefCount = 700
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ReferenceSkipped != "" || len(res.Runs) != 3 {
		t.Fatalf("runs %d, skipped %q", len(res.Runs), res.ReferenceSkipped)
	}
	for i, want := range []struct {
		name  string
		count int64
	}{{"engine", 3000}, {"engine/untimed", 3000}, {"reference", 700}} {
		r := res.Runs[i]
		if r.Name != want.name || r.Count != want.count || r.Throughput <= 0 || r.Duration <= 0 {
			t.Errorf("run %d: %s count %d throughput %v duration %v; want %s with %d", i, r.Name, r.Count, r.Throughput, r.Duration, want.name, want.count)
		}
		if r.Settings["resting"] != "500" || r.Settings["seed"] != "1" || !strings.HasPrefix(r.Settings["mix"], "limit:") {
			t.Errorf("run %s settings %v", r.Name, r.Settings)
		}
	}
	// The reference got the warm-up and exactly RefCount measured commands.
	if mix := res.Mix; mix.Limit+mix.Cancel+mix.Replace+mix.Marketable != 3000 {
		t.Errorf("mix %+v does not add up to the count", mix)
	}
	if w, _ := strconv.Atoi(res.Runs[0].Settings["warmup"]); w == 0 || ref.n != 700+w {
		t.Errorf("reference applied %d commands, want 700 + warm-up %d", ref.n, w)
	}
	if res.TimerOverhead <= 0 || res.Runs[0].Settings["timer_p50"] == "" {
		t.Errorf("timer overhead %v not measured or not recorded", res.TimerOverhead)
	}
}

func TestRunWithoutReferenceSaysWhy(t *testing.T) {
	o := small()
	o.Count = 100
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || !strings.Contains(res.ReferenceSkipped, "internal") {
		t.Errorf("%d runs, skipped %q", len(res.Runs), res.ReferenceSkipped)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, small(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestReferenceErrorIsReported(t *testing.T) {
	o := small()
	o.Count = 10
	o.Reference = func(engine.Config) (Applier, error) { return nil, errors.New("no book") }
	if _, err := Run(context.Background(), o, nil); err == nil || !strings.Contains(err.Error(), "enginebench: reference book: no book") {
		t.Errorf("error %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		edit func(*Options)
		ok   bool
	}{
		{func(*Options) {}, true},
		{func(o *Options) { o.Resting = 0 }, false},
		{func(o *Options) { o.Count = 0 }, false},
		{func(o *Options) { o.Symbols = 7 }, false},
		{func(o *Options) { o.Symbols = 0 }, false},
		{func(o *Options) { o.Owners = 0 }, false},
		{func(o *Options) { o.RefCount = -1 }, false},
	} {
		o := DefaultOptions()
		c.edit(&o)
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: error %v, want ok=%v", o, err, c.ok)
		} else if err != nil && !strings.HasPrefix(err.Error(), "enginebench: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

// TestRefCountZeroSkipsReference: RefCount 0 skips the reference book, its
// construction and warm-up included, and says so.
func TestRefCountZeroSkipsReference(t *testing.T) {
	o := small()
	o.Count = 100
	o.RefCount = 0
	built := false
	o.Reference = func(cfg engine.Config) (Applier, error) {
		built = true
		e, err := engine.New(cfg)
		return &countingBook{e: e, out: engine.NewEvents(64)}, err
	}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if built || len(res.Runs) != 2 || !strings.Contains(res.ReferenceSkipped, "-ref-count 0") {
		t.Errorf("built %v, %d runs, skipped %q", built, len(res.Runs), res.ReferenceSkipped)
	}
}

// TestRunShowsStagesAndProgress: Run logs a line as each stage starts, in
// order, and each warm-up, the reference's included, draws the progress
// counter from 0 and erases it. It used to build the reference book without a
// word.
func TestRunShowsStagesAndProgress(t *testing.T) {
	o := small()
	o.RefCount = 700
	o.Reference = func(cfg engine.Config) (Applier, error) {
		e, err := engine.New(cfg)
		return &countingBook{e: e, out: engine.NewEvents(64)}, err
	}
	var log, bar bytes.Buffer
	o.Log = &log
	res, err := Run(context.Background(), o, bench.NewProgress(&bar, true))
	if err != nil {
		t.Fatal(err)
	}
	w := res.Runs[0].Settings["warmup"]
	lines := strings.Split(strings.TrimRight(log.String(), "\n"), "\n")
	want := []string{"engine: generating the workload (500 resting orders, 3000 measured commands)",
		"engine: warm-up (" + w + " commands), then 3000 commands timed one by one",
		"engine/untimed: warm-up (" + w + " commands), then 3000 commands in batches of 1000",
		"reference: warm-up (" + w + " commands), then 700 commands timed one by one;"}
	if len(lines) != len(want) {
		t.Fatalf("log %q, want %d lines", lines, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("log line %d %q, want %q...", i+1, lines[i], want[i])
		}
	}
	if !strings.Contains(lines[3], "-ref-count 0 skips it") {
		t.Errorf("reference line %q does not say how to skip it", lines[3])
	}
	// Three warm-ups (engine, engine/untimed, reference), each drawn from 0 of
	// its commands and erased at its end.
	if n := strings.Count(bar.String(), "\rsent 0/"+w+" "); n != 3 {
		t.Errorf("%d warm-up progress lines from 0/%s, want 3: %q", n, w, bar.String())
	}
	if !strings.HasSuffix(bar.String(), "\r\x1b[K") {
		t.Errorf("progress not erased at the end: %q", bar.String())
	}
}
