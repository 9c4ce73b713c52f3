package fixclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtest"
)

// TestTwoClientsTrade: scripts against the real server. ALICE's sell rests,
// BOB's buy crosses it, and each client sees its own fill.
func TestTwoClientsTrade(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	alice := connect(t, port, "ALICE", Options{})
	bob := connect(t, port, "BOB", Options{})
	alice.run("sell 100 AAPL @150.00 id=a1\n")
	alice.printed("logged on to ENGINE at 127.0.0.1:", "ALICE>ENGINE new-order sell 100 AAPL @150.00 day id=a1",
		"ENGINE>ALICE exec new sell 100 AAPL @150.00 day id=a1 order=1 status=new leaves=100 cum=0")
	bob.run("buy 100 AAPL @150.00\nexpect filled\n")
	alice.run("expect filled a1 10s\n")
	alice.printed("ENGINE>ALICE exec trade sell 100 AAPL @150.00 day id=a1 order=1 last=100@150.00 status=filled leaves=0 cum=100 avg=150.00")
	bob.printed("ENGINE>BOB exec new buy 100 AAPL @150.00 day id=", "order=2 last=100@150.00 status=filled leaves=0 cum=100 avg=150.00")
	bob.notPrinted("ALICE")
}

// TestOrderLifecycle: replace, cancel by the original ClOrdID, a second
// cancel rejected, a rejected order, and expects that fail.
func TestOrderLifecycle(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	c := connect(t, port, "CAROL", Options{})
	c.run(`buy 10 MSFT @20.00 gtc id=g1
replace g1 5 @20.01
expect replaced
cancel g1          # the original ClOrdID names the order after its replace
expect canceled g1
cancel g1
expect cancel-reject
buy 1 ZZZZ @1.00 id=z1
expect rejected z1
sell 3 TEST market
expect canceled
`)
	c.printed(
		"ENGINE>CAROL exec replaced buy 5 MSFT @20.01 gtc id=",
		"orig=g1 order=1 status=new leaves=5 cum=0",
		"ENGINE>CAROL exec canceled buy 5 MSFT @20.01 gtc",
		`status=canceled leaves=0 cum=0 "canceled on request"`,
		"ENGINE>CAROL cancel-reject (cancel)", "reason=0 (too late to cancel) status=canceled",
		`ENGINE>CAROL exec rejected buy 1 ZZZZ day id=z1 status=rejected leaves=0 cum=0 reason=1 "unknown symbol"`,
		"ENGINE>CAROL exec canceled sell 3 TEST market day",
	)
	// The cancel was sent on the replace's ClOrdID (the current one).
	out := c.out.String()
	i := strings.Index(out, "CAROL>ENGINE replace id=")
	repID := strings.Fields(out[i+len("CAROL>ENGINE replace id="):])[0]
	c.printed("CAROL>ENGINE cancel id=", "orig="+repID+" buy MSFT")

	err := c.runErr("expect trade g1 200ms\n")
	var ee *ExecError
	if !errors.As(err, &ee) || ee.Line.N != 1 || !strings.Contains(err.Error(), "CAROL.txt:1: expect trade g1 200ms: not seen within 200ms") {
		t.Fatalf("expect with nothing to see: %v", err)
	}
	err = c.runErr("# two\n\ncancel nosuch\n")
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "CAROL.txt:3: cancel nosuch: unknown ClOrdID nosuch") {
		t.Fatalf("cancel of an unknown ClOrdID: %v", err)
	}
	// Given its side and symbol, an order the client does not know is sent
	// to the server, which does not know it either.
	c.run("cancel nosuch buy MSFT\nexpect cancel-reject nosuch\n")
	c.printed("reason=1 (unknown order) status=rejected")
	if err := c.runErr("buy 1 MSFT @1 id=g1\n"); err == nil || !strings.Contains(err.Error(), "already one of this client's orders") {
		t.Fatalf("reused id=: %v", err)
	}
}

// TestOfflineFillTeachesOrder: a fill that waited for ALICE's next logon
// (a new run, without a store) teaches the client the order, so it can
// cancel the rest.
func TestOfflineFillTeachesOrder(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	alice := connect(t, port, "OALICE", Options{})
	alice.run("sell 100 TEST @10.00 id=o1\n")
	if err := alice.Close(); err != nil {
		t.Fatal(err)
	}
	bob := connect(t, port, "OBOB", Options{})
	bob.run("buy 40 TEST @10.00\nexpect filled\n")
	again := connect(t, port, "OALICE", Options{})
	again.run("expect trade o1\ncancel o1\nexpect canceled\n")
	again.printed("ENGINE>OALICE exec trade sell 100 TEST @10.00 day id=o1 order=1 last=40@10.00 status=partial leaves=60 cum=40",
		"OALICE>ENGINE cancel id=", "orig=o1 sell TEST", "ENGINE>OALICE exec canceled sell 100 TEST @10.00 day")
}

// TestStoreAcrossRuns: with a store directory the next run continues the
// sequence numbers (no reset: the server accepts its logon) and remembers
// the orders, so it cancels one by ClOrdID; a run without the store resets
// and does not know it.
func TestStoreAcrossRuns(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	dir := t.TempDir()
	first := connect(t, port, "DAVE", Options{StoreDir: dir})
	first.run("buy 5 AAPL @99.00 gtc id=s1\nbuy 5 AAPL @98.00 gtc id=s2\n")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := connect(t, port, "DAVE", Options{StoreDir: dir})
	second.run("cancel s1\nexpect canceled s1\n")
	second.printed("DAVE>ENGINE cancel id=", "orig=s1 buy AAPL", "exec canceled buy 5 AAPL @99.00 gtc")
	seq := second.lastSeq(t)
	if seq < 4 {
		t.Errorf("second run's messages numbered from %d: the sequence was reset", seq)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	// A new store directory starts from 1, behind the server: refused, with
	// the server's reason; Reset starts both sides again.
	other := t.TempDir()
	c, err := New(Options{Host: "127.0.0.1", Port: port, Sender: "DAVE", StoreDir: other})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Connect(context.Background())
	c.Close()
	if err == nil || !strings.Contains(err.Error(), "refused: MsgSeqNum too low") || !strings.Contains(err.Error(), "(see -reset)") {
		t.Fatalf("new store directory: %v", err)
	}
	reset := connect(t, port, "DAVE", Options{StoreDir: other, Reset: true})
	reset.run("buy 1 AAPL @1.00 id=s3\n")
	if err := reset.Close(); err != nil {
		t.Fatal(err)
	}
	third := connect(t, port, "DAVE", Options{})
	if err := third.runErr("cancel s2\n"); err == nil || !strings.Contains(err.Error(), "unknown ClOrdID s2") {
		t.Fatalf("without the store: %v", err)
	}
	third.run("cancel s2 buy AAPL\nexpect canceled s2\n")
	if seq := third.lastSeq(t); seq > 3 {
		t.Errorf("run without a store numbered from %d, want a reset", seq)
	}
}

// lastSeq is the MsgSeqNum of the last message received.
func (c *testClient) lastSeq(t *testing.T) int {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.log) == 0 {
		t.Fatal("nothing received")
	}
	n := 0
	for _, ch := range c.log[len(c.log)-1].m.get(34) {
		n = n*10 + int(ch-'0')
	}
	return n
}

// TestLogonRefused: a CompID the server does not list is refused with its
// Text, at once; a port with nothing behind it gets a hint.
func TestLogonRefused(t *testing.T) {
	t.Parallel()
	port := startServer(t, "DynamicSessions=N\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=KNOWN\n")
	c, err := New(Options{Host: "127.0.0.1", Port: port, Sender: "STRANGER", LogonTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "fixclient: logon of STRANGER to ENGINE at 127.0.0.1:") || !strings.Contains(err.Error(), "refused: ") {
		t.Fatalf("Connect: %v", err)
	}
	t.Log(err)

	free := fixtest.FreePort(t)
	c2, err := New(Options{Host: "127.0.0.1", Port: free, Sender: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "is matchd running?") {
		t.Fatalf("Connect to nothing: %v", err)
	}
}

// TestStatusAndMassCancel: status of a live, a partially filled and an
// unknown order; mass cancels by symbol and side, and of everything, each
// reported before its cancels.
func TestStatusAndMassCancel(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	c := connect(t, port, "ERIN", Options{})
	other := connect(t, port, "FRED", Options{})
	c.run(`buy 10 AAPL @10.00 id=e1
sell 10 AAPL @11.00 id=e2
buy 5 MSFT @20.00 gtc id=e3
status e1
expect status e1
`)
	c.printed("ERIN>ENGINE status id=e1 buy AAPL req=",
		"ENGINE>ERIN exec status buy 10 AAPL @10.00 day id=e1 order=1 status=new leaves=10 cum=0 req=")
	other.run("sell 4 AAPL @10.00\nexpect filled\n")
	c.run(`expect trade e1
status e1
status nosuch buy AAPL
mass-cancel AAPL sell
expect canceled e2
mass-cancel
expect canceled e1
expect canceled e3
`)
	c.printed("ENGINE>ERIN exec status buy 10 AAPL @10.00 day id=e1 order=1 status=partial leaves=6 cum=4 avg=10.00 req=",
		`ENGINE>ERIN exec status buy 0 AAPL id=nosuch status=rejected leaves=0 cum=0 reason=5 req=`, `"unknown order"`,
		"ERIN>ENGINE mass-cancel AAPL sell id=", "ENGINE>ERIN mass-cancel-report id=", "symbol AAPL sell accepted canceled=1",
		"ERIN>ENGINE mass-cancel all id=", "all orders accepted canceled=2")
	out := c.out.String()
	if r, x := strings.Index(out, "all orders accepted"), strings.Index(out, "exec canceled buy 5 MSFT"); r < 0 || x < r {
		t.Errorf("the mass cancel's report does not precede its cancels:\n%s", out)
	}
	other.notPrinted("ERIN")
}

// TestBookLines: a subscriber prints the snapshot and each update as a
// line, the trade among them, while two other clients trade; md-reject for
// an unknown symbol.
func TestBookLines(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	w := connect(t, port, "BWATCH", Options{})
	alice := connect(t, port, "BALICE", Options{})
	bob := connect(t, port, "BBOB", Options{})
	alice.run("buy 10 AAPL @149.00\n")
	w.run("book AAPL\nexpect book AAPL\n")
	if !w.Subscribed() {
		t.Fatal("not subscribed after book")
	}
	alice.run("sell 100 AAPL @150.00\n")
	// The feed batches a backlog into one X: wait for the ask's own X
	// before the trade, so each prints as its own update line.
	w.run("expect book AAPL\n")
	bob.run("buy 100 AAPL @150.00\nexpect filled\n")
	w.run("expect md-trade AAPL\n")
	w.printed("BWATCH>ENGINE book AAPL depth=0 req=",
		"ENGINE>BWATCH book AAPL snapshot: bids 10@149.00(1) | asks -",
		"ENGINE>BWATCH book AAPL update: new ask 100@150.00(1) | top: bids 10@149.00(1) | asks 100@150.00(1)",
		"ENGINE>BWATCH book AAPL update: trade 100@150.00, delete ask 150.00 | top: bids 10@149.00(1) | asks -")
	if err := w.runErr("book ZZZZ\n"); err == nil || !strings.Contains(err.Error(), "BWATCH.txt:1: book ZZZZ: subscription refused") {
		t.Fatalf("book ZZZZ: %v", err)
	}
	w.printed("ENGINE>BWATCH md-reject req=")
	if err := w.runErr("book AAPL\n"); err == nil || !strings.Contains(err.Error(), "already subscribed to AAPL") {
		t.Fatalf("second book AAPL: %v", err)
	}
}

// TestBookLadder: with Redraw, book draws the ladder in place (top 2
// levels here) until interrupted, then unsubscribes and returns.
func TestBookLadder(t *testing.T) {
	t.Parallel()
	port := startServer(t, "")
	w := connect(t, port, "LADDER", Options{Redraw: true})
	alice := connect(t, port, "LALICE", Options{})
	lines, err := ParseArgs([]string{"book TEST 2"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.RunLines(context.Background(), lines) }()
	alice.run("buy 1 TEST @9.00\nbuy 2 TEST @9.50\nbuy 3 TEST @8.00\nsell 4 TEST @10.00\nsell 1 TEST @9.50\n")
	want := "1 1 9.50 | 10.00 4 1" // the row, with its spacing squeezed
	deadline := time.Now().Add(10 * time.Second)
	for !hasRow(w.out.String(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !w.Interrupt() {
		t.Fatal("no ladder to interrupt")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := w.out.String()
	last := out[strings.LastIndex(out, "\x1b[H\x1b[2J"):]
	for _, row := range []string{want, "1 1 9.00 |"} {
		if !hasRow(last, row) {
			t.Errorf("ladder lacks the row %q:\n%s", row, last)
		}
	}
	for _, s := range []string{"TEST  top 2  (LADDER from ENGINE)", "1 @ 9.50"} {
		if !strings.Contains(last, s) {
			t.Errorf("ladder lacks %q:\n%s", s, last)
		}
	}
	if !strings.HasSuffix(out, "book TEST: stopped\n") {
		t.Errorf("no stop line after the ladder:\n%s", out)
	}
	if strings.Contains(out[:strings.Index(out, "\x1b[H")], "update:") {
		t.Errorf("updates printed as lines before the ladder:\n%s", out)
	}
	if hasRow(last, "1 3 8.00 |") {
		t.Errorf("top 2 shows a third bid level:\n%s", last)
	}
	if w.Subscribed() || w.Interrupt() {
		t.Error("still subscribed, or a ladder left, after the interrupt")
	}
	// A refused subscription draws nothing and prints the reject.
	if err := w.runErr("book ZZZZ\n"); err == nil || !strings.Contains(err.Error(), "subscription refused") {
		t.Fatalf("book ZZZZ: %v", err)
	}
	w.printed("ENGINE>LADDER md-reject req=")
}

// hasRow reports whether some line of out reads row once runs of spaces are
// squeezed.
func hasRow(out, row string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(l), " ") == row {
			return true
		}
	}
	return false
}
