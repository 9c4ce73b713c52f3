package pipeline

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
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
type StageLatency struct {
	Name string
	Hist *hdrhistogram.Histogram
}

// stageHist is written by one goroutine (per batch, under its mutex) and read
// by metrics.
type stageHist struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

func newStageHist() *stageHist {
	return &stageHist{h: hdrhistogram.New(1, int64(time.Minute), 3)}
}

func nowNanos() int64 { return time.Now().UnixNano() }

// StageLatencies returns copies of the stage histograms, and resets them when
// reset is true. Nil when stage timing is off.
func (p *Pipeline) StageLatencies(reset bool) []StageLatency {
	if !p.opts.StageTiming {
		return nil
	}
	out := make([]StageLatency, stageCount)
	for i, s := range p.stages {
		s.mu.Lock()
		out[i] = StageLatency{Name: stageNames[i], Hist: hdrhistogram.Import(s.h.Export())}
		if reset {
			s.h.Reset()
		}
		s.mu.Unlock()
	}
	return out
}

// record adds one latency, clamped into the histogram's range (the wall clock may
// step backwards; a value past a minute is counted as a minute).
func (s *stageHist) record(v int64) {
	v = min(max(v, 0), s.h.HighestTrackableValue())
	_ = s.h.RecordValue(v)
}
