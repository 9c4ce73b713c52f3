package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/fixbench"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/server"
)

// TestMain gives the tests spare Ps: the FIX test runs client and server in
// one process, where QuickFIX/Go's busy-spinning session loops would
// otherwise starve their writer goroutines (see bench/fixbench's TestMain).
//
// Run as "TEST-BINARY echo ...", it is the bench command instead: bench echo
// starts its echo server by running its own executable.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	runtime.GOMAXPROCS(max(4, runtime.GOMAXPROCS(0)))
	os.Exit(m.Run())
}

func TestParseFix(t *testing.T) {
	def := fixbench.DefaultOptions()
	for _, c := range []struct {
		args []string
		ok   bool
		edit func(o *fixbench.Options)
	}{
		{nil, true, func(*fixbench.Options) {}},
		{[]string{"-host", "10.0.0.1", "-port", "6000", "-sessions", "4", "-sender-prefix", "LOAD", "-target", "EX",
			"-username", "u", "-password", "p", "-rate", "2500", "-count", "100", "-cross", "0.5", "-passive-day",
			"-symbols", "AAPL, TEST", "-price", "50.25", "-qty", "7", "-metrics", "", "-grace", "1s", "-late", "5ms",
			"-logon-timeout", "3s", "-seed", "9"}, true,
			func(o *fixbench.Options) {
				o.Host, o.Port, o.Sessions, o.SenderPrefix, o.Target, o.Username, o.Password = "10.0.0.1", 6000, 4, "LOAD", "EX", "u", "p"
				o.Rate, o.Count, o.Cross, o.PassiveDay, o.Symbols, o.Price, o.Qty = 2500, 100, 0.5, true, []string{"AAPL", "TEST"}, "50.25", 7
				o.Metrics, o.Grace, o.Late, o.LogonTimeout, o.Seed = "", time.Second, 5*time.Millisecond, 3*time.Second, 9
			}},
		{[]string{"-duration", "2s", "-rate", "100"}, true, func(o *fixbench.Options) { o.Duration, o.Rate = 2*time.Second, 100 }},
		{[]string{"-inflight", "4", "-rate", "100000"}, true, func(o *fixbench.Options) { o.InFlight, o.Rate = 4, 100000 }},
		{[]string{"-md-subscribers", "3"}, true, func(o *fixbench.Options) { o.MDSubscribers = 3 }},
		{[]string{"-md-subscribers", "-1"}, false, nil},
		{[]string{"-inflight", "-1"}, false, nil},
		{[]string{"-cross", "0.6"}, false, nil},
		{[]string{"-rate", "0"}, false, nil},
		{[]string{"-port", "70000"}, false, nil},
		{[]string{"-sessions", "0"}, false, nil},
		{[]string{"-sender-prefix", "A B"}, false, nil},
		{[]string{"-symbols", ""}, false, nil},
		{[]string{"-price", "0.50"}, false, nil},
		{[]string{"-price", "1.234"}, false, nil},
		{[]string{"-count", "1", "-sessions", "2"}, false, nil},
		{[]string{"-grace", "0s"}, false, nil},
		{[]string{"x"}, false, nil},
	} {
		got, err := parseFix(c.args, io.Discard)
		if !parsedOK(t, c.args, err, c.ok) {
			continue
		}
		want := def
		want.Symbols = slices.Clone(def.Symbols)
		c.edit(&want)
		g := got.opt
		if !slices.Equal(g.Symbols, want.Symbols) {
			t.Errorf("%q: symbols %q, want %q", c.args, g.Symbols, want.Symbols)
		}
		g.Symbols, want.Symbols = nil, nil
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%q: %+v, want %+v", c.args, g, want)
		}
	}
}

// startMatchd runs the real server in-process on free ports.
func startMatchd(t *testing.T) (port int, metrics string) {
	t.Helper()
	port = fixtest.FreePort(t)
	o, err := server.Parse("bench-test.cfg", `[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
DynamicSessions=Y
DataDir=`+t.TempDir()+`
Symbols=AAPL:0.01:0.01-10000.00,MSFT:0.01:0.01-10000.00,TEST:0.01:0.01-10000.00
MaxOrders=4096
MaxLevels=1024
ClOrdIDHistory=4096
Durability=none
RateLimit=off
MetricsAddr=127.0.0.1:0
`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return port, s.MetricsAddr()
}

func TestFixCommand(t *testing.T) {
	port, metrics := startMatchd(t)
	dir := t.TempDir()
	js := filepath.Join(dir, "fix.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"fix", "-port", strconv.Itoa(port), "-metrics", metrics, "-sender-prefix", "CMD",
		"-rate", "500", "-count", "200", "-symbols", "AAPL,MSFT,TEST", "-grace", "10s",
		"-json", js, "-hdr", filepath.Join(dir, "fix.hlog"), "-plot", filepath.Join(dir, "fix.svg")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	table := out.String()
	for _, want := range []string{"\nfix-ack ", "\nfix-fill ", "\nserver/sequenced_to_journaled ", "# fix: every order acknowledged",
		"acked=200", "lost=0", "missing_fills=0", "# machine: "} {
		if !strings.Contains(table, want) {
			t.Errorf("output lacks %q:\n%s", want, table)
		}
	}
	runs, err := bench.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	want := []string{"fix-ack", "fix-fill", "client/send_lag", "server/wire_to_gateway", "server/gateway_to_sequenced", "server/sequenced_to_journaled",
		"server/sequenced_to_matched", "server/sequenced_to_released", "server/sequenced_to_quickfix"}
	if !slices.Equal(names, want) {
		t.Errorf("JSON runs %q, want %q", names, want)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "fix.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range want {
		if !strings.Contains(string(svg), n) {
			t.Errorf("plot lacks run %s", n)
		}
	}
}

func TestFixCommandWithoutServer(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"fix", "-port", strconv.Itoa(fixtest.FreePort(t)), "-metrics", "", "-sender-prefix", "NONE",
		"-count", "10", "-logon-timeout", "1s"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "not logged on") {
		t.Errorf("exit %d, stderr %q: want a logon failure", code, errOut.String())
	}
}

// The CPU note divides by the orders sent and bounds the rate by the CPUs.
func TestCPUNote(t *testing.T) {
	res := &fixbench.Result{Ack: &bench.Run{Load: &bench.LoadStats{Sent: 1000}},
		ClientCPU: 40 * time.Millisecond, ServerCPU: 60 * time.Millisecond}
	got := cpuNote(res, 2)
	for _, want := range []string{"client 40.0µs", "server 60.0µs", "1000 orders", "2 CPUs", "~20k orders/s"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	res.ServerCPUErr = "no metrics address given"
	if got := cpuNote(res, 2); !strings.Contains(got, "server unavailable: no metrics") || strings.Contains(got, "orders/s") {
		t.Errorf("without the server: %q", got)
	}
}

// The market-data note appears only with subscribers and says what they got.
func TestMDNote(t *testing.T) {
	res := &fixbench.Result{Ack: &bench.Run{Load: &bench.LoadStats{Sent: 10}, Counters: map[string]int64{}},
		Fill: &bench.Run{Counters: map[string]int64{}}}
	for _, n := range fixNotes(res) {
		if strings.Contains(n, "# md:") {
			t.Errorf("note without subscribers: %q", n)
		}
	}
	res.MD = &fixbench.MDStats{Subscribers: 2, Initial: 6, Resyncs: 1, Incrementals: 40, Entries: 90, Trades: 12, Logouts: 1}
	want := "# md: 2 subscribers received 40 X messages and 7 snapshots (6 before the load, 1 resyncs during it) with 90 entries (12 trades); 0 rejects, 1 logouts"
	if notes := fixNotes(res); !slices.Contains(notes, want) {
		t.Errorf("notes %q lack %q", notes, want)
	}
}

// TestFixCommandMDSubscribers: against the real server (with its
// market-data feed), two subscribers get a snapshot of each symbol before
// the load and the makers' and trades' updates during it; nothing is
// refused or dropped.
func TestFixCommandMDSubscribers(t *testing.T) {
	port, metrics := startMatchd(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"fix", "-port", strconv.Itoa(port), "-metrics", metrics, "-sender-prefix", "CMDMD",
		"-rate", "500", "-count", "200", "-cross", "0.2", "-symbols", "AAPL,MSFT,TEST", "-grace", "10s", "-md-subscribers", "2"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	table := out.String()
	m := regexp.MustCompile(`# md: 2 subscribers received (\d+) X messages and 6 snapshots \(6 before the load, 0 resyncs during it\) with (\d+) entries \((\d+) trades\); 0 rejects, 0 logouts`).FindStringSubmatch(table)
	if m == nil {
		t.Fatalf("no md note, or not the expected one:\n%s", table)
	}
	xs, _ := strconv.Atoi(m[1])
	trades, _ := strconv.Atoi(m[3])
	// About 40 takers, each trading with its maker: both subscribers see
	// every trade and every maker resting (in at least one X each: one X may
	// cover several commands when a subscriber lags, so count trades).
	if xs < 2 || trades < 2*20 || trades%2 != 0 {
		t.Errorf("X messages %d, trade entries %d:\n%s", xs, trades, table)
	}
	t.Logf("%s", m[0])
	for _, want := range []string{"acked=200", "lost=0", "md_snapshots_initial=6", "md_resyncs=0", "md_logouts=0"} {
		if !strings.Contains(table, want) {
			t.Errorf("output lacks %q:\n%s", want, table)
		}
	}
}
