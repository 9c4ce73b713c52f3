package server

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/replay"
)

// TestRestartWithRestingOrders stops the server in the middle of a test with
// orders resting and starts a new one on the same data directory: the books,
// OrderIDs, ExecIDs, owners and FIX sequence numbers carry on. A's resting order
// trades after the restart while A is offline, and the fill reaches A when it
// reconnects.
func TestRestartWithRestingOrders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	ids := &fixtest.ExecIDs{}
	o1, _ := testOptions(t, dir, port, "")
	s1 := startServer(t, o1)

	// A keeps its FIX sequence numbers in a file store (no reset at logon), so
	// its reconnect only works if the server's store kept them too.
	aOpts := fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "RST_A", StoreDir: t.TempDir(), ExecIDs: ids}
	a := fixtest.Connect(t, aOpts)
	b := client(t, port, "FIX.4.4", "RST_B", ids)

	a.Send("35=D|11=a1|55=TEST|54=1|38=10|40=2|44=50.00|59=1")
	accA := a.Expect(fields{tExecType: "0", tClOrdID: "a1"})
	b.Send("35=D|11=b1|55=TEST|54=2|38=3|40=2|44=50.00")
	b.Expect(fields{tExecType: "0"})
	b.Expect(fields{tExecType: "F", tLastQty: "3"})
	fill1 := a.Expect(fields{tExecType: "F", tClOrdID: "a1", tCumQty: "3", tLeavesQty: "7"})
	b.Send("35=D|11=b2|55=MSFT|54=2|38=5|40=2|44=60.00|59=1") // rests on B's side
	accB := b.Expect(fields{tExecType: "0", tClOrdID: "b2"})
	lastSeqA, _ := strconv.Atoi(fill1[tMsgSeqNum])

	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	a.Close() // A stays away while its order trades

	s2 := startServer(t, o1)
	if rec := s2.Recovered(); rec.LastSeq != 3 || rec.FromSnapshot != 3 || rec.Replayed != 0 {
		t.Fatalf("recovered %+v, want the snapshot Close wrote at seq 3", rec)
	}
	b.WaitLogon() // B's initiator reconnects by itself
	b.Send("35=D|11=b3|55=TEST|54=2|38=7|40=2|44=49.00")
	accB3 := b.Expect(fields{tExecType: "0", tClOrdID: "b3"})
	b.Expect(fields{tExecType: "F", tClOrdID: "b3", tLastQty: "7", tLastPx: "50.00", tLeavesQty: "0"})
	if o, _ := strconv.Atoi(accB3[tOrderID]); o != 4 {
		t.Fatalf("first OrderID after restart %s, want 4 (sequence continues)", accB3[tOrderID])
	}
	// B's resting order survived too: cancel it.
	b.Send("35=F|11=b2c|41=b2|55=MSFT|54=2")
	b.Expect(fields{tExecType: "4", tClOrdID: "b2c", tOrigClOrdID: "b2", tOrderID: accB[tOrderID]})
	// B's ClOrdIDs from before the restart are still known.
	b.Send("35=D|11=b1|55=TEST|54=2|38=1|40=2|44=50.00")
	b.Expect(fields{tExecType: "8", tOrdRejReason: "6"})

	a2 := fixtest.Connect(t, aOpts)
	fill2 := a2.Expect(fields{tExecType: "F", tOrdStatus: "2", tClOrdID: "a1", tOrderID: accA[tOrderID],
		tLastQty: "7", tCumQty: "10", tLeavesQty: "0", tAvgPx: "50.00"})
	if seq, _ := strconv.Atoi(fill2[tMsgSeqNum]); seq <= lastSeqA {
		t.Fatalf("A's first report after the restart has MsgSeqNum %d, last before %d: the FIX store did not survive", seq, lastSeqA)
	}
	exec1, _ := strconv.Atoi(fill1[tExecID])
	exec2, _ := strconv.Atoi(fill2[tExecID])
	if exec2 <= exec1 {
		t.Fatalf("ExecID %d after the restart, %d before", exec2, exec1)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: o1.Engine})
	if err != nil || res.Commands != 6 {
		t.Fatalf("replay: %d commands, %v", res.Commands, err)
	}
}

const tAvgPx = fixtag.AvgPx

// TestEndOfDay: the end-of-day command expires every resting DAY order (both
// owners told, ExecType C), leaves GTC orders, and frees ClOrdIDs for reuse.
func TestEndOfDay(t *testing.T) {
	t.Parallel()
	port := fixtest.FreePort(t)
	o, logs := testOptions(t, t.TempDir(), port, "EndOfDay=23:59:59\n")
	s := startServer(t, o)
	ids := &fixtest.ExecIDs{}
	a := client(t, port, "FIX.4.4", "EOD_A", ids)
	b := client(t, port, "FIX.4.2", "EOD_B", ids)

	a.Send("35=D|11=day1|55=AAPL|54=1|38=10|40=2|44=10.00")
	a.Expect(fields{tExecType: "0", tTimeInForce: "0"})
	a.Send("35=D|11=gtc1|55=AAPL|54=1|38=10|40=2|44=9.00|59=1")
	a.Expect(fields{tExecType: "0", tTimeInForce: "1"})
	b.Send("35=D|11=day2|55=MSFT|54=2|38=5|40=2|44=30.00|59=0")
	b.Expect(fields{tExecType: "0"})

	if err := s.EndOfDay(); err != nil {
		t.Fatal(err)
	}
	a.Expect(fields{tExecType: "C", tOrdStatus: "C", tClOrdID: "day1", tLeavesQty: "0", tCumQty: "0"})
	b.Expect(fields{tExecType: "C", tOrdStatus: "C", tClOrdID: "day2", tLeavesQty: "0"})
	a.Quiet(200 * time.Millisecond) // the GTC order did not expire

	a.Send("35=D|11=day1|55=AAPL|54=1|38=1|40=2|44=10.00") // reuse after end of day
	a.Expect(fields{tExecType: "0", tClOrdID: "day1"})
	a.Send("35=F|11=gtc1c|41=gtc1|55=AAPL|54=1")
	a.Expect(fields{tExecType: "4", tOrigClOrdID: "gtc1"})
	for _, want := range []string{`"message":"end of day scheduled"`, `"message":"end of day submitted: resting DAY orders expire"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

// TestEndOfDayCatchUp: matchd is down at the scheduled end of day. At the next
// start it runs the missed end of day before clients can log on (the DAY order
// expires, its owner is told when it logs on, the GTC order stays), and only
// once: a later restart, after orders of the new day, runs none.
func TestEndOfDayCatchUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	// The first run's clock is a day behind, so its orders are yesterday's; the
	// end of day is scheduled between them and now.
	eod := time.Now().UTC().Add(-12 * time.Hour)
	extra := fmt.Sprintf("EndOfDay=%02d:%02d:%02d\n", eod.Hour(), eod.Minute(), eod.Second())
	o1, logs1 := testOptions(t, dir, port, extra)
	o1.clock = func() time.Time { return time.Now().Add(-24 * time.Hour) }
	s1 := startServer(t, o1)
	ids := &fixtest.ExecIDs{}
	aOpts := fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "CU_A", StoreDir: t.TempDir(), ExecIDs: ids}
	a := fixtest.Connect(t, aOpts)
	a.Send("35=D|11=day1|55=AAPL|54=1|38=10|40=2|44=10.00")
	accDay := a.Expect(fields{tExecType: "0", tClOrdID: "day1"})
	a.Send("35=D|11=gtc1|55=AAPL|54=1|38=10|40=2|44=9.00|59=1")
	a.Expect(fields{tExecType: "0", tClOrdID: "gtc1"})
	a.Close()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	const missedLog = "matchd was down at the scheduled end of day"
	if strings.Contains(logs1.String(), missedLog) {
		t.Fatalf("the first run, on fresh books, caught up an end of day:\n%s", logs1.String())
	}

	o2, logs2 := testOptions(t, dir, port, extra)
	s2 := startServer(t, o2)
	if d := time.Since(time.Unix(0, s2.Recovered().DayOpened)); d < 23*time.Hour || d > 25*time.Hour {
		t.Fatalf("recovered DayOpened %v ago, want about a day", d)
	}
	if !strings.Contains(logs2.String(), missedLog) {
		t.Fatalf("no catch-up logged:\n%s", logs2.String())
	}
	a2 := fixtest.Connect(t, aOpts)
	a2.Expect(fields{tExecType: "C", tOrdStatus: "C", tClOrdID: "day1", tOrderID: accDay[tOrderID], tLeavesQty: "0"})
	a2.Send("35=D|11=day1|55=AAPL|54=1|38=1|40=2|44=10.00") // a new day: the ClOrdID is free again
	a2.Expect(fields{tExecType: "0", tClOrdID: "day1"})
	a2.Send("35=F|11=gtc1c|41=gtc1|55=AAPL|54=1") // the GTC order is still there
	a2.Expect(fields{tExecType: "4", tOrigClOrdID: "gtc1"})
	a2.Close()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	o3, logs3 := testOptions(t, dir, port, extra)
	s3 := startServer(t, o3)
	if strings.Contains(logs3.String(), missedLog) {
		t.Fatalf("a restart on the same day ran the end of day again:\n%s", logs3.String())
	}
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: o1.Engine})
	if err != nil || res.Commands != 5 || res.Engine.Resting() != 1 {
		t.Fatalf("replay: %d commands (want 2 orders, the end of day, 1 order, 1 cancel), %d resting, %v",
			res.Commands, res.Engine.Resting(), err)
	}
}

// TestGracefulShutdownDrains: orders sent in a burst while the server shuts
// down: every order the server accepted (and journaled) has its report handed
// to QuickFIX before the sessions are logged out, none is dropped, and the client
// gets each report at most once, in order; when the client sees the Logout
// (unless its connection was reset while it was still sending), it has them all.
func TestGracefulShutdownDrains(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	o, _ := testOptions(t, dir, port, "")
	s := startServer(t, o)
	a := client(t, port, "FIX.4.4", "DRN_A", &fixtest.ExecIDs{})
	const n = 300
	closed := make(chan error, 1)
	go func() {
		// Shut down mid-burst, once a third of the orders are in.
		for s.gw.Counters.OrdersIn.Load() < n/3 {
			time.Sleep(100 * time.Microsecond)
		}
		closed <- s.Close()
	}()
	for i := 0; i < n; i++ {
		a.Send("35=D|11=d" + strconv.Itoa(i) + "|55=TEST|54=1|38=1|40=2|44=" + strconv.Itoa(1+i%50) + ".00|59=1")
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	res, err := replay.Run(replay.Options{Dir: dir, Engine: o.Engine})
	if err != nil {
		t.Fatal(err)
	}
	k := &s.gw.Counters
	if res.Commands < n/3 || k.ReportsOut.Load() != res.Commands || k.ReportsDropped.Load() != 0 {
		t.Fatalf("%d commands journaled, %d reports handed to QuickFIX, %d dropped", res.Commands, k.ReportsOut.Load(), k.ReportsDropped.Load())
	}

	got, loggedOut := a.Collect(3 * time.Second)
	reports, refused, next := 0, 0, 0
	for _, m := range got {
		switch m[tMsgType] {
		case "8":
			// Accepted orders are a prefix of what was sent, reported in order.
			if m[tExecType] != "0" || m[tClOrdID] != "d"+strconv.Itoa(next) {
				t.Fatalf("report %v, want the New of d%d", m, next)
			}
			next++
			reports++
		case "j":
			if !strings.Contains(m[tText], "shutting down") && !strings.Contains(m[tText], "not accepted") {
				t.Fatalf("unexpected reject %v", m)
			}
			refused++
		default:
			t.Fatalf("unexpected message %v", m)
		}
	}
	t.Logf("%d journaled; client: %d reports, %d refused, logout seen %v", res.Commands, reports, refused, loggedOut)
	if uint64(reports) > res.Commands || (loggedOut && uint64(reports) != res.Commands) {
		t.Fatalf("%d reports received (logout seen: %v), %d commands journaled", reports, loggedOut, res.Commands)
	}
}
