package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/pipeline"
)

// rawFIX is a FIX 4.4 client on a plain socket, so that a test sees the
// transport (a FIN or a reset) that a QuickFIX initiator hides.
type rawFIX struct {
	t      *testing.T
	conn   net.Conn
	r      *bufio.Reader
	sender string
	target string     // TargetCompID; "" is ENGINE
	wmu    sync.Mutex // write may be called from a flooding goroutine
	seq    int
}

func dialFIX(t *testing.T, port int, sender string) *rawFIX {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawFIX{t: t, conn: conn, r: bufio.NewReader(conn), sender: sender}
}

// write sends "35=D|11=..|..." with a fresh header; it returns the socket's error.
func (c *rawFIX) write(spec string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.seq++
	m := fixtest.Msg(spec)
	m.Header.SetString(8, "FIX.4.4")
	m.Header.SetString(49, c.sender)
	target := c.target
	if target == "" {
		target = "ENGINE"
	}
	m.Header.SetString(56, target)
	m.Header.SetInt(34, c.seq)
	m.Header.SetString(52, time.Now().UTC().Format("20060102-15:04:05.000"))
	_, err := c.conn.Write([]byte(m.String()))
	return err
}

// read returns the next message, or nil and the error that ended the stream
// (io.EOF for a clean close).
func (c *rawFIX) read() (fields, error) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	raw, err := fixtest.ReadFrame(c.r, nil)
	if err != nil {
		if len(raw) != 0 {
			return nil, errors.New("after " + strconv.Quote(string(raw)) + ": " + err.Error())
		}
		return nil, err
	}
	f, err := fixtest.ParseFrame(raw)
	if err != nil {
		c.t.Fatal(err)
	}
	return f, nil
}

// until returns the next message of type mt, skipping others.
func (c *rawFIX) until(mt string) fields {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatalf("%s: waiting for MsgType %s: %v", c.sender, mt, err)
		}
		if m[tMsgType] == mt {
			return m
		}
	}
}

// TestDiskFull: the journal's disk fills up (a write fails with ENOSPC) while
// three sessions are logged on, one of them sending orders as fast as it can.
// Each session gets a Logout whose Text names the cause, after the reports it
// was owed; a session that confirms the Logout (A, B) is closed once its
// confirmation has been read, one that does not (C) after LogoutTimeout; each
// sees the end of the stream (a FIN, not a reset), and a confirmation is never
// written to a closed socket. The cause is logged once at error level and Run
// returns it. The order acknowledged before the fault survives the restart;
// none sent after it was acknowledged or journaled.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	o, logs := testOptions(t, dir, port, "LogoutTimeout=1\n")
	var full atomic.Bool
	o.journalFault = func() error {
		if full.Load() {
			return &fs.PathError{Op: "write", Path: filepath.Join(dir, "journal", "00000000000000000001.log"), Err: syscall.ENOSPC}
		}
		return nil
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(context.Background()) }()
	for !strings.Contains(logs.String(), "matchd ready") {
		select {
		case err := <-ran:
			t.Fatalf("Run: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	a, b, c := dialFIX(t, port, "DF_A"), dialFIX(t, port, "DF_B"), dialFIX(t, port, "DF_C")
	for _, x := range []*rawFIX{a, b, c} {
		x.write("35=A|98=0|108=30")
		x.until("A")
	}
	a.write("35=D|11=a1|55=AAPL|54=1|38=10|40=2|44=50.00")
	if ack := a.until("8"); ack[tExecType] != "0" || ack[tClOrdID] != "a1" {
		t.Fatalf("a1: %v", ack)
	}

	full.Store(true)
	// A sends orders without pause until it has read the Logout.
	var sawLogout atomic.Bool
	flood := make(chan int)
	go func() {
		n := 0
		for !sawLogout.Load() && a.write("35=D|11=f"+strconv.Itoa(n)+"|55=AAPL|54=1|38=1|40=2|44=1.00") == nil {
			n++
		}
		flood <- n
	}()
	const text = "server stopping: journal write failed: no space left on device"
	var wg sync.WaitGroup
	for _, x := range []*rawFIX{a, b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lo fields
			for lo == nil {
				m, err := x.read()
				switch {
				case err != nil:
					t.Errorf("%s: waiting for the Logout: %v", x.sender, err)
					return
				case m[tMsgType] == "5":
					lo = m
				case m[tMsgType] == "8":
					t.Errorf("%s: report after the fault: %v", x.sender, m)
				}
			}
			if x == a {
				sawLogout.Store(true)
			}
			if lo[tText] != text {
				t.Errorf("%s: Logout Text %q, want %q", x.sender, lo[tText], text)
			}
			if x != c {
				if x == a {
					<-flood // A stops sending orders before it confirms
				}
				if err := x.write("35=5"); err != nil {
					t.Errorf("%s: confirming the Logout: %v", x.sender, err)
				}
			}
			for {
				m, err := x.read()
				if err == nil {
					if m[tMsgType] != "j" { // A's orders in flight are refused
						t.Errorf("%s: %v after the Logout", x.sender, m)
					}
					continue
				}
				if err != io.EOF {
					t.Errorf("%s: after the Logout: %v, want EOF (a FIN, not a reset)", x.sender, err)
				}
				return
			}
		}()
	}
	wg.Wait()
	err = <-ran
	if !errors.Is(err, ErrPipelineFailed) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Run returned %v, want ErrPipelineFailed with the journal's ENOSPC", err)
	}
	if n := strings.Count(logs.String(), `"level":"error"`); n != 1 || !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("%d error lines, want 1 naming the cause:\n%s", n, logs)
	}

	o2, _ := testOptions(t, dir, port, "")
	s2 := startServer(t, o2)
	if rec := s2.Recovered(); rec.LastSeq != 1 {
		t.Fatalf("recovered up to seq %d, want 1 (a1; nothing after the fault)", rec.LastSeq)
	}
	if code, body := httpGet(t, "http://"+s2.MetricsAddr()+"/book?symbol=AAPL"); code != 200 ||
		!strings.Contains(body, `"bids":[{"px":"50.00","size":10,"orders":1}]`) {
		t.Fatalf("/book after the restart: %d %s", code, body)
	}
}

// TestStopText: the Logout's Text names what failed and the operating
// system's reason, without the paths in the error.
func TestStopText(t *testing.T) {
	enospc := &fs.PathError{Op: "write", Path: "/data/journal/00000000000000000003.log", Err: syscall.ENOSPC}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.Join(pipeline.ErrJournal, fmt.Errorf("pipeline: journal commit: journal: segment 3: %w", enospc)), "server stopping: journal write failed: no space left on device"},
		{errors.Join(pipeline.ErrJournal, fmt.Errorf("pipeline: journal append: %w", &fs.PathError{Op: "write", Path: "/x", Err: syscall.EIO})), "server stopping: journal write failed: input/output error"},
		{errors.Join(pipeline.ErrSnapshot, fmt.Errorf("pipeline: snapshot at seq 9: %w", enospc)), "server stopping: snapshot write failed: no space left on device"},
		{errors.Join(pipeline.ErrJournal, errors.New("pipeline: journal commit: journal: closed")), "server stopping: journal write failed"},
		{errors.New("something else"), "server stopping: storage failed"},
		// The kind comes from the pipeline's classification, not the wording.
		{errors.New("pipeline: journal commit: journal: closed"), "server stopping: storage failed"},
	} {
		if got := stopText(tc.err); got != tc.want {
			t.Errorf("stopText(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
