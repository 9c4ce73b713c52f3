package stagehist

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// StageReport is one stage of matchd's GET /debug/stages answer (the wire format
// `bench fix` reads). Latencies are in nanoseconds; Hdr is the histogram as
// hdrhistogram's Encode(V2CompressedEncodingCookieBase) returns it (base64).
type StageReport struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
	P50   int64  `json:"p50_ns"`
	P90   int64  `json:"p90_ns"`
	P99   int64  `json:"p99_ns"`
	P999  int64  `json:"p999_ns"`
	P9999 int64  `json:"p9999_ns"`
	Max   int64  `json:"max_ns"`
	Hdr   string `json:"hdr"`
}

// Report is the whole /debug/stages answer. Stages is empty, not null, when
// stage timing is off.
type Report struct {
	Stages []StageReport `json:"stages"`
}

// NewReport builds the /debug/stages answer from copies of the stage
// histograms, in the order given.
func NewReport(stages []Latency) Report {
	out := Report{Stages: []StageReport{}}
	for _, s := range stages {
		h := s.Hist
		enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			enc = nil // cannot happen for a valid histogram; the figures still help
		}
		out.Stages = append(out.Stages, StageReport{Name: s.Name, Count: h.TotalCount(),
			P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
			P999: h.ValueAtQuantile(99.9), P9999: h.ValueAtQuantile(99.99), Max: h.Max(), Hdr: string(enc)})
	}
	return out
}

// Histogram decodes the stage's histogram.
func (s *StageReport) Histogram() (*hdrhistogram.Histogram, error) {
	if s.Hdr == "" {
		return nil, fmt.Errorf("stagehist: stage %q has no histogram", s.Name)
	}
	h, err := hdrhistogram.Decode([]byte(s.Hdr))
	if err != nil {
		return nil, fmt.Errorf("stagehist: stage %q: decoding histogram: %w", s.Name, err)
	}
	return h, nil
}
