package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// viaJSON writes runs to a results file and reads them back, as the compare
// command does.
func viaJSON(t *testing.T, runs ...*Run) []*Run {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, runs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// verdicts returns the verdict of each row, in levels() order.
func verdicts(c Comparison) []Verdict {
	v := make([]Verdict, len(c.Rows))
	for i, r := range c.Rows {
		v[i] = r.Verdict
	}
	return v
}

func TestCompareSingleRuns(t *testing.T) {
	const n = 100_000 // 10 samples above p99.99: every percentile is judged
	for _, c := range []struct {
		name      string
		a, b      int64 // ns, every sample
		threshold float64
		want      Verdict
		maxWant   Verdict // max is one sample: judged only if equal to the precision
	}{
		{"identical", 1000, 1000, 0, Noise, Noise},
		{"within precision", 100_000, 100_050, 0, Noise, Noise},
		{"2x slower", 1000, 2000, 0, Worse, Unsure},
		{"2x faster", 2000, 1000, 0, Better, Unsure},
		{"3% slower, 5% threshold", 10_000, 10_300, 0, Noise, Unsure},
		{"3% slower, 1% threshold", 10_000, 10_300, 1, Worse, Unsure},
	} {
		cs, err := Compare(viaJSON(t, constRun(t, "engine", c.a, n)), viaJSON(t, constRun(t, "engine", c.b, n)), CompareOptions{Threshold: c.threshold})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(cs) != 1 || cs[0].Name != "engine" || cs[0].ARuns != 1 || cs[0].BRuns != 1 {
			t.Fatalf("%s: comparisons %+v", c.name, cs)
		}
		got := verdicts(cs[0])
		for i, lv := range levels() {
			want := c.want
			if lv.Label == "max" {
				want = c.maxWant
			}
			if got[i] != want {
				t.Errorf("%s: %s verdict %v (%s), want %v", c.name, lv.Label, got[i], cs[0].Rows[i].Note, want)
			}
		}
		if r := cs[0].Rows[0]; r.Diff != r.B-r.A || (r.A != 0 && math.Abs(r.DiffPct-100*float64(r.Diff)/float64(r.A)) > 1e-9) {
			t.Errorf("%s: diff %d (%v%%) inconsistent with A %d, B %d", c.name, r.Diff, r.DiffPct, r.A, r.B)
		}
	}
}

func TestCompareFewSamplesIsUnsure(t *testing.T) {
	// 1000 samples: only 1 above p99.9, 0.1 above p99.99.
	cs, err := Compare([]*Run{constRun(t, "x", 1000, 1000)}, []*Run{constRun(t, "x", 5000, 1000)}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Verdict{Worse, Worse, Worse, Unsure, Unsure, Unsure}
	for i, v := range verdicts(cs[0]) {
		if v != want[i] {
			t.Errorf("%s: %v, want %v", cs[0].Rows[i].Label, v, want[i])
		}
	}
}

func TestCompareRepeats(t *testing.T) {
	// Each side: three repeats; the medians and the ranges decide.
	side := func(name string, ns ...int64) []*Run {
		var runs []*Run
		for _, v := range ns {
			runs = append(runs, constRun(t, name, v, 1000))
		}
		return viaJSON(t, runs...)
	}
	a := side("ring", 100_000, 110_000, 105_000)
	for _, c := range []struct {
		name string
		b    []*Run
		want Verdict
	}{
		{"overlapping", side("ring", 108_000, 115_000, 112_000), Noise},
		{"disjoint above", side("ring", 130_000, 140_000, 135_000), Worse},
		{"disjoint below", side("ring", 60_000, 70_000, 65_000), Better},
	} {
		cs, err := Compare(a, c.b, CompareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cs[0].ARuns != 3 || cs[0].BRuns != 3 {
			t.Fatalf("%s: runs %d vs %d, want 3 vs 3", c.name, cs[0].ARuns, cs[0].BRuns)
		}
		for i, v := range verdicts(cs[0]) {
			// With repeats even max is judged: its spread was measured.
			if v != c.want {
				t.Errorf("%s: %s verdict %v (%s), want %v", c.name, cs[0].Rows[i].Label, v, cs[0].Rows[i].Note, c.want)
			}
		}
		r := cs[0].Rows[0]
		if !within(r.A, 105_000) || !within(r.AMin, 100_000) || !within(r.AMax, 110_000) {
			t.Errorf("%s: A median %d range %d..%d, want 105µs in 100..110µs", c.name, r.A, r.AMin, r.AMax)
		}
	}
}

func TestCompareMedianOfEven(t *testing.T) {
	med, lo, hi := medianRange([][6]int64{{10}, {40}, {20}, {30}}, 0)
	if med != 25 || lo != 10 || hi != 40 {
		t.Errorf("median, min, max = %d, %d, %d; want 25, 10, 40", med, lo, hi)
	}
}

func TestCompareMatching(t *testing.T) {
	a := []*Run{constRun(t, "chan", 1000, 10), constRun(t, "ring", 1000, 10)}
	b := []*Run{constRun(t, "ring", 2000, 10), constRun(t, "engine", 1000, 10)}
	cs, err := Compare(a, b, CompareOptions{})
	if err != nil || len(cs) != 1 || cs[0].Name != "ring" {
		t.Errorf("common name: %+v, %v; want one comparison of ring", cs, err)
	}
	cs, err = Compare(a[:1], b[1:], CompareOptions{})
	if err != nil || len(cs) != 1 || cs[0].Name != "chan vs engine" {
		t.Errorf("single names: %+v, %v; want chan vs engine", cs, err)
	}
	if _, err := Compare(a[:1], b, CompareOptions{}); err == nil || !strings.Contains(err.Error(), `no run name is in both files (A: "chan"; B: "ring", "engine")`) {
		t.Errorf("no common name among several: %v", err)
	}
	if _, err := Compare(nil, b, CompareOptions{}); err == nil {
		t.Error("empty side: no error")
	}
	if _, err := Compare(a, b, CompareOptions{Threshold: -1}); err == nil {
		t.Error("negative threshold: no error")
	}
}

func TestWriteComparison(t *testing.T) {
	a := []*Run{constRun(t, "ring", 0, 100), constRun(t, "ring", 1000, 100)}
	b := []*Run{constRun(t, "ring", 2000, 100)}
	b[0].Machine.CPU = "Other CPU"
	cs, err := Compare(a, b, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteComparison(&out, cs); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"ring: A 2 run(s), B 1 run(s)",
		"WARNING: different machines",
		"B: Other CPU",
		"A range", "0ns..1.00µs",
		"p50", "500ns", "2.00µs", "+1.50µs", "+300.0%", "worse",
		"beyond the 5% threshold (no repeats to measure noise)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("comparison lacks %q:\n%s", want, s)
		}
	}
	// A zero baseline has no percentage.
	cs, _ = Compare([]*Run{constRun(t, "z", 0, 100)}, []*Run{constRun(t, "z", 10, 100)}, CompareOptions{})
	out.Reset()
	if err := WriteComparison(&out, cs); err != nil || !strings.Contains(out.String(), "n/a") {
		t.Errorf("zero baseline: %v\n%s", err, out.String())
	}
}
