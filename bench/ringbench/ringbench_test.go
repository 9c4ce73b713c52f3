package ringbench

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/openmatch/matchd/ringbuffer"
)

func TestRun(t *testing.T) {
	for _, pub := range []bool{false, true} {
		o := DefaultOptions()
		o.Count, o.Rate, o.Capacity, o.Publisher = 2000, 50000, 64, pub
		runs, err := Run(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"channel", "channel/burst", "ring-spin", "ring-spin/burst", "ring-spin-yield", "ring-spin-yield/burst", "ring-block", "ring-block/burst"}
		if len(runs) != len(want) {
			t.Fatalf("publisher=%v: %d runs, want %d", pub, len(runs), len(want))
		}
		for i, r := range runs {
			if r.Name != want[i] || r.Count != 2000 || r.Throughput <= 0 {
				t.Errorf("publisher=%v run %d: %s count %d throughput %v, want %s with 2000", pub, i, r.Name, r.Count, r.Throughput, want[i])
			}
			paced := !strings.HasSuffix(r.Name, "/burst")
			if paced != (r.Load != nil) || (paced && (r.Load.Lost != 0 || r.Load.Completed != 2000 || r.Load.Spurious != 0)) {
				t.Errorf("publisher=%v %s: load %+v", pub, r.Name, r.Load)
			}
			if w := r.Settings["writer"]; strings.HasPrefix(r.Name, "ring") && strings.Contains(w, "Publisher") != pub {
				t.Errorf("publisher=%v %s: writer %q", pub, r.Name, w)
			}
			if r.Latency.Min() < 0 || r.Latency.Max() <= 0 {
				t.Errorf("%s: latencies %d..%d", r.Name, r.Latency.Min(), r.Latency.Max())
			}
		}
	}
}

func TestRunOnlySome(t *testing.T) {
	o := Options{Count: 500, Burst: true, Capacity: 16, Waits: []ringbuffer.Wait{ringbuffer.Block}}
	runs, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Name != "ring-block/burst" || runs[0].Count != 500 {
		t.Errorf("runs %+v", runs)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := DefaultOptions()
	o.Rate = 0
	if _, err := Run(ctx, o, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		edit func(*Options)
		ok   bool
	}{
		{func(*Options) {}, true},
		{func(o *Options) { o.Count = 0 }, false},
		{func(o *Options) { o.Rate = -1 }, false},
		{func(o *Options) { o.Rate, o.Burst = 0, false }, false},
		{func(o *Options) { o.Capacity = 1000 }, false},
		{func(o *Options) { o.Capacity = 0 }, false},
		{func(o *Options) { o.Waits, o.Channel = nil, false }, false},
		{func(o *Options) { o.Waits = nil }, true},
	} {
		o := DefaultOptions()
		c.edit(&o)
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: error %v, want ok=%v", o, err, c.ok)
		} else if err != nil && !strings.HasPrefix(err.Error(), "ringbench: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}
