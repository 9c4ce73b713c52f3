package gateway

import (
	"bufio"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// TestStalledClientDoesNotStallOthers: a client that logs on and then never
// reads (a hung process, a paused VM) while reports for it keep coming must not
// hold up anyone else's reports. QuickFIX blocks that session for good once its
// socket is full (a heartbeat goes out with a blocking send under the session's
// send lock); Deliver must not wait on it.
func TestStalledClientDoesNotStallOthers(t *testing.T) {
	t.Parallel()
	gw, _ := startGateway(t, Options{RatePerSecond: -1, PendingLimit: 100})
	port := gw.opts.Port
	b := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "STALL_B"})

	// The stalled client: a tiny receive buffer, HeartBtInt 1, and no reads.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	r := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn),
		sid: quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "STALL_R", TargetCompID: DefaultCompID}}
	r.write("35=A|98=0|108=1")
	r.readUntil("A")
	writerDone := make(chan struct{})
	go func() { // orders whose acks R will never read
		defer close(writerDone)
		w := bufio.NewWriterSize(conn, 1<<16)
		for i := 0; i < 20000; i++ {
			// First resting sells that B will hit later, then IOC orders.
			spec := "35=D|11=r" + strconv.Itoa(i) + "|55=TEST|54=1|38=1|40=2|44=1.00|59=3"
			if i < 50 {
				spec = "35=D|11=r" + strconv.Itoa(i) + "|55=MSFT|54=2|38=1|40=2|44=99.00|59=1"
			}
			r.seq++
			m := fixMsg(spec)
			m.Header.SetString(8, "FIX.4.4")
			m.Header.SetString(49, "STALL_R")
			m.Header.SetString(56, DefaultCompID)
			m.Header.SetInt(34, r.seq)
			m.Header.SetString(52, time.Now().UTC().Format("20060102-15:04:05.000"))
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := w.WriteString(m.String()); err != nil {
				return
			}
		}
		w.Flush()
	}()
	t.Cleanup(func() { conn.Close(); <-writerDone })

	// Well past R's heartbeat interval, B still gets its reports promptly while
	// trading against R's resting orders (each fill has a report for R).
	for i := 0; i < 8; i++ {
		time.Sleep(400 * time.Millisecond)
		id := "b" + strconv.Itoa(i)
		b.Send("35=D|11=" + id + "|55=MSFT|54=1|38=1|40=2|44=99.00|59=3")
		sent := time.Now()
		b.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: id})
		acked := time.Now()
		b.Expect(fields{fixtag.ExecType: "F", fixtag.ClOrdID: id, fixtag.LastPx: "99.00"})
		// Promptly: each report within 5 s (Expect itself would wait 10 s).
		if ack, fill := acked.Sub(sent), time.Since(acked); ack > 5*time.Second || fill > 5*time.Second {
			t.Fatalf("%s: ack after %v, fill %v after that", id, ack, fill)
		}
	}
	if gw.Counters.ReportsDropped.Load() == 0 {
		t.Fatal("the stalled session's queue never filled: the test did not stall it")
	}
}
