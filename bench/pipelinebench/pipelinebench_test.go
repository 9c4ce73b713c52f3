package pipelinebench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/workload"
	"github.com/openmatch/matchd/journal"
)

func small(dir string) Options {
	o := DefaultOptions()
	o.Dir, o.Count, o.Resting, o.Rate = dir, 400, 300, 4000
	o.Policies = []journal.Policy{journal.PolicyNone, journal.PolicyBatch}
	return o
}

var stageNames = []string{"gateway_to_sequenced", "sequenced_to_journaled", "sequenced_to_matched", "sequenced_to_released"}

func checkRuns(t *testing.T, res *Result, o Options, open bool) {
	t.Helper()
	if len(res.Runs) != len(o.Policies)*(1+len(stageNames)) {
		t.Fatalf("%d runs", len(res.Runs))
	}
	i := 0
	for _, pol := range o.Policies {
		r := res.Runs[i]
		i++
		if r.Name != pol.String() || r.Count != int64(o.Count) || r.Settings["producers"] != "2" || r.Settings["fs"] == "" {
			t.Errorf("run %s count %d settings %v; want %s with %d", r.Name, r.Count, r.Settings, pol, o.Count)
		}
		if open {
			if l := r.Load; l == nil || l.Lost != 0 || l.Completed != int64(o.Count) || l.Spurious != 0 {
				t.Errorf("%s: load %+v", r.Name, l)
			}
		} else if r.Load != nil || r.Counters["lost"] != 0 || !strings.HasPrefix(r.Settings["mode"], "max") {
			t.Errorf("%s: load %+v counters %v mode %q", r.Name, r.Load, r.Counters, r.Settings["mode"])
		}
		for _, st := range stageNames {
			r := res.Runs[i]
			i++
			if r.Name != pol.String()+"/"+st {
				t.Errorf("run %s, want %s/%s", r.Name, pol, st)
			}
			if r.Count != int64(o.Count) {
				t.Errorf("%s: %d commands, want %d", r.Name, r.Count, o.Count)
			}
		}
	}
}

func TestRunOpenLoop(t *testing.T) {
	dir := t.TempDir()
	o := small(dir)
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRuns(t, res, o, true)
	if left, _ := os.ReadDir(dir); len(left) != 0 || len(res.Kept) != 0 {
		t.Errorf("data directories left behind: %v, kept %v", left, res.Kept)
	}
}

func TestRunMaxThroughputKeepsData(t *testing.T) {
	o := small(t.TempDir())
	o.Rate, o.Keep = 0, true
	o.Policies = []journal.Policy{journal.PolicyBatch}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRuns(t, res, o, false)
	if len(res.Kept) != 1 || res.Runs[0].Settings["dir"] != res.Kept[0] {
		t.Fatalf("kept %v, settings %v", res.Kept, res.Runs[0].Settings)
	}
	segs, _ := filepath.Glob(filepath.Join(datadir.JournalDir(res.Kept[0]), "*"))
	if len(segs) == 0 {
		t.Errorf("no journal in the kept directory %s", res.Kept[0])
	}
}

func TestRenameIDs(t *testing.T) {
	wo := workload.DefaultOptions()
	wo.Resting, wo.Measured = 200, 2000
	s, err := workload.Generate(wo)
	if err != nil {
		t.Fatal(err)
	}
	if err := renameIDs(s); err != nil {
		t.Fatal(err)
	}
	known := map[engine.ID]bool{}
	for i := range s.Warmup {
		if got := s.Warmup[i].ClOrdID.String(); got != "w"+strconv.Itoa(i) {
			t.Fatalf("warm-up %d named %q", i, got)
		}
		known[s.Warmup[i].ClOrdID] = true
	}
	refs := 0
	for i := range s.Measured {
		c := &s.Measured[i]
		if op, ok := parseOp(&c.ClOrdID); !ok || op != i {
			t.Fatalf("measured %d named %q", i, c.ClOrdID.String())
		}
		if c.Kind == engine.KindCancel || c.Kind == engine.KindReplace {
			// Every cancel and replace still names an earlier command.
			if !known[c.OrigClOrdID] {
				t.Fatalf("command %d refers to %q, which no earlier command is named", i, c.OrigClOrdID.String())
			}
			refs++
		}
		known[c.ClOrdID] = true
	}
	if refs == 0 {
		t.Error("no cancels or replaces in the workload")
	}
	for _, bad := range []string{"", "w1", "1x", "1234567890123"} {
		id, _ := engine.MakeID(bad)
		if _, ok := parseOp(&id); ok {
			t.Errorf("parseOp(%q) accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		edit func(*Options)
		ok   bool
	}{
		{func(*Options) {}, true},
		{func(o *Options) { o.Policies = nil }, false},
		{func(o *Options) { o.Policies = []journal.Policy{9} }, false},
		{func(o *Options) { o.Producers = 0 }, false},
		{func(o *Options) { o.Rate = -1 }, false},
		{func(o *Options) { o.Rate = 0 }, true},
		{func(o *Options) { o.Count = 1 }, false},
		{func(o *Options) { o.Resting = 0 }, false},
		{func(o *Options) { o.Symbols = 7 }, false},
		{func(o *Options) { o.Grace = 0 }, false},
	} {
		o := DefaultOptions()
		c.edit(&o)
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: error %v, want ok=%v", o, err, c.ok)
		} else if err != nil && !strings.HasPrefix(err.Error(), "pipelinebench: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}
