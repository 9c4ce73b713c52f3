package server

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/internal/stagehist"
	"github.com/openmatch/matchd/marketdata"
	"github.com/openmatch/matchd/pipeline"
)

// Quantiles exported for each stage latency (and in /debug/stages).
var stageQuantiles = [...]float64{0.5, 0.9, 0.99, 0.999, 0.9999}

// Reject reasons always exported (with 0 until one happens), so that rate()
// works from the start: OrdRejReason(103) and CxlRejReason(102) codes the engine
// emits. Any other code appears once it has been counted.
var (
	orderRejectCodes  = [...]int{1, 6, 13, 99}
	cancelRejectCodes = [...]int{0, 1, 6, 99}
)

// collector reads the gateway's counters and the pipeline's progress at scrape
// time. Nothing on the order path touches Prometheus.
type collector struct {
	gw   *gateway.Gateway
	pipe *pipeline.Pipeline
	feed *marketdata.Feed
	opts *Options

	ordersIn, reportsOut, reportsQueued, reportsDropped *prometheus.Desc
	reportsSpilled, reportsRegenerated, slowConsumers   *prometheus.Desc
	messageRejects, orderRejects, cancelRejects         *prometheus.Desc
	logons, logonsRefused, sessions                     *prometheus.Desc
	cod, discarded, connEvents                          *prometheus.Desc
	ringUsed, ringCapacity, lastSeq                     *prometheus.Desc
	journalLag, matchLag, releaseLag                    *prometheus.Desc
	failed, pinned                                      *prometheus.Desc
	stageLatency, stageMax                              *prometheus.Desc
	mdClients, mdSubscriptions, mdRefreshes, mdResyncs  *prometheus.Desc
	mdSendErrors, mdRequests, mdRejects, mdMessages     *prometheus.Desc
	raft                                                clusterMetrics
}

func newCollector(gw *gateway.Gateway, pipe *pipeline.Pipeline, feed *marketdata.Feed, opts *Options) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("matchd_"+name, help, labels, nil)
	}
	return &collector{
		gw: gw, pipe: pipe, feed: feed, opts: opts,
		ordersIn:           d("orders_in_total", "NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest, OrderStatusRequest and OrderMassCancelRequest messages decoded and submitted to the pipeline."),
		reportsOut:         d("reports_out_total", "Reports (ExecutionReport, OrderCancelReject) handed to QuickFIX for sending."),
		reportsQueued:      d("reports_queued_total", "Reports parked for a session that was offline, sent at its next logon."),
		reportsDropped:     d("reports_dropped_total", "Reports lost: unknown owner, or a range the journal could not regenerate (each is logged)."),
		reportsSpilled:     d("reports_spilled_total", "Reports a session's queue over its bound left to the journal, to be regenerated."),
		reportsRegenerated: d("reports_regenerated_total", "Reports regenerated from the journal and handed to QuickFIX."),
		slowConsumers:      d("slow_consumers_total", "Sessions logged out for not reading their reports (OutboundMessages, OutboundBytes)."),
		messageRejects:     d("message_rejects_total", "Messages refused by the gateway before the engine (Reject 3 or BusinessMessageReject j), by reason.", "reason"),
		orderRejects:       d("order_rejects_total", "Orders rejected by the engine (ExecutionReport ExecType=8), by OrdRejReason(103).", "reason"),
		cancelRejects:      d("cancel_rejects_total", "Cancel and replace requests rejected (OrderCancelReject 9), by CxlRejReason(102).", "reason"),
		logons:             d("logons_total", "Accepted FIX logons."),
		logonsRefused:      d("logons_refused_total", "Refused FIX logons, by reason.", "reason"),
		sessions:           d("sessions", "FIX sessions logged on now."),
		cod:                d("cancel_on_disconnect_total", "Cancels on disconnect of sessions with CancelOnDisconnect=Y: submitted, or failed (the Sink refused it; logged, the orders stay).", "result"),
		discarded:          d("messages_discarded_total", "Messages of logged-on sessions discarded because they do not parse (a wrong CheckSum(10), ...): not processed, MsgSeqNum not consumed."),
		connEvents:         d("connection_events_total", "What the acceptor did to connections on its own: Accept retries, connections closed before logon, messages over MaxMessageSize, Logons it refused, by event.", "event"),
		ringUsed:           d("ring_used_slots", "Ring occupancy: slots written and not yet consumed by every consumer.", "ring"),
		ringCapacity:       d("ring_capacity_slots", "Ring size in slots.", "ring"),
		lastSeq:            d("last_seq", "Last command sequence number that reached each stage.", "stage"),
		journalLag:         d("journal_lag_commands", "Commands sequenced but not yet durable in the journal."),
		matchLag:           d("match_lag_commands", "Commands sequenced but not yet applied by the matcher."),
		releaseLag:         d("release_lag_commands", "Commands sequenced whose reports have not all been handed to the gateway."),
		failed:             d("pipeline_failed", "1 once the journal or a snapshot failed: orders are refused, restart needed."),
		pinned:             d("matcher_pinned", "1 when the matcher thread is pinned to MatcherCPU."),
		stageLatency:       d("stage_latency_seconds", "Per-stage latency of commands since start (or the last POST /debug/stages?reset=1), from HdrHistogram.", "stage"),
		stageMax:           d("stage_latency_max_seconds", "Largest per-stage latency in the same window.", "stage"),

		mdClients:       d("md_clients", "Sessions with market-data subscriptions now."),
		mdSubscriptions: d("md_subscriptions", "Market-data subscriptions (MDReqIDs with updates) now."),
		mdRefreshes:     d("md_refreshes_total", "Market-data refreshes (a W, or one command's X of one symbol) handed to QuickFIX for sending."),
		mdMessages:      d("md_messages_total", "Market-data messages (W and X) handed to QuickFIX: an X may hold several refreshes of one subscription (a backlog batched)."),
		mdResyncs:       d("md_resyncs_total", "Subscribers that fell behind and were sent fresh snapshots (W) instead of their queued updates."),
		mdSendErrors:    d("md_send_errors_total", "Market-data messages QuickFIX refused (session gone)."),
		mdRequests:      d("md_requests_total", "MarketDataRequests (V) served: subscriptions, snapshots and unsubscribes."),
		mdRejects:       d("md_rejects_total", "MarketDataRequests answered with MarketDataRequestReject (Y)."),
		raft:            newClusterMetrics(),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.ordersIn, c.reportsOut, c.reportsQueued, c.reportsDropped, c.reportsSpilled, c.reportsRegenerated, c.slowConsumers,
		c.messageRejects, c.orderRejects, c.cancelRejects, c.logons, c.logonsRefused, c.sessions, c.cod, c.discarded, c.connEvents,
		c.ringUsed, c.ringCapacity, c.lastSeq, c.journalLag, c.matchLag, c.releaseLag, c.failed, c.pinned,
		c.stageLatency, c.stageMax, c.mdClients, c.mdSubscriptions, c.mdRefreshes, c.mdResyncs, c.mdSendErrors,
		c.mdRequests, c.mdRejects, c.mdMessages} {
		ch <- d
	}
	c.raft.describe(ch)
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	k := &c.gw.Counters
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter(c.ordersIn, k.OrdersIn.Load())
	counter(c.reportsOut, k.ReportsOut.Load())
	counter(c.reportsQueued, k.ReportsQueued.Load())
	counter(c.reportsDropped, k.ReportsDropped.Load())
	counter(c.reportsSpilled, k.ReportsSpilled.Load())
	counter(c.reportsRegenerated, k.ReportsRegenerated.Load())
	counter(c.slowConsumers, k.SlowConsumers.Load())
	for r := gateway.RejectKind(0); r < gateway.NumRejectKinds; r++ {
		counter(c.messageRejects, k.MessageRejects[r].Load(), r.String())
	}
	byCode(counter, c.orderRejects, &k.OrderRejects, orderRejectCodes[:])
	byCode(counter, c.cancelRejects, &k.CancelRejects, cancelRejectCodes[:])
	counter(c.logons, k.LogonsAccepted.Load())
	for r := gateway.RefuseReason(0); r < gateway.NumRefuseReasons; r++ {
		counter(c.logonsRefused, k.LogonsRefused[r].Load(), r.String())
	}
	gauge(c.sessions, float64(c.gw.ActiveSessions()))
	counter(c.cod, k.CancelsOnDisconnect.Load(), "submitted")
	counter(c.cod, k.CancelOnDisconnectFailures.Load(), "failed")
	counter(c.discarded, k.MessagesDiscarded.Load())
	for e := quickfix.ConnectionEventKind(0); e < quickfix.NumConnectionEventKinds; e++ {
		counter(c.connEvents, k.ConnectionEvents[e].Load(), e.String())
	}
	counter(c.mdRequests, k.MarketDataRequests.Load())
	counter(c.mdRejects, k.MarketDataRejects.Load())
	md := c.feed.Stats()
	gauge(c.mdClients, float64(md.Clients))
	gauge(c.mdSubscriptions, float64(md.Subscriptions))
	counter(c.mdRefreshes, md.Refreshes)
	counter(c.mdMessages, md.Messages)
	counter(c.mdResyncs, md.Resyncs)
	counter(c.mdSendErrors, md.SendErrors)

	st := c.pipe.Stats()
	gauge(c.ringUsed, float64(st.InboundUsed), "inbound")
	gauge(c.ringUsed, float64(st.OutboundUsed), "outbound")
	gauge(c.ringCapacity, float64(c.opts.InboundRing), "inbound")
	gauge(c.ringCapacity, float64(c.opts.OutboundRing), "outbound")
	gauge(c.lastSeq, float64(st.Sequenced), "sequenced")
	gauge(c.lastSeq, float64(st.Durable), "durable")
	gauge(c.lastSeq, float64(st.Matched), "matched")
	gauge(c.lastSeq, float64(st.Sent), "released")
	gauge(c.journalLag, lag(st.Sequenced, st.Durable))
	gauge(c.matchLag, lag(st.Sequenced, st.Matched))
	gauge(c.releaseLag, lag(st.Sequenced, st.Sent))
	gauge(c.failed, boolGauge(st.Err != nil))
	gauge(c.pinned, boolGauge(st.MatcherPinned))

	for _, s := range StageLatencies(c.gw, c.pipe, false) {
		h := s.Hist
		q := make(map[float64]float64, len(stageQuantiles))
		for _, p := range stageQuantiles {
			q[p] = float64(h.ValueAtQuantile(p*100)) / 1e9
		}
		n := h.TotalCount()
		ch <- prometheus.MustNewConstSummary(c.stageLatency, uint64(n), h.Mean()*float64(n)/1e9, q, s.Name)
		gauge(c.stageMax, float64(h.Max())/1e9, s.Name)
	}
	c.raft.collect(ch, c.pipe)
}

// byCode exports a counter per reason code: the always-present codes, then any
// other that has counted something.
func byCode(counter func(*prometheus.Desc, uint64, ...string), d *prometheus.Desc, counts *[256]atomic.Uint64, always []int) {
	for code := range counts {
		v := counts[code].Load()
		if v == 0 && !slices.Contains(always, code) {
			continue
		}
		counter(d, v, strconv.Itoa(code))
	}
}

// lag is a - b, or 0 when the stages were read at slightly different moments.
func lag(a, b uint64) float64 {
	if b >= a {
		return 0
	}
	return float64(a - b)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// StageLatencies is every stage of an order's trip through the server, in
// order: the gateway's inbound stage, the pipeline's stages, the gateway's
// outbound stage (gateway/stages.go, pipeline/stages.go).
func StageLatencies(gw *gateway.Gateway, pipe *pipeline.Pipeline, reset bool) []pipeline.StageLatency {
	p := pipe.StageLatencies(reset)
	g := gw.StageLatencies(reset)
	if len(g) != 2 {
		return p
	}
	out := make([]pipeline.StageLatency, 0, len(p)+2)
	out = append(out, g[0])
	out = append(out, p...)
	return append(out, g[1])
}

// newMetricsHandler serves /metrics from its own registry (the server's
// collector, the Go runtime's, the process's), /debug/stages, /book (book.go)
// and, with Options.Pprof, the Go profiler under /debug/pprof/ (CPU, heap,
// goroutines, execution trace), so a slow run can be profiled where it
// happens. Only POST changes state (POST /debug/stages?reset=1); GET with
// reset=1 is refused with 405. With Options.HTTPToken every request, an unknown
// path included, needs the bearer token (httpauth.go).
func newMetricsHandler(c *collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /debug/stages", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("reset") {
		case "", "0":
			serveStages(w, c, false)
		case "1":
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "reset=1 changes state: use POST /debug/stages?reset=1", http.StatusMethodNotAllowed)
		default:
			http.Error(w, "reset must be 0 or 1", http.StatusBadRequest)
		}
	})
	mux.HandleFunc("POST /debug/stages", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("reset") != "1" {
			http.Error(w, "POST /debug/stages resets the histograms: it needs reset=1 (GET reads them)", http.StatusBadRequest)
			return
		}
		serveStages(w, c, true)
	})
	mux.HandleFunc("GET /book", bookHandler(c.feed, c.opts.Engine.Symbols))
	registerClusterHandlers(mux, c)
	if c.opts.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	if c.opts.HTTPToken != "" {
		return bearerAuth(c.opts.HTTPToken, mux)
	}
	return mux
}

// serveStages answers with the stage histograms as JSON, resetting them after
// the read when reset is set.
func serveStages(w http.ResponseWriter, c *collector, reset bool) {
	body, err := json.Marshal(stagehist.NewReport(StageLatencies(c.gw, c.pipe, reset)))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}
