package gateway

import "github.com/openmatch/matchd/internal/stagehist"

// Stages the gateway times when Options.StageTiming is set, around the
// pipeline's own (pipeline/stages.go):
//
//	wire_to_gateway        QuickFIX read the message from the socket
//	                       (Message.ReceiveTime) -> FromApp called (the clock
//	                       read that stamps Command.Received): QuickFIX's inbound
//	                       work (its session goroutine's queue, parsing,
//	                       validation, message store) plus the hops between
//	                       them; recorded for messages that decode
//	sequenced_to_quickfix  sequenced (Event.Time) -> the command's first report
//	                       for a session handed to QuickFIX (SendToTarget
//	                       returned): release, the session's sender goroutine and
//	                       QuickFIX's send path up to its session goroutine's queue
//
// What remains of a FIX round trip is the client's own work, the kernel's
// loopback, and QuickFIX's session goroutine handing the bytes to its writer
// goroutine and that writing them (the bench's round trip minus these stages).
// A report queued while its session was offline counts from its sequencing
// time too, so it lands in the tail.
const (
	StageWireToGateway       = "wire_to_gateway"
	StageSequencedToQuickFIX = "sequenced_to_quickfix"
)

// StageLatency is a copy of one stage's histogram (nanoseconds).
type StageLatency = stagehist.Latency

// StageLatencies returns copies of the gateway's stage histograms, wire_to_gateway
// then sequenced_to_quickfix, resetting them when reset is true. Nil when
// stage timing is off.
func (g *Gateway) StageLatencies(reset bool) []StageLatency {
	if g.wireIn == nil {
		return nil
	}
	return []StageLatency{g.wireIn.Copy(StageWireToGateway, reset), g.handed.Copy(StageSequencedToQuickFIX, reset)}
}
