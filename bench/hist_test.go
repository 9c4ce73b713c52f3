package bench

import (
	"testing"
	"time"
)

func TestPercentilesUniform(t *testing.T) {
	// 1..10000 µs, each once: p of them lie at or below p% of 10000 µs.
	h := NewHistogram()
	for us := int64(1); us <= 10000; us++ {
		if !Record(h, us*1000) {
			t.Fatalf("Record(%d µs) clamped", us)
		}
	}
	p := Summarize(h)
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"p50", p.P50, 5000_000},
		{"p90", p.P90, 9000_000},
		{"p99", p.P99, 9900_000},
		{"p99.9", p.P999, 9990_000},
		{"p99.99", p.P9999, 9999_000},
		{"max", p.Max, 10000_000},
	} {
		if !within(c.got, c.want) {
			t.Errorf("%s = %d ns, want %d ns within 0.1%%", c.name, c.got, c.want)
		}
	}
}

func TestPercentilesKnownTail(t *testing.T) {
	// 0.1% of ops take 50 ms, the rest 100 µs: the tail starts just above
	// p99.9, so p99.9 must still be 100 µs and p99.99 must be 50 ms.
	h := NewHistogram()
	if err := h.RecordValues(100_000, 99_900); err != nil {
		t.Fatal(err)
	}
	if err := h.RecordValues(50_000_000, 100); err != nil {
		t.Fatal(err)
	}
	p := Summarize(h)
	if !within(p.P99, 100_000) || !within(p.P999, 100_000) {
		t.Errorf("p99 = %d, p99.9 = %d, want 100µs for both", p.P99, p.P999)
	}
	if !within(p.P9999, 50_000_000) || !within(p.Max, 50_000_000) {
		t.Errorf("p99.99 = %d, max = %d, want 50ms for both", p.P9999, p.Max)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	if p := Summarize(NewHistogram()); p != (Percentiles{}) {
		t.Errorf("empty histogram: %+v, want zeros", p)
	}
	if p := Summarize(nil); p != (Percentiles{}) {
		t.Errorf("nil histogram: %+v, want zeros", p)
	}
}

func TestRecordClamps(t *testing.T) {
	h := NewHistogram()
	if Record(h, -5) {
		t.Error("Record(-5) reported in range")
	}
	if Record(h, int64(2*time.Minute)) {
		t.Error("Record(2 min) reported in range")
	}
	if !Record(h, 0) || !Record(h, HighestNs) {
		t.Error("Record of the bounds 0 and HighestNs reported clamping")
	}
	if h.TotalCount() != 4 {
		t.Errorf("count = %d, want 4 (clamped values are still recorded)", h.TotalCount())
	}
	if !within(h.Max(), HighestNs) {
		t.Errorf("max = %d, want %d", h.Max(), HighestNs)
	}
}

func TestTailSamples(t *testing.T) {
	if got := tailSamples(20000, 99.99); got < 1.99 || got > 2.01 {
		t.Errorf("tailSamples(20000, 99.99) = %v, want 2", got)
	}
	if got := tailSamples(5, 100); got != 1 {
		t.Errorf("tailSamples(5, max) = %v, want 1", got)
	}
}
