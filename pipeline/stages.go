package pipeline

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/internal/stagehist"
)

// Stages of a command's trip through the server, each timed from the sequencer's
// timestamp (Command.Time) except the first:
//
//	gateway_to_sequenced   Command.Received (gateway decode) -> sequenced in Submit
//	sequenced_to_journaled sequenced -> its group commit returned (durable)
//	sequenced_to_matched   sequenced -> the matcher finished the batch holding it
//	sequenced_to_released  sequenced -> its first report handed to the Reporter
//
// The journaler and matcher read the clock once per batch, so their figures
// include the wait for the rest of the batch: that is the latency the command
// really saw. Recording is off unless Options.StageTiming is set.
var stageNames = [...]string{"gateway_to_sequenced", "sequenced_to_journaled", "sequenced_to_matched", "sequenced_to_released"}

const (
	stageSequence = iota
	stageJournal
	stageMatch
	stageRelease
	stageCount
)

// StageLatency is a copy of one stage's histogram (nanoseconds).
type StageLatency = stagehist.Latency

func nowNanos() int64 { return time.Now().UnixNano() }

// StageLatencies returns copies of the stage histograms, and resets them when
// reset is true. Nil when stage timing is off.
func (p *Pipeline) StageLatencies(reset bool) []StageLatency {
	if !p.opts.StageTiming {
		return nil
	}
	out := make([]StageLatency, stageCount)
	for i, s := range p.stages {
		out[i] = s.Copy(stageNames[i], reset)
	}
	return out
}

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

// StagesReport is the whole /debug/stages answer. Stages is empty, not null,
// when stage timing is off.
type StagesReport struct {
	Stages []StageReport `json:"stages"`
}

// Report builds the /debug/stages answer from StageLatencies.
func Report(stages []StageLatency) StagesReport {
	out := StagesReport{Stages: []StageReport{}}
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
		return nil, fmt.Errorf("pipeline: stage %q has no histogram", s.Name)
	}
	h, err := hdrhistogram.Decode([]byte(s.Hdr))
	if err != nil {
		return nil, fmt.Errorf("pipeline: stage %q: decoding histogram: %w", s.Name, err)
	}
	return h, nil
}
