package gateway_test

// FIX-level scenario tests: testdata/*.txt hold FIX messages sent by real
// QuickFIX/Go initiators (internal/fixtest) and every message each session
// receives in answer, from a gateway on loopback TCP with the real pipeline
// (sequencer, journal, matcher, publisher) behind it. The files are the spec of
// CONTRACT.md §4 as a client sees it; regenerate the expectations with
//
//	go test ./gateway -run TestFIXScenarios -rewrite
//
// and then read the diff against the contract by hand.
//
// Each file gets its own gateway and pipeline (fresh data directory, symbols
// AAPL MSFT GOOG AMZN TSLA TEST with tick 0.01). Directives:
//
//	logon NAME=fix44|fix42...
//	    Logs clients on, all at once (QuickFIX/Go starts each session's event
//	    loop at a round second, on both sides, so a logon takes 1-2 s however many
//	    there are). A client's SenderCompID is derived from the file and NAME, so
//	    that files can run in parallel. Prints "ok".
//	send NAME MSGTYPE TAG=VALUE...
//	    Sends one message from NAME, tags in the order written, and prints every
//	    message each logged-on session received because of it: the sender's
//	    first, then the others in logon order, each in arrival order ("(no
//	    messages)" if none).
//	eod
//	    Submits an end of day to the pipeline, as the server's scheduler does,
//	    and prints what the sessions received.
//	sequenced
//	    Prints "commands sequenced: N", the number of commands that reached the
//	    sequencer since the file began (the probes below not counted): messages
//	    the gateway refuses itself add none.
//	session NAME=fix44|fix42 KEY=VALUE...
//	    Lists NAME as a [SESSION] of the gateway's settings, with the given
//	    keys (e.g. CancelOnDisconnect=Y); other names stay dynamic sessions.
//	    Only before any other directive: the gateway starts at the first
//	    other one. Prints "ok".
//	logout NAME
//	    NAME logs out (a Logout, answered), then waits until the gateway has
//	    seen it (ActiveSessions; a cancel on disconnect is submitted by then)
//	    and prints what the sessions still logged on received.
//	drop NAME
//	    Cuts NAME's TCP connection without a Logout (every client connects
//	    through a proxy of its own; see scenarioProxy), then as logout.
//
// After a logout or drop, "logon NAME=..." logs NAME on again (a new client
// with the same CompID, resetting sequence numbers) and prints, after "ok",
// what each returning session received: the reports kept while it was away.
//
// Lines starting with # are comments.
//
// Market data (mdscenario_test.go): a session's W and X print after its other
// messages, in the order the feed sent them, each entry of NoMDEntries as
// [Field=value ...]. Files that send V must not trade TEST, which the
// feed-sync probe uses.
//
// A received message prints as one line, "NAME MSGTYPE Field=value...", its body
// fields in a fixed order with FIX names (ExecType, OrdStatus, ClOrdID, ...; a
// tag without a name as its number; Text last), plus PossDupFlag if set; a value
// with a space, quote or = in it is quoted. Volatile fields are masked:
// TransactTime and RefSeqNum print as "*" (present; fixtest checks every
// TransactTime's format), OrderID as O1, O2... and ExecID as E1, E2... in order of
// first appearance in the file (OrderID NONE stays NONE). fixtest fails the test
// on an ExecID seen twice, so E numbers only grow. Header and trailer fields
// (SendingTime, MsgSeqNum, BodyLength, CheckSum...) are not printed.
//
// How the test knows it has everything, without sleeping: after a message, each
// session in turn (the sender first) sends a probe, an OrderCancelRequest for a
// ClOrdID nobody uses, and the test reads that session's messages up to the
// probe's OrderCancelReject. The sender's probe is sequenced after its message;
// every other session's probe is sent only once that reply is in, so it is
// sequenced after the message too, and each session's reports leave in event
// order: whatever the message caused, for anyone, arrives before the probe's
// reply. A message the session should have answered but did not fails the test
// after fixtest's timeout (10 s); one it should not have answered shows up in the
// output.

import (
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
	"github.com/openmatch/matchd/marketdata"
	"github.com/openmatch/matchd/pipeline"
)

// TestFIXScenarios runs every testdata/*.txt, all files at once. Not with
// t.Parallel, which runs at most GOMAXPROCS subtests at a time (2 in CI): a file
// spends most of its time waiting, 1-2 s of it for its logons (see logon), so
// the files run in goroutines of their own (t.Run may be called concurrently).
func TestFIXScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files in testdata (%v)", err)
	}
	var wg sync.WaitGroup
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name, func(t *testing.T) {
				if why := awaitingFix[name]; why != "" {
					t.Skip("awaiting the engine fix: " + why)
				}
				sc := newScenario(t, name)
				datadriven.RunTest(t, path, sc.handle)
			})
		}()
	}
	wg.Wait()
}

// awaitingFix lists files whose expectations are the contract's but not yet the
// engine's, with the fix they wait for. Empty once the fixes are in.
var awaitingFix = map[string]string{}

// scenarioSymbols are the contract's default symbols, tick 0.01, with a price
// band of 0.01 to 1,000.00 to keep the books small.
func scenarioSymbols() []engine.SymbolConfig {
	var out []engine.SymbolConfig
	for _, n := range []string{"AAPL", "MSFT", "GOOG", "AMZN", "TSLA", "TEST"} {
		out = append(out, engine.SymbolConfig{Name: n, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100_000})
	}
	return out
}

// scenario is the state of one file's run.
type scenario struct {
	t        *testing.T
	name     string
	prefix   string   // of the clients' CompIDs
	sessions []string // [SESSION] sections from session directives
	port     int
	pipe     *pipeline.Pipeline
	gw       *gateway.Gateway
	ids      *fixtest.ExecIDs
	proxies  map[string]*scenarioProxy

	names    []string // sessions in logon order
	clients  map[string]*fixtest.Client
	probes   int // probes sent (each one sequenced command)
	orderIDs alias
	execIDs  alias

	// Market data (see mdSync): the sessions that sent a V, in logon order,
	// and the hidden session that syncs with the feed.
	md       map[string]bool
	fix42    map[string]bool
	mdSyncer *fixtest.Client
	mdProbes int
}

func newScenario(t *testing.T, name string) *scenario {
	return &scenario{t: t, name: name, prefix: "FS_" + strings.ToUpper(name) + "_",
		ids: &fixtest.ExecIDs{}, clients: map[string]*fixtest.Client{}, proxies: map[string]*scenarioProxy{},
		md: map[string]bool{}, fix42: map[string]bool{},
		orderIDs: alias{prefix: "O"}, execIDs: alias{prefix: "E"}}
}

// start starts a pipeline and a gateway for the file; both are shut down at
// the end of the file's test, after the clients (cleanups run last first).
func (sc *scenario) start() {
	t := sc.t
	dir := t.TempDir()
	logs := &syncbuf.Buffer{}
	logger := zerolog.New(logs).Level(zerolog.InfoLevel)
	cfg := engine.Config{MaxOrders: 1024, MaxLevels: 1024, History: 1024, MaxQty: 1_000_000_000, Symbols: scenarioSymbols()}
	pipe, _, err := pipeline.Open(pipeline.Options{Engine: cfg, Dir: dir, MatcherCPU: -1,
		InboundCapacity: 1 << 10, OutboundCapacity: 1 << 12, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	port := fixtest.FreePort(t)
	feed := marketdata.NewFeed(marketdata.Options{Symbols: len(cfg.Symbols), Log: logger})
	opts := gateway.Options{DataDir: dir, Port: port, ListenHost: "127.0.0.1",
		Symbols: cfg.Symbols, Sink: pipe, Logger: logger, MarketData: feed}
	if len(sc.sessions) > 0 {
		text := "[DEFAULT]\nSenderCompID=" + gateway.DefaultCompID + "\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort=" +
			strconv.Itoa(port) + "\nDynamicSessions=Y\nResetOnLogon=N\n" + strings.Join(sc.sessions, "")
		if opts.Settings, err = gateway.ParseSettings(text); err != nil {
			feed.Close()
			pipe.Close()
			t.Fatal(err)
		}
	}
	gw, err := gateway.New(opts)
	if err != nil {
		feed.Close()
		pipe.Close()
		t.Fatal(err)
	}
	if err := pipe.Start(gw, feed); err != nil {
		feed.Close()
		gw.Stop()
		pipe.Close()
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		gw.Stop()
		pipe.Close()
		feed.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		gw.Quiesce()
		if err := pipe.Close(); err != nil {
			t.Errorf("closing the pipeline: %v", err)
		}
		feed.Close()
		gw.Stop()
		if t.Failed() {
			t.Logf("gateway log:\n%s", logs.String())
		}
	})
	sc.port, sc.pipe, sc.gw = port, pipe, gw
}

func (sc *scenario) handle(t *testing.T, d *datadriven.TestData) string {
	if d.Cmd == "session" {
		return sc.session(t, d)
	}
	if sc.gw == nil {
		sc.start()
	}
	switch d.Cmd {
	case "logon":
		return sc.logon(t, d)
	case "send":
		return sc.send(t, d)
	case "eod":
		cmd := engine.Command{Kind: engine.KindEndOfDay, Received: time.Now().UnixNano()}
		if err := sc.pipe.Submit(&cmd); err != nil {
			d.Fatalf(t, "eod: %v", err)
		}
		return sc.collect(t, "")
	case "sequenced":
		n := sc.pipe.Stats().Sequenced - uint64(sc.probes)
		return "commands sequenced: " + strconv.FormatUint(n, 10) + "\n"
	case "logout", "drop":
		return sc.logout(t, d)
	}
	d.Fatalf(t, "unknown directive %q (want logon, send, eod, sequenced, session, logout or drop)", d.Cmd)
	return ""
}

func (sc *scenario) logon(t *testing.T, d *datadriven.TestData) string {
	if len(d.CmdArgs) == 0 {
		d.Fatalf(t, "usage: logon NAME=fix44|fix42...")
	}
	var started []*fixtest.Client
	var returning []string
	for _, a := range d.CmdArgs {
		name := a.Key
		begin := beginString(a)
		if begin == "" {
			d.Fatalf(t, "logon: %q: want NAME=fix44 or NAME=fix42", a.String())
		}
		if sc.clients[name] != nil {
			d.Fatalf(t, "logon: %s is already logged on", name)
		}
		if _, ok := sc.proxies[name]; ok {
			returning = append(returning, name)
		}
		p := startProxy(sc.t, sc.port)
		sc.proxies[name] = p
		c := fixtest.Start(sc.t, fixtest.Options{Port: p.port, BeginString: begin, Name: sc.prefix + name, ExecIDs: sc.ids})
		sc.clients[name] = c
		sc.fix42[name] = begin == "FIX.4.2"
		sc.names = append(sc.names, name)
		started = append(started, c)
	}
	for _, c := range started {
		c.SetT(t)
		c.WaitLogon()
	}
	var b strings.Builder
	b.WriteString("ok\n")
	for _, n := range returning {
		for _, m := range sc.probe(t, n) {
			b.WriteString(n + " " + sc.format(m) + "\n")
		}
	}
	return b.String()
}

// beginString reads NAME=fix44|fix42.
func beginString(a datadriven.CmdArg) string {
	if len(a.Vals) != 1 {
		return ""
	}
	return map[string]string{"fix44": "FIX.4.4", "fix42": "FIX.4.2"}[a.Vals[0]]
}

// session lists a [SESSION] for the gateway started at the next directive.
func (sc *scenario) session(t *testing.T, d *datadriven.TestData) string {
	if sc.gw != nil {
		d.Fatalf(t, "session: only before the first other directive (the gateway has started)")
	}
	if len(d.CmdArgs) == 0 || beginString(d.CmdArgs[0]) == "" {
		d.Fatalf(t, "usage: session NAME=fix44|fix42 KEY=VALUE...")
	}
	sec := "[SESSION]\nBeginString=" + beginString(d.CmdArgs[0]) + "\nTargetCompID=" + sc.prefix + d.CmdArgs[0].Key + "\n"
	for _, a := range d.CmdArgs[1:] {
		if len(a.Vals) != 1 {
			d.Fatalf(t, "session: %q is not KEY=VALUE", a.String())
		}
		sec += a.Key + "=" + a.Vals[0] + "\n"
	}
	sc.sessions = append(sc.sessions, sec)
	return "ok\n"
}

// logout logs NAME out (logout) or cuts its connection (drop), waits until the
// gateway has seen it go, and prints what the other sessions received.
func (sc *scenario) logout(t *testing.T, d *datadriven.TestData) string {
	if len(d.CmdArgs) != 1 || d.CmdArgs[0].Vals != nil {
		d.Fatalf(t, "usage: %s NAME", d.Cmd)
	}
	name := d.CmdArgs[0].Key
	c := sc.clients[name]
	if c == nil {
		d.Fatalf(t, "%s: %s is not logged on", d.Cmd, name)
	}
	if d.Cmd == "drop" {
		sc.proxies[name].drop()
	}
	c.SetT(t)
	c.Close()
	delete(sc.clients, name)
	sc.names = slices.DeleteFunc(sc.names, func(n string) bool { return n == name })
	deadline := time.Now().Add(10 * time.Second)
	for sc.gw.ActiveSessions() != len(sc.names) {
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: the gateway still has %d sessions logged on, want %d", d.Cmd, name, sc.gw.ActiveSessions(), len(sc.names))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return sc.collect(t, "")
}

func (sc *scenario) send(t *testing.T, d *datadriven.TestData) string {
	if len(d.CmdArgs) < 2 || d.CmdArgs[0].Vals != nil || d.CmdArgs[1].Vals != nil {
		d.Fatalf(t, "usage: send NAME MSGTYPE TAG=VALUE...")
	}
	name := d.CmdArgs[0].Key
	c := sc.clients[name]
	if c == nil {
		d.Fatalf(t, "send: no session %q (logon it first)", name)
	}
	spec := []string{"35=" + d.CmdArgs[1].Key}
	for _, a := range d.CmdArgs[2:] {
		if tag, err := strconv.Atoi(a.Key); err != nil || tag <= 0 || len(a.Vals) != 1 {
			d.Fatalf(t, "send: %q is not TAG=VALUE", a.String())
		}
		if strings.Contains(a.Vals[0], "|") {
			d.Fatalf(t, "send: value %q contains |", a.Vals[0])
		}
		spec = append(spec, a.Key+"="+a.Vals[0])
	}
	if d.CmdArgs[1].Key == fixtag.MsgTypeMarketDataRequest && !sc.fix42[name] {
		sc.md[name] = true // FIX 4.2 sessions get no market data
	}
	c.SetT(t)
	c.Send(strings.Join(spec, "|"))
	return sc.collect(t, name)
}

// collect probes first's session (if any), then every other one, and prints
// what each received before its probe's reply.
func (sc *scenario) collect(t *testing.T, first string) string {
	order := []string{}
	if first != "" {
		order = append(order, first)
	}
	for _, n := range sc.names {
		if n != first {
			order = append(order, n)
		}
	}
	var b strings.Builder
	mdOut := map[string][]fixtest.Fields{}
	for _, n := range order {
		for _, m := range sc.probe(t, n) {
			if isMD(m) {
				mdOut[n] = append(mdOut[n], m)
				continue
			}
			b.WriteString(n + " " + sc.format(m) + "\n")
		}
	}
	if len(sc.md) > 0 {
		sc.mdSync(t)
		for _, n := range order {
			if sc.md[n] {
				mdOut[n] = append(mdOut[n], sc.mdProbe(t, n)...)
			}
			for _, m := range mergeX(mdOut[n]) {
				b.WriteString(n + " " + sc.format(m) + "\n")
			}
		}
	}
	if b.Len() == 0 {
		return "(no messages)\n"
	}
	return b.String()
}

// probe sends an OrderCancelRequest nobody can match and returns the session's
// messages up to its OrderCancelReject.
func (sc *scenario) probe(t *testing.T, name string) []fixtest.Fields {
	c := sc.clients[name]
	c.SetT(t)
	sc.probes++
	id := "~probe" + strconv.Itoa(sc.probes)
	c.Send("35=F|11=" + id + "|41=" + id + "|55=AAPL|54=1")
	var out []fixtest.Fields
	for {
		m := c.Next()
		if m[fixtag.MsgType] == "9" && m[fixtag.ClOrdID] == id {
			if m[fixtag.CxlRejReason] != "1" {
				t.Fatalf("%s: probe answered with %v, want CxlRejReason=1", name, m)
			}
			return out
		}
		out = append(out, m)
	}
}

// alias numbers volatile identifiers in order of first appearance.
type alias struct {
	prefix string
	seen   map[string]string
}

func (a *alias) of(v string) string {
	if a.seen == nil {
		a.seen = map[string]string{}
	}
	s, ok := a.seen[v]
	if !ok {
		s = a.prefix + strconv.Itoa(len(a.seen)+1)
		a.seen[v] = s
	}
	return s
}

// fieldNames are the fields printed, in this order; other tags follow by
// number, then Text.
var fieldNames = []struct {
	tag  quickfix.Tag
	name string
}{
	{20, "ExecTransType"}, {150, "ExecType"}, {39, "OrdStatus"}, {11, "ClOrdID"}, {41, "OrigClOrdID"},
	{790, "OrdStatusReqID"}, {434, "CxlRejResponseTo"}, {102, "CxlRejReason"}, {103, "OrdRejReason"},
	{530, "MassCancelRequestType"}, {531, "MassCancelResponse"}, {532, "MassCancelRejectReason"},
	{533, "TotalAffectedOrders"},
	{55, "Symbol"}, {54, "Side"}, {40, "OrdType"}, {59, "TimeInForce"}, {38, "OrderQty"}, {44, "Price"},
	{32, "LastQty"}, {31, "LastPx"}, {14, "CumQty"}, {151, "LeavesQty"}, {6, "AvgPx"},
	{37, "OrderID"}, {17, "ExecID"}, {60, "TransactTime"},
	{45, "RefSeqNum"}, {372, "RefMsgType"}, {371, "RefTagID"}, {373, "SessionRejectReason"},
	{379, "BusinessRejectRefID"}, {380, "BusinessRejectReason"}, {43, "PossDupFlag"},
	{262, "MDReqID"}, {281, "MDReqRejReason"},
}

// format prints a received message (see the file comment).
func (sc *scenario) format(m fixtest.Fields) string {
	rest := map[quickfix.Tag]string{}
	for tag, v := range m {
		rest[tag] = v
	}
	parts := []string{rest[fixtag.MsgType]}
	groups, inGroup := mdGroups(rest[fixtest.Wire])
	for tag := range inGroup {
		n, _ := strconv.Atoi(tag)
		delete(rest, quickfix.Tag(n))
	}
	delete(rest, fixtag.NoMDEntries)
	delete(rest, fixtest.Wire)
	delete(rest, fixtag.MsgType)
	delete(rest, fixtag.MsgSeqNum)
	text, hasText := rest[fixtag.Text]
	delete(rest, fixtag.Text)
	for _, f := range fieldNames {
		v, ok := rest[f.tag]
		if !ok {
			continue
		}
		delete(rest, f.tag)
		switch f.tag {
		case fixtag.TransactTime, 45:
			v = "*"
		case fixtag.OrderID:
			if v != "NONE" {
				v = sc.orderIDs.of(v)
			}
		case fixtag.ExecID:
			v = sc.execIDs.of(v)
		}
		parts = append(parts, f.name+"="+quote(v))
	}
	var tags []int
	for tag := range rest {
		tags = append(tags, int(tag))
	}
	sort.Ints(tags)
	for _, tag := range tags {
		parts = append(parts, strconv.Itoa(tag)+"="+quote(rest[quickfix.Tag(tag)]))
	}
	if groups != "" {
		parts = append(parts, groups)
	}
	if hasText {
		parts = append(parts, "Text="+quote(text))
	}
	return strings.Join(parts, " ")
}

// quote quotes a value that would not read as one word.
func quote(v string) string {
	if v == "" || strings.ContainsAny(v, " \"=") {
		return strconv.Quote(v)
	}
	return v
}
