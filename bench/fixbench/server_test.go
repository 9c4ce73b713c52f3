package fixbench

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/stagehist"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/pipeline"
	"github.com/openmatch/matchd/server"
)

// testServer is matchd in miniature: the gateway in front of the pipeline,
// with the stage endpoint on its own HTTP server.
type testServer struct {
	port    int
	metrics string
	gw      *gateway.Gateway
	pipe    *pipeline.Pipeline
	sink    *dropSink
	http    *httptest.Server
	stopped atomic.Bool
}

// dropSink submits to the pipeline but silently drops every dropEvery-th
// command (0: none), as a broken server would.
type dropSink struct {
	p         *pipeline.Pipeline
	dropEvery int64
	n         atomic.Int64
	dropped   atomic.Int64
}

func (s *dropSink) Submit(cmd *engine.Command) error {
	if n := s.n.Add(1); s.dropEvery > 0 && n%s.dropEvery == 0 {
		s.dropped.Add(1)
		return nil
	}
	return s.p.Submit(cmd)
}

// testConfig is a small engine: three symbols, prices up to 10,000.00.
func testConfig() engine.Config {
	cfg := engine.Config{MaxOrders: 1 << 14, MaxLevels: 1 << 12, History: 1 << 14, MaxQty: 1_000_000}
	for _, n := range []string{"AAPL", "MSFT", "TEST"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: n, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1_000_000})
	}
	return cfg
}

// startServer runs a test server until the end of the test.
func startServer(t *testing.T, dropEvery int64) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := testConfig()
	s := &testServer{port: fixtest.FreePort(t), sink: &dropSink{dropEvery: dropEvery}}
	var err error
	s.gw, err = gateway.New(gateway.Options{Port: s.port, ListenHost: "127.0.0.1", DataDir: filepath.Join(dir, "fix"),
		Symbols: cfg.Symbols, Sink: s.sink, RatePerSecond: -1, ResetOnLogon: true, StageTiming: true})
	if err != nil {
		t.Fatal(err)
	}
	s.pipe, _, err = pipeline.Open(pipeline.Options{Engine: cfg, Dir: filepath.Join(dir, "data"), Durability: journal.PolicyNone,
		StageTiming: true, MatcherCPU: -1})
	if err != nil {
		s.gw.Stop()
		t.Fatal(err)
	}
	if err := s.pipe.Start(s.gw); err != nil {
		s.pipe.Close()
		s.gw.Stop()
		t.Fatal(err)
	}
	s.sink.p = s.pipe
	if err := s.gw.Start(); err != nil {
		s.pipe.Close()
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/stages", s.stages)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.http = httptest.NewServer(mux)
	s.metrics = s.http.Listener.Addr().String()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stages answers GET /debug/stages as matchd does (and /metrics has
// matchd's process_cpu_seconds_total).
func (s *testServer) stages(w http.ResponseWriter, r *http.Request) {
	reset := r.URL.Query().Get("reset") == "1"
	if reset && r.Method != http.MethodPost { // matchd resets on POST only
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	out := stagehist.NewReport(server.StageLatencies(s.gw, s.pipe, reset))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// stop shuts the server down (idempotent): FIX first, then the pipeline.
func (s *testServer) stop(t *testing.T) {
	if !s.stopped.CompareAndSwap(false, true) {
		return
	}
	s.gw.Stop()
	if err := s.pipe.Close(); err != nil {
		t.Errorf("closing the pipeline: %v", err)
	}
	s.http.Close()
}
