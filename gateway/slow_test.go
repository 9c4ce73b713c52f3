package gateway

import (
	"bufio"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/rcvbuf"
)

// dialSmallBuffer connects with a tiny receive buffer, so that a client that
// stops reading fills the gateway's socket at once.
func dialSmallBuffer(t *testing.T, port int) net.Conn {
	t.Helper()
	d := rcvbuf.Dialer(4096, 0)
	conn, err := d.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// seqReports collects a raw client's ExecutionReports by MsgSeqNum (a resent
// one replaces nothing: same number, same report), and the sequence numbers
// a SequenceReset-GapFill skipped.
type seqReports struct {
	exec    map[int]uint64 // MsgSeqNum -> ExecID
	skipped map[int]bool
	seen    map[int]bool // every MsgSeqNum received
	maxSeq  int
}

func newSeqReports() *seqReports {
	return &seqReports{exec: map[int]uint64{}, skipped: map[int]bool{}, seen: map[int]bool{}}
}

// firstMissing is the lowest MsgSeqNum not received (nor gap-filled): what a
// FIX client expects next. A Logout may come with a higher number than that
// (the gateway dropped the reports QuickFIX had not yet written, they are in
// its store), and a client does not count past such a gap.
func (r *seqReports) firstMissing() int {
	s := 1
	for r.seen[s] || r.skipped[s] {
		s++
	}
	return s
}

func (r *seqReports) add(t *testing.T, m fields) {
	t.Helper()
	seq, err := strconv.Atoi(m[fixtag.MsgSeqNum])
	if err != nil {
		t.Fatalf("no MsgSeqNum: %q", m[fixtest.Wire])
	}
	r.maxSeq = max(r.maxSeq, seq)
	r.seen[seq] = true
	switch m[fixtag.MsgType] {
	case "8":
		id, err := strconv.ParseUint(m[fixtag.ExecID], 10, 64)
		if err != nil {
			t.Fatalf("ExecID: %q", m[fixtest.Wire])
		}
		if old, ok := r.exec[seq]; ok && old != id {
			t.Fatalf("MsgSeqNum %d carried ExecID %d, then %d", seq, old, id)
		}
		r.exec[seq] = id
	case "4": // a gap fill over admin messages
		to, _ := strconv.Atoi(m[36])
		for s := seq; s < to; s++ {
			r.skipped[s] = true
		}
	}
}

// execIDs returns the ExecIDs in MsgSeqNum order.
func (r *seqReports) execIDs() []uint64 {
	return fixtest.InSeqOrder(r.exec)
}

// rawFrame is a message from "35=X|..." with R's header at seq.
func rawFrame(sid quickfix.SessionID, seq int, spec string) []byte {
	m := fixMsg(spec)
	m.Header.SetString(8, sid.BeginString)
	m.Header.SetString(49, sid.SenderCompID)
	m.Header.SetString(56, sid.TargetCompID)
	m.Header.SetInt(34, seq)
	m.Header.SetString(52, time.Now().UTC().Format("20060102-15:04:05.000"))
	return []byte(m.String())
}

// TestStalledClientDoesNotStallOthers: a client that stops reading (a hung
// process, a paused VM) while it keeps sending orders, and while another
// session trades against its resting orders, must not hold up anyone else's
// reports; once what it has unsent passes OutboundMessages it is logged out
// with a Text saying so and disconnected, its reports are not kept in memory,
// and at its next logon (without a sequence reset) it gets every report of
// its orders exactly once, in order: those QuickFIX had taken by resend, the
// rest regenerated.
func TestStalledClientDoesNotStallOthers(t *testing.T) {
	t.Parallel()
	const resting, flood = 50, 15000
	gw, logs := startGateway(t, Options{RatePerSecond: -1, OutboundMessages: 300})
	gw.slowGrace = 5 * time.Second // room for the test to read the Logout
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway log:\n%s", logs.String())
		}
	})
	port := gw.opts.Port
	b := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "STALL_B"})

	conn := dialSmallBuffer(t, port)
	r := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn),
		sid: quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "STALL_R", TargetCompID: DefaultCompID}}
	got := newSeqReports()
	r.write("35=A|98=0|108=30")
	got.add(t, r.readUntil("A"))
	for i := 0; i < resting; i++ {
		r.write("35=D|11=r" + strconv.Itoa(i) + "|55=MSFT|54=2|38=1|40=2|44=99.00|59=1")
		got.add(t, r.readUntil("8"))
	}
	// R stops reading and floods orders (IOC bids that never trade: two
	// reports each), until the gateway closes the connection.
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		w := bufio.NewWriterSize(conn, 1<<16)
		for i := 0; i < flood; i++ {
			if i%25 == 0 { // about 5000/s: the test sink's queue is bounded
				w.Flush()
				time.Sleep(5 * time.Millisecond)
			}
			r.seq++
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := w.Write(rawFrame(r.sid, r.seq, "35=D|11=f"+strconv.Itoa(i)+"|55=TEST|54=1|38=1|40=2|44=1.00|59=3")); err != nil {
				return
			}
		}
		w.Flush()
	}()
	// B takes R's resting orders meanwhile: a report each for R, and B's own
	// reports keep flowing.
	for i := 0; i < resting; i++ {
		id := "b" + strconv.Itoa(i)
		b.Send("35=D|11=" + id + "|55=MSFT|54=1|38=1|40=2|44=99.00|59=3")
		b.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: id})
		b.Expect(fields{fixtag.ExecType: "F", fixtag.ClOrdID: id, fixtag.LastPx: "99.00"})
	}
	for deadline := time.Now().Add(20 * time.Second); gw.Counters.SlowConsumers.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the stalled session was never logged out:\n%s", logs.String())
		}
	}
	if gw.Counters.ReportsSpilled.Load() == 0 {
		t.Fatal("nothing spilled: the slow consumer's reports stayed in memory")
	}
	// R reads again: what was written, then the Logout, then EOF.
	var logout fields
	for {
		m := r.read()
		if m == nil {
			break
		}
		got.add(t, m)
		if m[fixtag.MsgType] == "5" {
			logout = m
		}
	}
	<-writerDone
	if logout == nil || !strings.HasPrefix(logout[fixtag.Text], "slow consumer: ") || !strings.Contains(logout[fixtag.Text], " bytes unsent") {
		t.Fatalf("Logout %q, want Text slow consumer: N messages / B bytes unsent", logout[fixtest.Wire])
	}
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "slow consumer: logging the session out") {
		t.Fatalf("no warn line for the slow consumer:\n%s", logs.String())
	}

	// Logon again, same sequence numbers: R's own may run ahead of what the
	// gateway read (it answers with a ResendRequest, R with a gap fill); R asks
	// for everything from the first message it did not receive, as a FIX
	// client does (the Logout may have come after a gap: reports QuickFIX had
	// queued and not written when the session was logged out).
	from := got.firstMissing()
	// The gateway half-closes a kicked session and ends it only once the
	// connection has drained (third_party/quickfix/PATCH.md section 5), so R
	// can see EOF while its session is still logged on; a Logon then is
	// refused "already logged on" by the acceptor (MsgSeqNum 1, no sequence
	// number consumed on either side), and R tries again, as a client does.
	for attempt, seq := 0, r.seq; ; attempt++ {
		conn2, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn2.Close() })
		r.conn, r.r, r.seq = conn2, bufio.NewReader(conn2), seq
		r.write("35=A|98=0|108=30")
		m := r.read()
		for m != nil && m[fixtag.MsgType] != "A" && m[fixtag.MsgType] != "5" {
			m = r.read()
		}
		if m != nil && m[fixtag.MsgType] == "A" {
			got.add(t, m)
			break
		}
		if m == nil || !strings.Contains(m[fixtag.Text], "already logged on") || attempt == 200 {
			t.Fatalf("logon again: %v (attempt %d)\n%s", m, attempt+1, logs.String())
		}
		conn2.Close()
		time.Sleep(50 * time.Millisecond)
	}
	r.write("35=2|7=" + strconv.Itoa(from) + "|16=0")
	b.Send("35=D|11=done|55=TEST|54=1|38=1|40=2|44=1.00|59=3")
	b.Expect(fields{fixtag.ExecType: "0", fixtag.ClOrdID: "done"})
	b.Expect(fields{fixtag.ExecType: "4", fixtag.ClOrdID: "done"})
	owner := gw.lookup(quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "STALL_R"}).owner
	want := gw.sink.(*engineSink).eventsOf(owner)
	if len(want) < 2*resting+2*1000 {
		t.Fatalf("the engine has %d events for R: the flood did not happen", len(want))
	}
	var last fields
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("R received %d of %d reports; last message %q", len(got.exec), len(want), last[fixtest.Wire])
		}
	})
	for len(got.exec) < len(want) {
		m := r.read() // fails the test after 5 s of silence
		last = m
		if m == nil {
			t.Fatalf("connection closed with %d of %d reports", len(got.exec), len(want))
		}
		if m[fixtag.MsgType] == "2" { // the gateway's ResendRequest: nothing to resend
			begin := m[7]
			if _, err := r.conn.Write(rawFrame(r.sid, mustAtoi(t, begin), "35=4|43=Y|122="+time.Now().UTC().Format("20060102-15:04:05.000")+"|123=Y|36="+strconv.Itoa(r.seq+1))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got.add(t, m)
	}
	if ids := got.execIDs(); !slices.Equal(ids, want) {
		for i := range min(len(ids), len(want)) {
			if ids[i] != want[i] {
				t.Fatalf("report %d (in MsgSeqNum order) has ExecID %d, want %d", i, ids[i], want[i])
			}
		}
		t.Fatalf("%d reports, want %d", len(ids), len(want))
	}
	if gw.Counters.ReportsRegenerated.Load() == 0 || gw.Counters.ReportsDropped.Load() != 0 {
		t.Fatalf("regenerated %d, dropped %d", gw.Counters.ReportsRegenerated.Load(), gw.Counters.ReportsDropped.Load())
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
