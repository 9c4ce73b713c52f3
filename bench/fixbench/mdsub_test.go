package fixbench

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// mdFakeApp is a QuickFIX/Go acceptor that acts as a market-data server of
// known output: each MarketDataRequest gets one W per symbol (one bid
// entry), each NewOrderSingle first one X to every subscriber (a bid level
// and a trade: two entries) and then its ExecutionReport New; the
// resyncAt-th order also sends the first subscriber another W, and the
// batchAt-th order's X also carries a bid and a trade of another symbol (as
// the server's batched X of a backlog does).
type mdFakeApp struct {
	bareApp
	symbols  []string
	resyncAt int
	batchAt  int

	mu2    sync.Mutex
	subs   []quickfix.SessionID
	reqIDs map[quickfix.SessionID]string
	orders int
}

func (a *mdFakeApp) FromApp(m *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	if m.IsMsgTypeOf(fixtag.MsgTypeMarketDataRequest) {
		req, _ := m.Body.GetString(fixtag.MDReqID)
		if sub, _ := m.Body.GetString(fixtag.SubscriptionRequestType); sub != "1" {
			return quickfix.NewBusinessMessageRejectError("want 263=1", 0, nil)
		}
		a.mu2.Lock()
		a.subs = append(a.subs, sid)
		a.reqIDs[sid] = req
		a.mu2.Unlock()
		for _, sym := range a.symbols {
			if err := quickfix.SendToTarget(a.snapshot(req, sym), sid); err != nil {
				return quickfix.NewBusinessMessageRejectError(err.Error(), 0, nil)
			}
		}
		return nil
	}
	if m.IsMsgTypeOf(fixtag.MsgTypeNewOrderSingle) {
		sym, _ := m.Body.GetString(fixtag.Symbol)
		a.mu2.Lock()
		a.orders++
		resync, batch := a.orders == a.resyncAt, a.orders == a.batchAt
		subs := append([]quickfix.SessionID(nil), a.subs...)
		a.mu2.Unlock()
		for i, s := range subs {
			x := quickfix.NewMessage()
			x.Header.SetString(fixtag.MsgType, fixtag.MsgTypeMarketDataIncremental)
			x.Body.SetString(fixtag.MDReqID, a.reqIDs[s])
			g := quickfix.NewRepeatingGroup(fixtag.NoMDEntries, quickfix.GroupTemplate{quickfix.GroupElement(279),
				quickfix.GroupElement(fixtag.MDEntryType), quickfix.GroupElement(fixtag.Symbol), quickfix.GroupElement(270), quickfix.GroupElement(271)})
			syms := []string{sym}
			if batch {
				syms = append(syms, "OTHER")
			}
			for _, sym := range syms {
				for _, typ := range []string{"0", "2"} {
					e := g.Add()
					e.SetString(279, "0")
					e.SetString(fixtag.MDEntryType, typ)
					e.SetString(fixtag.Symbol, sym)
					e.SetString(270, "100.00")
					e.SetString(271, "1")
				}
			}
			x.Body.SetGroup(g)
			quickfix.SendToTarget(x, s)
			if resync && i == 0 {
				quickfix.SendToTarget(a.snapshot(a.reqIDs[s], sym), s)
			}
		}
	}
	return a.bareApp.FromApp(m, sid)
}

func (a *mdFakeApp) snapshot(req, sym string) *quickfix.Message {
	w := quickfix.NewMessage()
	w.Header.SetString(fixtag.MsgType, fixtag.MsgTypeMarketDataSnapshot)
	w.Body.SetString(fixtag.MDReqID, req)
	w.Body.SetString(fixtag.Symbol, sym)
	g := quickfix.NewRepeatingGroup(fixtag.NoMDEntries, quickfix.GroupTemplate{quickfix.GroupElement(fixtag.MDEntryType),
		quickfix.GroupElement(270), quickfix.GroupElement(271)})
	e := g.Add()
	e.SetString(fixtag.MDEntryType, "0")
	e.SetString(270, "99.00")
	e.SetString(271, "5")
	w.Body.SetGroup(g)
	return w
}

// startMDFake runs mdFakeApp on a free port until the end of the test.
func startMDFake(t *testing.T, symbols []string, resyncAt, batchAt int) int {
	t.Helper()
	port := fixtest.FreePort(t)
	settings, err := quickfix.ParseSettings(strings.NewReader("[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort=" +
		strconv.Itoa(port) + "\nDynamicSessions=Y\nResetOnLogon=Y\nHeartBtInt=30\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=MD-LISTENER\n"))
	if err != nil {
		t.Fatal(err)
	}
	app := &mdFakeApp{bareApp: bareApp{msgs: map[quickfix.SessionID]*quickfix.Message{}}, symbols: symbols, resyncAt: resyncAt, batchAt: batchAt,
		reqIDs: map[quickfix.SessionID]string{}}
	acc, err := quickfix.NewAcceptor(app, quickfix.NewMemoryStoreFactory(), settings, quickfix.NewNullLogFactory())
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.Stop)
	return port
}

// TestMDSubscribersCount: against a server of known market-data output,
// every W, X, entry and trade entry each subscriber received is counted,
// a snapshot during the load counts as a resync, and an X that carries two
// commands' entries counts as one message with all its entries.
func TestMDSubscribersCount(t *testing.T) {
	symbols := []string{"AAPL", "MSFT", "TEST"}
	port := startMDFake(t, symbols, 50, 70)
	o := DefaultOptions()
	o.Port, o.Metrics, o.SenderPrefix, o.Symbols, o.Cross, o.PassiveDay, o.Grace = port, "", "MDC", symbols, 0, true, 10*time.Second
	o.Rate, o.Count, o.MDSubscribers = 1000, 200, 3
	res := run(t, o)
	if c := res.Ack.Counters; c[CounterAcked] != 200 || c[CounterLost] != 0 || c[CounterForeign] != 0 {
		t.Fatalf("orders: counters %v", c)
	}
	xEntries := int64(3*200*2 + 3*2)
	want := MDStats{Subscribers: 3, Initial: 3 * 3, Resyncs: 1, Incrementals: 3 * 200, IncrementalEntries: xEntries,
		Entries: 3*3 + xEntries + 1, Trades: 3*200 + 3}
	if res.MD == nil || *res.MD != want {
		t.Fatalf("md stats %+v, want %+v", res.MD, want)
	}
	c := res.Ack.Counters
	if c[CounterMDInitial] != 9 || c[CounterMDResyncs] != 1 || c[CounterMDIncrementals] != 600 || c[CounterMDXEntries] != xEntries ||
		c[CounterMDEntries] != want.Entries || c[CounterMDTrades] != want.Trades || c[CounterMDRejects] != 0 || c[CounterMDLogouts] != 0 {
		t.Errorf("ack counters %v", c)
	}
	if s := res.Ack.Settings["md_subscribers"]; !strings.HasPrefix(s, "3 ") {
		t.Errorf("settings md_subscribers %q", s)
	}
}

// TestMDSubscribersRefused: a server that does not serve market data (the
// gateway before CONTRACT §6) refuses the subscription, and the run fails
// before any order is sent, with the server's text.
func TestMDSubscribersRefused(t *testing.T) {
	s := startServer(t, 0)
	o := opts(s, "MDR")
	o.MDSubscribers = 2
	_, err := Run(t.Context(), o, nil)
	if err == nil || !strings.Contains(err.Error(), "fixbench: market-data subscriber MDRMD1: MarketDataRequest refused") {
		t.Fatalf("Run: %v", err)
	}
	t.Log(err)
}

func TestMDSubscribersOptions(t *testing.T) {
	o := DefaultOptions()
	for _, n := range []int{-1, 1001} {
		o.MDSubscribers = n
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "market-data subscribers") {
			t.Errorf("MDSubscribers %d: %v", n, err)
		}
	}
	o.MDSubscribers, o.SenderPrefix = 10, strings.Repeat("P", 30)
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("long prefix: %v", err)
	}
	o.SenderPrefix = "BENCH"
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
	if got := mdSenderID("BENCH", 0); got != "BENCHMD1" {
		t.Errorf("mdSenderID = %q", got)
	}
}
