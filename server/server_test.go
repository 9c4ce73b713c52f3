package server

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
	"github.com/openmatch/matchd/replay"
)

// Tags, shorter.
const (
	tMsgType      = fixtag.MsgType
	tExecType     = fixtag.ExecType
	tOrdStatus    = fixtag.OrdStatus
	tClOrdID      = fixtag.ClOrdID
	tOrigClOrdID  = fixtag.OrigClOrdID
	tOrderID      = fixtag.OrderID
	tExecID       = fixtag.ExecID
	tLastQty      = fixtag.LastQty
	tLastPx       = fixtag.LastPx
	tCumQty       = fixtag.CumQty
	tLeavesQty    = fixtag.LeavesQty
	tOrderQty     = fixtag.OrderQty
	tPrice        = fixtag.Price
	tText         = fixtag.Text
	tOrdRejReason = fixtag.OrdRejReason
	tCxlRejReason = fixtag.CxlRejReason
	tMsgSeqNum    = fixtag.MsgSeqNum
	tTimeInForce  = fixtag.TimeInForce
)

type fields = fixtest.Fields

func TestMain(m *testing.M) { os.Exit(fixtest.RunWithLeakCheck(m)) }

// testOptions is a small server on 127.0.0.1:port with its data in dir and
// metrics on a free port, dynamic sessions unless extra says otherwise; extra
// lines go at the end of [DEFAULT] (and may open [SESSION]s).
func testOptions(t *testing.T, dir string, port int, extra string) (Options, *syncbuf.Buffer) {
	t.Helper()
	if !strings.Contains(extra, "DynamicSessions=") {
		extra = "DynamicSessions=Y\n" + extra
	}
	o, err := Parse("test.cfg", `[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
DataDir=`+dir+`
Symbols=AAPL:0.01:0.01-10000.00,MSFT:0.01:0.01-10000.00,TEST:0.01:0.01-10000.00
MaxOrders=4096
MaxLevels=1024
ClOrdIDHistory=4096
InboundRing=1024
OutboundRing=4096
MetricsAddr=127.0.0.1:0
`+extra)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	o.Logger = zerolog.New(logs).Level(zerolog.InfoLevel)
	return o, logs
}

// startServer runs New and Start; the server is closed at the end of the test.
func startServer(t *testing.T, o Options) *Server {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func client(t *testing.T, port int, begin, name string, ids *fixtest.ExecIDs) *fixtest.Client {
	t.Helper()
	return fixtest.Connect(t, fixtest.Options{Port: port, BeginString: begin, Name: name, ExecIDs: ids})
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	return httpDo(t, http.MethodGet, url, "")
}

func httpPost(t *testing.T, url string) (int, string) {
	t.Helper()
	return httpDo(t, http.MethodPost, url, "")
}

// httpDo sends a request without a body, with "Authorization: Bearer token"
// unless token is empty, and returns the status and the body.
func httpDo(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestTradeCancelReplaceReject runs the real server (gateway, pipeline, journal)
// against two QuickFIX/Go initiators, one FIX 4.4 and one FIX 4.2: a trade with
// both sides' fills, a cancel, a replace, rejects; then the metrics endpoint,
// /debug/stages, the profiler (Pprof=Y), and the journal replayed to the same
// numbers.
func TestTradeCancelReplaceReject(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	o, logs := testOptions(t, dir, port, "Pprof=Y\n")
	s := startServer(t, o)
	ids := &fixtest.ExecIDs{}
	a := client(t, port, "FIX.4.4", "SRV_A", ids)
	b := client(t, port, "FIX.4.2", "SRV_B", ids)

	// A trade: both owners get their fill, each on its own session.
	a.Send("35=D|11=a1|55=AAPL|54=1|38=100|40=2|44=10.00|59=1")
	acc := a.Expect(fields{tExecType: "0", tOrdStatus: "0", tClOrdID: "a1", tLeavesQty: "100", tCumQty: "0"})
	b.Send("35=D|11=b1|55=AAPL|54=2|38=40|40=2|44=9.99")
	b.Expect(fields{tExecType: "0", tClOrdID: "b1"})
	b.Expect(fields{tExecType: "2", tOrdStatus: "2", tClOrdID: "b1", tLastQty: "40", tLastPx: "10.00", tLeavesQty: "0"})
	a.Expect(fields{tExecType: "F", tOrdStatus: "1", tClOrdID: "a1", tOrderID: acc[tOrderID], tLastQty: "40",
		tLastPx: "10.00", tCumQty: "40", tLeavesQty: "60"})

	// A replace (quantity up: loses priority) and a cancel.
	a.Send("35=G|11=a1r|41=a1|55=AAPL|54=1|38=150|40=2|44=10.01|59=1")
	a.Expect(fields{tExecType: "5", tClOrdID: "a1r", tOrigClOrdID: "a1", tOrderQty: "150", tPrice: "10.01",
		tLeavesQty: "110", tCumQty: "40", tOrderID: acc[tOrderID]})
	a.Send("35=F|11=a1c|41=a1r|55=AAPL|54=1")
	a.Expect(fields{tExecType: "4", tOrdStatus: "4", tClOrdID: "a1c", tOrigClOrdID: "a1r", tLeavesQty: "0", tCumQty: "40"})

	// Rejects: unknown symbol, another session's order, a malformed message.
	a.Send("35=D|11=a2|55=ZZZZ|54=1|38=1|40=2|44=1.00")
	a.Expect(fields{tExecType: "8", tOrdStatus: "8", tOrdRejReason: "1", tLeavesQty: "0", tCumQty: "0"})
	b.Send("35=D|11=b2|55=MSFT|54=2|38=5|40=2|44=20.00|59=1")
	b.Expect(fields{tExecType: "0", tClOrdID: "b2"})
	a.Send("35=F|11=a3|41=b2|55=MSFT|54=2")
	a.Expect(fields{tMsgType: "9", tCxlRejReason: "1", tClOrdID: "a3", tOrigClOrdID: "b2"})
	a.Send("35=D|11=a4|55=MSFT|54=7|38=5|40=2|44=20.00")
	a.Expect(fields{tMsgType: "3"})
	b.Quiet(100 * 1e6) // nothing reached B's order

	// Metrics: the names an operator's dashboards need, with the values of this test.
	base := "http://" + s.MetricsAddr()
	code, body := httpGet(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		"matchd_orders_in_total 7", "matchd_reports_out_total 9", `matchd_order_rejects_total{reason="1"} 1`,
		`matchd_cancel_rejects_total{reason="1"} 1`, `matchd_message_rejects_total{reason="bad_value"} 1`,
		"matchd_sessions 2", "matchd_logons_total 2", `matchd_logons_refused_total{reason="unknown_session"} 0`,
		`matchd_cancel_on_disconnect_total{result="submitted"} 0`, `matchd_cancel_on_disconnect_total{result="failed"} 0`,
		`matchd_ring_used_slots{ring="inbound"}`, `matchd_ring_capacity_slots{ring="outbound"} 4096`,
		`matchd_last_seq{stage="durable"} 7`, "matchd_journal_lag_commands 0", "matchd_match_lag_commands 0",
		"matchd_release_lag_commands 0", "matchd_pipeline_failed 0", "matchd_reports_dropped_total 0",
		`matchd_stage_latency_seconds{stage="gateway_to_sequenced",quantile="0.9999"}`,
		`matchd_stage_latency_seconds_count{stage="sequenced_to_released"} 7`,
		`matchd_stage_latency_max_seconds{stage="sequenced_to_journaled"}`,
		"go_gc_duration_seconds", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// /debug/stages: exactly the fields bench fix reads; POST ?reset=1 empties them.
	code, body = httpGet(t, base+"/debug/stages")
	if code != 200 {
		t.Fatalf("/debug/stages: %d %s", code, body)
	}
	var st struct {
		Stages []struct {
			Name  string `json:"name"`
			Count int64  `json:"count"`
			P50   int64  `json:"p50_ns"`
			P90   int64  `json:"p90_ns"`
			P99   int64  `json:"p99_ns"`
			P999  int64  `json:"p999_ns"`
			P9999 int64  `json:"p9999_ns"`
			Max   int64  `json:"max_ns"`
			Hdr   string `json:"hdr"`
		} `json:"stages"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		t.Fatalf("/debug/stages: %v in %s", err, body)
	}
	var names []string
	for _, g := range st.Stages {
		names = append(names, g.Name)
		// 7 commands; sequenced_to_quickfix counts each command once per
		// session it reports to, and the trade reported to both.
		want := int64(7)
		if g.Name == "sequenced_to_quickfix" {
			want = 8
		}
		if g.Count != want || g.P50 <= 0 || g.P50 > g.P90 || g.P90 > g.P99 || g.P99 > g.P999 || g.P999 > g.P9999 || g.P9999 > g.Max {
			t.Errorf("stage %+v", g)
		}
		h, err := hdrhistogram.Decode([]byte(g.Hdr))
		if err != nil || h.TotalCount() != g.Count || h.Max() != g.Max {
			t.Errorf("stage %s: hdr decodes to %v (count %d, max %d)", g.Name, err, h.TotalCount(), h.Max())
		}
	}
	if got := strings.Join(names, ","); got != "wire_to_gateway,gateway_to_sequenced,sequenced_to_journaled,sequenced_to_matched,sequenced_to_released,sequenced_to_quickfix" {
		t.Fatalf("stages %s", got)
	}
	if code, body = httpPost(t, base+"/debug/stages?reset=1"); code != 200 || !strings.Contains(body, `"count":7`) {
		t.Fatalf("reset read: %d %s", code, body)
	}
	if _, body = httpGet(t, base+"/debug/stages"); strings.Count(body, `"count":0`) != 6 {
		t.Fatalf("after reset: %s", body)
	}
	if code, _ = httpGet(t, base+"/debug/stages?reset=yes"); code != 400 {
		t.Fatalf("reset=yes: %d", code)
	}
	// The profiler: its index, and a goroutine dump naming the gateway.
	if code, body = httpGet(t, base+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/: %d %.200s", code, body)
	}
	if code, body = httpGet(t, base+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "matchd/gateway") {
		t.Fatalf("/debug/pprof/goroutine: %d %.200s", code, body)
	}

	// Graceful close, then the journal replays to the same state.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: o.Engine})
	if err != nil || res.Commands != 7 {
		t.Fatalf("replay: %d commands, %v", res.Commands, err)
	}
	for _, want := range []string{`"message":"books recovered"`, `"message":"matchd ready"`, `"message":"matchd stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
}
