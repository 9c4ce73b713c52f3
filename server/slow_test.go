package server

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/rcvbuf"
	"github.com/openmatch/matchd/replay"
)

// victim is a raw FIX client that keeps its sequence numbers across
// connections (no reset) and records every ExecutionReport by MsgSeqNum, so
// that what it received can be compared with the engine's events for it.
type victim struct {
	t    *testing.T
	port int
	seq  int // the client's last MsgSeqNum sent

	mu   sync.Mutex // guards conn against the flood goroutine
	conn net.Conn
	r    *bufio.Reader

	partial []byte // a message read in part before a timeout

	exec map[int]uint64 // server MsgSeqNum -> ExecID
	seen map[int]bool   // server MsgSeqNums received or gap-filled
}

// frame builds one message from "35=X|..." with the victim's header.
func (v *victim) frame(seq int, spec string) []byte {
	m := fixtest.Msg(spec)
	m.Header.SetString(8, "FIX.4.4")
	m.Header.SetString(49, "VICTIM")
	m.Header.SetString(56, "ENGINE")
	m.Header.SetInt(34, seq)
	m.Header.SetString(52, time.Now().UTC().Format("20060102-15:04:05.000"))
	return []byte(m.String())
}

// connect logs on (small receive buffer) and asks for a resend from the
// first server MsgSeqNum it has not got. A connection closed before the
// Logon answer is retried, as a client would: QuickFIX answers a
// ResendRequest in one go on the session's goroutine, so after a drop in the
// middle of a long resend it notices the disconnect only at the end, and
// refuses a new connection for the session until then.
func (v *victim) connect() {
	v.t.Helper()
	for try := 0; ; try++ {
		err := v.tryConnect()
		if err == nil {
			return
		}
		if try == 20 {
			v.t.Fatalf("logon: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (v *victim) tryConnect() error {
	d := rcvbuf.Dialer(4096, 0)
	conn, err := d.Dial("tcp", "127.0.0.1:"+strconv.Itoa(v.port))
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.conn, v.r, v.partial = conn, bufio.NewReader(conn), nil
	v.mu.Unlock()
	if err := v.trySend("35=A|98=0|108=30"); err != nil {
		return err
	}
	for {
		m, err := v.read(5 * time.Second)
		if err != nil {
			conn.Close()
			return err
		}
		if m[fixtag.MsgType] == "A" {
			break
		}
	}
	first := 1
	for v.seen[first] {
		first++
	}
	return v.trySend("35=2|7=" + strconv.Itoa(first) + "|16=0")
}

// send writes one message (the next MsgSeqNum); an error is returned to a
// flooding caller, fatal otherwise.
func (v *victim) send(spec string) {
	v.t.Helper()
	if err := v.trySend(spec); err != nil {
		v.t.Fatal(err)
	}
}

func (v *victim) trySend(spec string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	v.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := v.conn.Write(v.frame(v.seq, spec))
	return err
}

// read returns the next message, recording it; it answers the server's
// ResendRequest with a gap fill (the victim resends no orders).
func (v *victim) read(timeout time.Duration) (fixtest.Fields, error) {
	for {
		v.conn.SetReadDeadline(time.Now().Add(timeout))
		raw, err := fixtest.ReadFrame(v.r, v.partial)
		if err != nil { // a timeout keeps what was read of the message
			v.partial = raw
			return nil, err
		}
		v.partial = nil
		f, err := fixtest.ParseFrame(raw)
		if err != nil {
			return nil, err
		}
		seq, _ := strconv.Atoi(f[fixtag.MsgSeqNum])
		v.seen[seq] = true
		switch f[fixtag.MsgType] {
		case "8":
			id, _ := strconv.ParseUint(f[fixtag.ExecID], 10, 64)
			if old, ok := v.exec[seq]; ok && old != id {
				v.t.Fatalf("MsgSeqNum %d carried ExecID %d, then %d", seq, old, id)
			}
			v.exec[seq] = id
		case "4":
			to, _ := strconv.Atoi(f[36])
			for s := seq; s < to; s++ {
				v.seen[s] = true
			}
		case "2":
			begin, _ := strconv.Atoi(f[7])
			v.mu.Lock()
			_, err := v.conn.Write(v.frame(begin, "35=4|43=Y|122="+time.Now().UTC().Format("20060102-15:04:05.000")+"|123=Y|36="+strconv.Itoa(v.seq+1)))
			v.mu.Unlock()
			if err != nil {
				return nil, err
			}
			continue
		}
		return f, nil
	}
}

// execIDs returns the ExecIDs received, in MsgSeqNum order.
func (v *victim) execIDs() []uint64 {
	return fixtest.InSeqOrder(v.exec)
}

// TestSlowConsumerExactlyOnce: a session that, round after round, stalls
// (stops reading while it floods orders, until the server logs it out as a
// slow consumer) or drops its connection, and stays away while another
// session trades against its resting orders (its offline queue spills),
// receives, over all its connections, every event the engine produced for it,
// each exactly once and in order: by resend for what QuickFIX had taken, by
// regeneration from the journal (and snapshots) for what the gateway forgot.
func TestSlowConsumerExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	o, logs := testOptions(t, dir, port, "RateLimit=off\nOutboundMessages=200\nOfflineReports=50\nSnapshotEvery=500\n")
	s := startServer(t, o)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (tail):\n%s", tail(logs.String(), 40))
		}
	})
	h := client(t, port, "FIX.4.4", "HEALTHY", nil)

	// H buys what V rests, IOC, paced, until told to stop.
	var stop atomic.Bool
	hDone := make(chan struct{})
	var hSent atomic.Int64
	go func() {
		defer close(hDone)
		for i := 0; !stop.Load(); i++ {
			h.Send("35=D|11=h" + strconv.Itoa(i) + "|55=MSFT|54=1|38=1|40=2|44=99.00|59=3")
			hSent.Add(1)
			time.Sleep(time.Millisecond)
		}
	}()
	// H's reports are read and dropped (the fixtest client queues them).
	hDrain := make(chan struct{})
	go func() {
		defer close(hDrain)
		for {
			if _, out := h.Collect(2 * time.Second); !out && stop.Load() {
				return
			}
		}
	}()

	v := &victim{t: t, port: port, exec: map[int]uint64{}, seen: map[int]bool{}}
	order := 0
	for round := 0; round < 6; round++ {
		slow := s.gw.Counters.SlowConsumers.Load()
		v.connect()
		// Reading: rest some orders and read for a while.
		for i := 0; i < 100; i++ {
			v.send("35=D|11=v" + strconv.Itoa(order) + "|55=MSFT|54=2|38=1|40=2|44=99.00|59=1")
			order++
		}
		for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
			var ne net.Error
			if _, err := v.read(50 * time.Millisecond); err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if round%2 == 0 {
			// Stall: flood without reading until the server closes the
			// connection (slow consumer).
			var ferr error
			for i := 0; ; i++ {
				if ferr = v.trySend("35=D|11=v" + strconv.Itoa(order) + "|55=TEST|54=1|38=1|40=2|44=1.00|59=3"); ferr != nil {
					break
				}
				order++
				if i%20 == 0 {
					time.Sleep(5 * time.Millisecond)
				}
				if i > 100000 {
					t.Fatalf("round %d: never logged out", round)
				}
			}
			if s.gw.Counters.SlowConsumers.Load() == slow {
				t.Fatalf("round %d: the connection failed (%v) but no slow consumer was counted", round, ferr)
			}
		}
		// Drop (or after the stall: close what is left) and stay away while
		// H trades against the resting orders.
		v.conn.Close()
		time.Sleep(300 * time.Millisecond)
	}
	stop.Store(true)
	<-hDone
	<-hDrain
	h.Send("35=D|11=marker|55=AAPL|54=1|38=1|40=2|44=1.00|59=3")
	if _, out := h.Collect(time.Second); out {
		t.Fatal("H was logged out")
	}

	// What the engine produced for V, from the journal.
	var want []uint64
	owner := uint32(0)
	if _, err := replay.Run(replay.Options{Dir: dir, Engine: o.Engine, OnEvent: func(ev *engine.Event) error {
		if owner == 0 && strings.HasPrefix(ev.ClOrdID.String(), "v") {
			owner = ev.Owner
		}
		if owner != 0 && ev.Owner == owner {
			want = append(want, ev.ExecID)
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if s.gw.Counters.ReportsRegenerated.Load() == 0 || s.gw.Counters.ReportsSpilled.Load() == 0 {
		t.Fatalf("spilled %d regenerated %d: the test exercised no regeneration",
			s.gw.Counters.ReportsSpilled.Load(), s.gw.Counters.ReportsRegenerated.Load())
	}

	v.connect()
	for len(v.exec) < len(want) {
		if _, err := v.read(5 * time.Second); err != nil {
			t.Fatalf("final connection: %v with %d of %d reports", err, len(v.exec), len(want))
		}
	}
	got := v.execIDs()
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("report %d (in MsgSeqNum order) has ExecID %d, want %d (%d reports, %d events)", i, got[i], want[i], len(got), len(want))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d reports, want %d", len(got), len(want))
	}
	if d := s.gw.Counters.ReportsDropped.Load(); d != 0 {
		t.Fatalf("%d reports dropped", d)
	}
	t.Logf("%d events for the victim, %d slow-consumer logouts, %d reports spilled, %d regenerated",
		len(want), s.gw.Counters.SlowConsumers.Load(), s.gw.Counters.ReportsSpilled.Load(), s.gw.Counters.ReportsRegenerated.Load())
	v.conn.Close()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
