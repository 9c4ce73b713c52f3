package fixbench

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/internal/fixtest"
)

// opts is a short, low-rate run against s, with sender CompIDs unique to the
// test (QuickFIX registers sessions process-wide).
func opts(s *testServer, prefix string) Options {
	o := DefaultOptions()
	o.Port, o.Metrics, o.SenderPrefix = s.port, s.metrics, prefix
	o.Symbols = []string{"AAPL", "MSFT", "TEST"}
	// A generous grace: the machine running the tests may be busy, and a run
	// only waits it out when orders are missing.
	o.Rate, o.Count, o.Cross, o.Grace = 1000, 400, 0.2, 10*time.Second
	return o
}

func run(t *testing.T, o Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEveryOrderAcknowledged(t *testing.T) {
	s := startServer(t, 0)
	res := run(t, opts(s, "ACK"))
	ack, fill := res.Ack, res.Fill
	if ack.Count != 400 || ack.Load == nil || ack.Load.Sent != 400 || ack.Load.Lost != 0 || ack.Load.Spurious != 0 {
		t.Fatalf("ack run: count %d load %+v", ack.Count, ack.Load)
	}
	c := ack.Counters
	if c[CounterAcked] != 400 || c[CounterRejected] != 0 || c[CounterLost] != 0 || c[CounterRefused] != 0 || c[CounterSessionReject] != 0 || c[CounterLogouts] != 0 {
		t.Errorf("ack counters %v", c)
	}
	if len(res.Lost) != 0 {
		t.Errorf("lost %v", res.Lost)
	}
	// About 20% of the orders are takers; each filled against its maker.
	f := fill.Counters
	if f[CounterTakers] < 40 || f[CounterTakers] > 120 || f[CounterFills] != f[CounterTakers] || f[CounterMissingFills] != 0 || fill.Count != f[CounterTakers] {
		t.Errorf("fill run: count %d counters %v", fill.Count, f)
	}
	if Summarize := bench.Summarize; Summarize(fill.Latency).P50 < Summarize(ack.Latency).P50/2 {
		t.Errorf("fills (p50 %d) much faster than acks (p50 %d)?", Summarize(fill.Latency).P50, Summarize(ack.Latency).P50)
	}
	// The server's stages were cleared before the run and count exactly its orders.
	// Both processes' CPU was read (here they are one process, so the
	// server's figure covers the client's too).
	if res.ServerCPUErr != "" || res.ServerCPU <= 0 || res.ClientCPU <= 0 {
		t.Errorf("cpu: client %v server %v (%s)", res.ClientCPU, res.ServerCPU, res.ServerCPUErr)
	}
	// The client's send lag covers every order sent.
	if res.Runs[2].Name != "client/send_lag" || res.Runs[2].Count != 400 {
		t.Errorf("third run %s has %d values, want client/send_lag with 400", res.Runs[2].Name, res.Runs[2].Count)
	}
	// The server's stages were cleared before the run and count exactly its
	// orders; sequenced_to_quickfix counts an order once per session it
	// reports to, so a taker that filled another session's maker adds one.
	if res.StagesErr != "" || res.Stages == nil || len(res.Runs) != 3+len(res.Stages.Stages) || len(res.Stages.Stages) != 6 {
		t.Fatalf("stages error %q, %d runs", res.StagesErr, len(res.Runs))
	}
	for _, r := range res.Runs[3:] {
		lo, hi := int64(400), int64(400)
		if r.Name == "server/sequenced_to_quickfix" {
			hi += f[CounterTakers]
		}
		if !strings.HasPrefix(r.Name, "server/") || r.Count < lo || r.Count > hi {
			t.Errorf("server run %s has %d values, want %d..%d", r.Name, r.Count, lo, hi)
		}
	}
	// The book holds no leftover maker: every maker was taken.
	s.stop(t)
	if n := s.pipe.Engine().Resting(); n != 0 {
		t.Errorf("%d orders left resting", n)
	}
}

// TestClosedLoop: with -inflight every session keeps at most that many orders
// unacknowledged; every order of a duration-bound run is acknowledged and its
// makers and takers still pair up (a taker is sent after its maker's ack).
func TestClosedLoop(t *testing.T) {
	s := startServer(t, 0)
	o := opts(s, "CLOSED")
	o.Count, o.Duration, o.Rate, o.InFlight = 0, 300*time.Millisecond, 1_000_000, 2 // the rate only caps: 300,000 at most
	res := run(t, o)
	l := res.Ack.Load
	if l == nil || l.InFlight != 2*o.Sessions || l.Stalled != 0 || l.Sent < 10 || l.Sent >= 300_000 ||
		l.Scheduled != l.Sent || l.Completed != l.Sent || res.Ack.Counters[CounterAcked] != l.Sent {
		t.Fatalf("closed-loop ack run: load %+v, counters %v", l, res.Ack.Counters)
	}
	if f := res.Fill.Counters; f[CounterFills] != f[CounterTakers] || f[CounterMissingFills] != 0 {
		t.Errorf("fills %v", f)
	}
	if got := res.Ack.Settings["in_flight"]; got != "2 per session (closed loop)" {
		t.Errorf("settings in_flight %q", got)
	}
}

func TestLostOrdersAreDetected(t *testing.T) {
	s := startServer(t, 10) // the server silently drops every 10th order
	o := opts(s, "LOST")
	// The run waits out the grace (orders are missing): long enough for the
	// others' acks on a busy machine, short enough for a test.
	o.Count, o.Cross, o.Grace = 100, 0, 5*time.Second
	res := run(t, o)
	if got := res.Ack.Load.Lost; got != 10 || res.Ack.Counters[CounterLost] != 10 || res.Ack.Counters[CounterAcked] != 90 {
		t.Errorf("lost %d, counters %v; want 10 lost of 100", got, res.Ack.Counters)
	}
	if len(res.Lost) != 10 || !strings.HasPrefix(res.Lost[0], "LOST") {
		t.Errorf("lost list %q", res.Lost)
	}
	if s.sink.dropped.Load() != 10 {
		t.Errorf("server dropped %d", s.sink.dropped.Load())
	}
}

func TestServerStoppedMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a server shutdown")
	}
	s := startServer(t, 0)
	o := opts(s, "STOP")
	// 600 orders over 1.2 s; the server stops once 100 have reached it, so about
	// a second of the schedule is still ahead of the client (a margin far above
	// the send lag of a busy machine).
	o.Count, o.Rate, o.Grace = 600, 500, time.Second
	go func() {
		for s.gw.Counters.OrdersIn.Load() < 100 {
			time.Sleep(time.Millisecond)
		}
		s.stop(t)
	}()
	res := run(t, o)
	a := res.Ack
	if a.Load.Sent != 600 || a.Load.Lost == 0 || a.Load.Completed == 0 || a.Load.Lost+a.Load.Completed != 600 {
		t.Errorf("load %+v: want some acked before the stop and the rest lost", a.Load)
	}
	if a.Counters[CounterLogouts] == 0 {
		t.Errorf("counters %v: the logout was not counted", a.Counters)
	}
}

func TestRejectsAndUnreachableStages(t *testing.T) {
	s := startServer(t, 0)
	o := opts(s, "REJ")
	o.Symbols = []string{"ZZZZ"}
	o.Count, o.Cross = 50, 0
	o.Metrics = freeAddr(t)
	res := run(t, o)
	if c := res.Ack.Counters; c[CounterRejected] != 50 || c[CounterAcked] != 0 || c[CounterLost] != 0 {
		t.Errorf("counters %v: want every order rejected (and answered)", c)
	}
	if !strings.Contains(strings.ToLower(res.Texts["rejected"]), "symbol") {
		t.Errorf("reject text %q", res.Texts["rejected"])
	}
	if res.StagesErr == "" || res.Stages != nil || len(res.Runs) != 3 {
		t.Errorf("stages from a closed port: error %q, %d runs", res.StagesErr, len(res.Runs))
	}
}

func TestLogonRefused(t *testing.T) {
	s := startServer(t, 0)
	o := opts(s, "NOPE")
	o.Target = "NOT_ENGINE"
	o.LogonTimeout = 2 * time.Second
	_, err := Run(context.Background(), o, nil)
	if err == nil || !strings.Contains(err.Error(), "not logged on") {
		t.Errorf("error %v, want a logon failure", err)
	}
}

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	return "127.0.0.1:" + strconv.Itoa(fixtest.FreePort(t))
}

func TestInterruptedRunReportsWhatWasSent(t *testing.T) {
	if testing.Short() {
		t.Skip("a second server round trip")
	}
	s := startServer(t, 0)
	o := opts(s, "INT")
	o.Count, o.Rate = 100000, 1000 // 100 s: interrupted long before
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for s.gw.Counters.OrdersIn.Load() < 50 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	res, err := Run(ctx, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Ack.Load; !res.Interrupted || l.Sent < 50 || l.Sent >= 100000 || l.Completed == 0 || res.Ack.Count != l.Completed {
		t.Errorf("interrupted %v, load %+v", res.Interrupted, l)
	}
	if res.StagesErr != "" || len(res.Runs) != 9 {
		t.Errorf("stages error %q, %d runs: the server's figures are still wanted", res.StagesErr, len(res.Runs))
	}
}

// TestBareServer: the bare QuickFIX/Go acceptor acknowledges every order of an
// open-loop and of a closed-loop run, once each.
func TestBareServer(t *testing.T) {
	port := fixtest.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- ServeBare(ctx, BareOptions{Host: "127.0.0.1", Port: port, CompID: "ENGINE", Ready: func() { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Port, o.Metrics, o.SenderPrefix, o.Cross, o.PassiveDay, o.Grace = port, "", "BAREO", 0, true, 10*time.Second
	o.Rate, o.Count = 1000, 300
	res := run(t, o)
	if c := res.Ack.Counters; c[CounterAcked] != 300 || c[CounterLost] != 0 || c[CounterForeign] != 0 || res.Ack.Load.Spurious != 0 {
		t.Errorf("open loop: counters %v, load %+v", c, res.Ack.Load)
	}
	o.SenderPrefix, o.Rate, o.Count, o.InFlight = "BAREC", 1e6, 500, 1
	res = run(t, o)
	if c := res.Ack.Counters; c[CounterAcked] != 500 || c[CounterLost] != 0 || res.Ack.Load.Stalled != 0 {
		t.Errorf("closed loop: counters %v, load %+v", c, res.Ack.Load)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := ServeBare(context.Background(), BareOptions{Host: "127.0.0.1", Port: 0, CompID: "ENGINE"}); err == nil {
		t.Error("port 0 accepted")
	}
}
