package fixbench

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/bench"
)

// Result is what a load measured.
type Result struct {
	// Runs are "fix-ack" (intended send -> first ExecutionReport),
	// "fix-fill" (intended send -> the taker's fill), "client/send_lag"
	// (how late the senders sent: the load generator's own share of both)
	// and, when the server's histograms could be read, "server/<stage>".
	Runs []*bench.Run
	// Ack and Fill are the client-side runs (also in Runs).
	Ack, Fill *bench.Run
	// Stages is the server's answer, nil if not fetched.
	Stages *Stages
	// StagesErr says why there is no server breakdown ("" if there is).
	StagesErr string
	// Lost names up to MaxLostListed lost orders as "SENDER ClOrdID".
	Lost []string
	// Texts holds the first Text(58) seen per kind of refusal ("rejected",
	// "refused", "session_reject", "logout").
	Texts map[string]string
	// Interrupted is set when the context was canceled during the load: the
	// runs cover the orders sent until then, without the grace period.
	Interrupted bool
	// MD is what the market-data subscribers received (nil without
	// Options.MDSubscribers); the same figures are in Ack.Counters (md_*).
	MD *MDStats
	// ClientCPU and ServerCPU are the processor time this process and
	// matchd (process_cpu_seconds_total) spent from the first send to the
	// end of the grace period; 0 when not measured (ServerCPUErr says why
	// for the server).
	ClientCPU, ServerCPU time.Duration
	ServerCPUErr         string
	// StuckSessions, StuckSent and StuckLogouts: Options.StuckSessions, the
	// orders they sent (without reading a byte), and how often the server
	// disconnected one (each logged on again).
	StuckSessions           int
	StuckSent, StuckLogouts int64
}

// MaxLostListed bounds Result.Lost.
const MaxLostListed = 10

// Counter names in the runs' Counters.
const (
	CounterAcked         = "acked"          // ExecType 0
	CounterRejected      = "rejected"       // ExecType 8 as the first report
	CounterRefused       = "refused"        // BusinessMessageReject received
	CounterSessionReject = "session_reject" // session-level Reject received
	CounterLate          = "late"           // acks slower than Options.Late
	CounterLost          = "lost"           // orders with no ExecutionReport
	CounterForeign       = "foreign"        // reports for ClOrdIDs not of this run
	CounterLogouts       = "logouts"        // sessions logged out during the run
	CounterTakers        = "takers"         // orders expected to fill
	CounterFills         = "fills"          // takers whose fill arrived
	CounterMissingFills  = "missing_fills"  // takers without a fill
)

// runs builds the ack and fill runs from the loads' results and the
// sessions' counters, and lists the first lost orders.
func (c *client) runs(o Options, results []*bench.LoadResult) (ack, fill, lag *bench.Run, lost []string) {
	m := bench.MergeLoadResults(results)
	settings := map[string]string{
		"target":   fmt.Sprintf("%s@%s:%d", o.Target, o.Host, o.Port),
		"sessions": strconv.Itoa(o.Sessions),
		"senders":  fmt.Sprintf("%s1..%s%d", o.SenderPrefix, o.SenderPrefix, o.Sessions),
		"rate":     strconv.FormatFloat(o.Rate, 'g', -1, 64),
		"count":    strconv.FormatInt(m.Stats.Scheduled, 10),
		"cross":    strconv.FormatFloat(o.Cross, 'g', -1, 64),
		"passive":  map[bool]string{false: "IOC", true: "DAY"}[o.PassiveDay],
		"symbols":  strings.Join(o.Symbols, ","),
		"price":    o.Price,
		"qty":      strconv.Itoa(o.Qty),
		"seed":     strconv.FormatInt(o.Seed, 10),
	}
	if o.InFlight > 0 {
		settings["in_flight"] = strconv.Itoa(o.InFlight) + " per session (closed loop)"
	}
	ackCounters := map[string]int64{}
	fillHist := bench.NewHistogram()
	var takers int64
	for k, s := range c.sessions {
		ackCounters[CounterAcked] += s.acked.Load()
		ackCounters[CounterRejected] += s.rejected.Load()
		ackCounters[CounterRefused] += s.refused.Load()
		ackCounters[CounterSessionReject] += s.sessionRejects.Load()
		ackCounters[CounterForeign] += s.foreign.Load()
		ackCounters[CounterLogouts] += s.logouts.Load()
		sent := 0
		if r := results[k]; r != nil {
			sent = int(r.Stats.Sent)
		}
		for i := range sent {
			if _, ok := s.load.DoneTime(i); !ok && len(lost) < MaxLostListed {
				lost = append(lost, s.sid.SenderCompID+" "+string(s.tag)+strconv.Itoa(i))
			}
			if s.plan[i].kind != taker {
				continue
			}
			takers++
			if t := s.fillAt[i].Load(); t != 0 {
				bench.Record(fillHist, t-s.load.Due(i))
			}
		}
	}
	if len(c.mdSubs) > 0 {
		settings["md_subscribers"] = strconv.Itoa(len(c.mdSubs)) + " (full depth, bids offers trades, all symbols)"
		c.mdStats().counters(ackCounters)
	}
	ackCounters[CounterLost] = m.Stats.Lost
	ackCounters[CounterLate] = countAbove(m.Latency, int64(o.Late))
	ack = m.Run("fix-ack", settings)
	ack.Counters = ackCounters

	fs := make(map[string]string, len(settings)+1)
	for k, v := range settings {
		fs[k] = v
	}
	fs["measures"] = "intended send -> first fill report of each taker"
	fill = bench.NewRun("fix-fill", fs, fillHist, m.Start, m.Elapsed)
	fill.Counters = map[string]int64{CounterTakers: takers, CounterFills: fillHist.TotalCount(), CounterMissingFills: takers - fillHist.TotalCount()}
	lag = bench.NewRun("client/send_lag", map[string]string{"measures": "actual - intended send time (part of fix-ack and fix-fill)", "spin": o.Spin.String()},
		m.SendLag, m.Start, m.Elapsed)
	return ack, fill, lag, lost
}

// countAbove counts recorded values above ns.
func countAbove(h *hdrhistogram.Histogram, ns int64) int64 {
	var n int64
	for _, b := range h.Distribution() {
		if b.From > ns {
			n += b.Count
		}
	}
	return n
}
