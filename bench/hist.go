package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry shared by every run, so runs can be merged and compared
// bucket for bucket.
const (
	// LowestNs is the lowest discernible latency, in nanoseconds.
	LowestNs = 1
	// HighestNs is the highest trackable latency: one minute, in nanoseconds.
	// Larger values are recorded as HighestNs and counted as clamped.
	HighestNs = int64(time.Minute)
	// SigFigs is the number of significant decimal digits kept: every
	// recorded value is within 0.1% of the value reported for it.
	SigFigs = 3
)

// NewHistogram returns an empty latency histogram in nanoseconds with the
// package geometry (LowestNs, HighestNs, SigFigs). It allocates about 200 KB
// once; recording into it allocates nothing.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(LowestNs, HighestNs, SigFigs)
}

// Record adds one latency of ns nanoseconds to h. A negative value is
// recorded as 0 and a value above HighestNs as HighestNs; Record reports
// false in both cases so the caller can count them.
func Record(h *hdrhistogram.Histogram, ns int64) bool {
	ok := true
	if ns < 0 {
		ns, ok = 0, false
	} else if ns > HighestNs {
		ns, ok = HighestNs, false
	}
	if h.RecordValue(ns) != nil {
		// Only possible for a histogram of another geometry; the value is
		// dropped rather than panicking.
		return false
	}
	return ok
}

// Percentiles is the summary the table, the JSON and compare report, in
// nanoseconds. Each pN is the HdrHistogram value at that percentile: the
// highest value equivalent (to SigFigs digits) to the smallest recorded value
// that at least N% of the recorded values are at or below.
type Percentiles struct {
	P50   int64 `json:"p50"`
	P90   int64 `json:"p90"`
	P99   int64 `json:"p99"`
	P999  int64 `json:"p99.9"`
	P9999 int64 `json:"p99.99"`
	Max   int64 `json:"max"`
}

// level is one column of the summary: a percentile, or the maximum (Q = 100).
type level struct {
	Label string
	Q     float64 // percentile in [0, 100]
}

// levels lists the summary columns in display order.
func levels() [6]level {
	return [6]level{{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"p99.99", 99.99}, {"max", 100}}
}

// Summarize computes the Percentiles of h. An empty histogram gives zeros.
func Summarize(h *hdrhistogram.Histogram) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		P50:   h.ValueAtQuantile(50),
		P90:   h.ValueAtQuantile(90),
		P99:   h.ValueAtQuantile(99),
		P999:  h.ValueAtQuantile(99.9),
		P9999: h.ValueAtQuantile(99.99),
		Max:   h.Max(),
	}
}

// values returns p in the order of levels().
func (p Percentiles) values() [6]int64 {
	return [6]int64{p.P50, p.P90, p.P99, p.P999, p.P9999, p.Max}
}

// tailSamples is how many of count samples lie above percentile q: the
// number of observations a tail percentile actually rests on (1 for max).
func tailSamples(count int64, q float64) float64 {
	if q >= 100 {
		return 1
	}
	return float64(count) * (100 - q) / 100
}
