package bench

import (
	"math/rand/v2"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// testMachine is a fixed machine description, so outputs are reproducible.
func testMachine() Machine {
	return Machine{CPU: "Test CPU @ 3.00GHz", Cores: 2, GoVersion: "go1.26.8", GOMAXPROCS: 2, GOOS: "linux", GOARCH: "amd64"}
}

// constRun is a run of n latencies all equal to ns.
func constRun(t testing.TB, name string, ns, n int64) *Run {
	t.Helper()
	h := NewHistogram()
	if err := h.RecordValues(ns, n); err != nil {
		t.Fatal(err)
	}
	return fixedRun(name, h)
}

// fixedRun wraps h in a run with a fixed start, one second, testMachine.
func fixedRun(name string, h *hdrhistogram.Histogram) *Run {
	r := NewRun(name, map[string]string{"rate": "1000"}, h, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), time.Second)
	r.Machine = testMachine()
	return r
}

// seeded returns a random source with a fixed seed, logged if the test fails.
func seeded(t testing.TB, seed uint64) *rand.Rand {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random seed: %d", seed)
		}
	})
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// within reports whether got is within HdrHistogram's precision (3
// significant digits: 0.1%) of want.
func within(got, want int64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d <= want/1000+1
}
