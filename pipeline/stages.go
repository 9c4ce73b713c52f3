package pipeline

import (
	"time"

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
