package gateway

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// countSink accepts every command and remembers the last.
type countSink struct {
	n    int
	last engine.Command
}

func (s *countSink) Submit(cmd *engine.Command) error {
	s.n++
	s.last = *cmd
	return nil
}

// newIdleGateway builds a gateway that is never started; its zero Logger
// discards everything.
func newIdleGateway(t testing.TB, sink Sink) *Gateway {
	t.Helper()
	gw, err := New(Options{DataDir: t.TempDir(), Port: 1, Symbols: testSymbols(), Sink: sink, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Stop)
	return gw
}

// TestFromAppNoAllocs: the whole inbound path the gateway owns (session lookup,
// rate limiter, decode, submit) allocates nothing once warm.
func TestFromAppNoAllocs(t *testing.T) {
	sink := &countSink{}
	gw := newIdleGateway(t, sink)
	sid := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "ALLOC"}
	s := gw.addSession(sid, 1)
	s.limiter.interval, s.limiter.tau = 1, 1<<62 // limited, but never reached
	msg := parsedMsg(t, "35=D|11=order-1|55=AAPL|54=1|38=100|40=2|44=100.25|59=1")
	a := app{gw}
	if rej := a.FromApp(msg, sid); rej != nil {
		t.Fatal(rej)
	}
	before := time.Now().UnixNano()
	if rej := a.FromApp(msg, sid); rej != nil {
		t.Fatal(rej)
	}
	if sink.last.Owner != 1 || sink.last.Price != 10025 || sink.last.Kind != engine.KindNew {
		t.Fatalf("submitted %+v", sink.last)
	}
	if r := sink.last.Received; r < before || r > time.Now().UnixNano() {
		t.Fatalf("Received = %d, want the decode time (>= %d)", r, before)
	}
	if n := testing.AllocsPerRun(200, func() { a.FromApp(msg, sid) }); n != 0 {
		t.Fatalf("%v allocs per FromApp, want 0", n)
	}
	if got := gw.Counters.OrdersIn.Load(); got != uint64(sink.n) {
		t.Fatalf("OrdersIn %d, submitted %d", got, sink.n)
	}
}

// TestZeroLoggerAndUnknownOwner: a gateway with the zero Logger works, and a
// report for an owner it does not know is counted as dropped, not lost silently.
func TestZeroLoggerAndUnknownOwner(t *testing.T) {
	gw := newIdleGateway(t, &countSink{})
	gw.Deliver(&engine.Event{Owner: 99, ExecID: 1, Kind: engine.EvRejected, Reason: engine.ReasonBadQty})
	if gw.Counters.ReportsDropped.Load() != 1 || gw.Counters.OrderRejects[engine.ReasonBadQty].Load() != 1 {
		t.Fatal("unknown owner's report not counted")
	}
	// A known but offline owner's report is parked.
	sid := quickfix.SessionID{BeginString: "FIX.4.2", SenderCompID: DefaultCompID, TargetCompID: "P"}
	s := gw.addSession(sid, 1)
	gw.Deliver(&engine.Event{Owner: 1, ExecID: 2, Kind: engine.EvAccepted})
	if s.pending.len() != 1 || gw.Counters.ReportsQueued.Load() != 1 {
		t.Fatal("offline report not parked")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	ok := Options{DataDir: t.TempDir(), Symbols: testSymbols(), Sink: &countSink{}}
	for name, o := range map[string]Options{
		"no data dir": {Symbols: ok.Symbols, Sink: ok.Sink},
		"no sink":     {DataDir: ok.DataDir, Symbols: ok.Symbols},
		"no symbols":  {DataDir: ok.DataDir, Sink: ok.Sink},
		"bad tick":    {DataDir: ok.DataDir, Sink: ok.Sink, Symbols: []engine.SymbolConfig{{Name: "X", TickDecimals: 2}}},
		"no file":     {DataDir: ok.DataDir, Sink: ok.Sink, Symbols: ok.Symbols, SettingsFile: ok.DataDir + "/missing.cfg"},
	} {
		if gw, err := New(o); err == nil {
			gw.Stop()
			t.Errorf("%s: accepted", name)
		} else if err.Error()[:8] != "gateway:" {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

func BenchmarkFromApp(b *testing.B) {
	sink := &countSink{}
	gw := newIdleGateway(b, sink)
	sid := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "BENCH"}
	gw.addSession(sid, 1)
	msg := parsedMsg(b, "35=D|11=order-1|55=AAPL|54=1|38=100|40=2|44=100.25|59=1")
	a := app{gw}
	b.ReportAllocs()
	for b.Loop() {
		a.FromApp(msg, sid)
	}
}

func BenchmarkBuildReport(b *testing.B) {
	syms, _ := newSymbolTable(testSymbols())
	id, _ := engine.MakeID("order-1")
	ev := engine.Event{ExecID: 42, Time: 1_700_000_000_123_456_789, OrderID: 7, Kind: engine.EvFill,
		Status: engine.StatusPartiallyFilled, Side: engine.Buy, Type: engine.Limit, TIF: engine.Day, Price: 10025,
		OrderQty: 300, LastQty: 100, LastPx: 10025, CumQty: 100, LeavesQty: 200, Notional: 1002500, ClOrdID: id}
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buildReport(&ev, false, syms)
		}
	})
	b.Run("reused", func(b *testing.B) {
		rb := newReportBuilder()
		b.ReportAllocs()
		for b.Loop() {
			rb.build(&ev, false, syms)
		}
	})
}

// TestStartFailsCleanly: a port in use makes Start fail with an error; Stop
// afterwards returns and leaves nothing registered.
func TestStartFailsCleanly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	for i := 0; i < 2; i++ { // the second round would fail if the first left sessions registered
		dir := t.TempDir()
		cfg := filepath.Join(dir, "gw.cfg")
		os.WriteFile(cfg, []byte("[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort="+
			strconv.Itoa(port)+"\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=BUSY\n"), 0o644)
		gw, err := New(Options{DataDir: dir, SettingsFile: cfg, Symbols: testSymbols(), Sink: &countSink{}})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := gw.Start(); err == nil || !strings.HasPrefix(err.Error(), "gateway: start:") {
			t.Fatalf("round %d: Start on a busy port: %v", i, err)
		}
		gw.Stop()
	}
}

// TestParseSettings: text QuickFIX/Go's parser would crash on is refused with the
// line; text without a [SESSION] header (a commented one does not count) gets the
// listener placeholder.
func TestParseSettings(t *testing.T) {
	for _, text := range []string{"Port=1\n[DEFAULT]\nSenderCompID=ENGINE\n", "# comment\nX=1\n"} {
		if _, err := ParseSettings(text); err == nil || !strings.Contains(err.Error(), "comes before the first [DEFAULT] or [SESSION] header") {
			t.Errorf("%q: %v", text, err)
		}
	}
	s, err := ParseSettings("[DEFAULT]\r\nSenderCompID=ENGINE\r\nDynamicSessions=Y\r\n# [SESSION]\r\n")
	if err != nil {
		t.Fatal(err)
	}
	for sid := range s.SessionSettings() {
		if !strings.HasPrefix(sid.TargetCompID, listenerCompID) {
			t.Fatalf("session %v, want only the placeholder", sid)
		}
	}
	gw, err := New(Options{DataDir: t.TempDir(), Settings: s, Symbols: testSymbols(), Sink: &countSink{}})
	if err != nil {
		t.Fatal(err)
	}
	gw.Stop()
}
