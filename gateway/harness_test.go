package gateway

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
)

// TestMain fails the run if goroutines started by the tests outlive them
// (QuickFIX's known strays excepted, see fixtest).
func TestMain(m *testing.M) { os.Exit(fixtest.RunWithLeakCheck(m)) }

// testEngineConfig is a small engine: 0.01 ticks, prices up to 10,000.00.
func testEngineConfig() engine.Config {
	cfg := engine.Config{MaxOrders: 4096, MaxLevels: 1024, History: 4096, MaxQty: 1_000_000_000}
	for _, n := range []string{"AAPL", "MSFT", "TEST"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: n, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1_000_000})
	}
	return cfg
}

// engineSink is the test Sink: a real engine on its own goroutine, fed by a
// bounded channel, delivering every event to the gateway in order.
type engineSink struct {
	in   chan engine.Command
	done chan struct{}
	eng  *engine.Engine

	mu     sync.Mutex
	gw     *Gateway
	closed bool
	cmds   []engine.Command // every command applied, in order: the "journal"
	// now, when set, is the sequencer's clock (the command Time), in place
	// of time.Now.
	now func() int64
}

func newEngineSink(t *testing.T) *engineSink {
	eng, err := engine.New(testEngineConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := &engineSink{in: make(chan engine.Command, 1024), done: make(chan struct{}), eng: eng}
	go s.run()
	return s
}

// Submit implements Sink.
func (s *engineSink) Submit(cmd *engine.Command) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sink closed")
	}
	select {
	case s.in <- *cmd:
		return nil
	default:
		return errors.New("sink overloaded")
	}
}

func (s *engineSink) run() {
	defer close(s.done)
	out := engine.NewEvents(64)
	var seq uint64
	for cmd := range s.in {
		seq++
		cmd.Seq, cmd.Time = seq, time.Now().UnixNano()
		s.mu.Lock()
		if s.now != nil {
			cmd.Time = s.now()
		}
		s.mu.Unlock()
		out.Reset()
		s.eng.Apply(&cmd, out)
		s.mu.Lock()
		gw := s.gw
		s.cmds = append(s.cmds, cmd)
		s.mu.Unlock()
		for i := 0; i < out.Len(); i++ {
			gw.Deliver(out.At(i))
		}
	}
}

// regenerate is the test Regenerator: the recorded commands through a fresh
// engine (the server's replays the journal).
func (s *engineSink) regenerate(owner uint32, fromSeq, toSeq uint64, fn func(*engine.Event) error) error {
	s.mu.Lock()
	cmds := s.cmds[:toSeq]
	s.mu.Unlock()
	eng, err := engine.New(testEngineConfig())
	if err != nil {
		return err
	}
	out := engine.NewEvents(64)
	for i := range cmds {
		out.Reset()
		eng.Apply(&cmds[i], out)
		for j := 0; j < out.Len(); j++ {
			if ev := out.At(j); ev.Owner == owner && ev.Seq >= fromSeq {
				if err := fn(ev); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// eventsOf returns the ExecIDs of owner's events so far, in order.
func (s *engineSink) eventsOf(owner uint32) []uint64 {
	var ids []uint64
	s.mu.Lock()
	n := uint64(len(s.cmds))
	s.mu.Unlock()
	_ = s.regenerate(owner, 1, n, func(ev *engine.Event) error { ids = append(ids, ev.ExecID); return nil })
	return ids
}

func (s *engineSink) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.in)
	}
	s.mu.Unlock()
	<-s.done
}

// startGateway runs a gateway with a real engine behind it; everything is shut
// down at the end of the test.
func startGateway(t *testing.T, opts Options) (*Gateway, *syncbuf.Buffer) {
	t.Helper()
	return startGatewayAt(t, opts, zerolog.InfoLevel)
}

// startGatewayDebug is startGateway with the logs at debug level, QuickFIX's
// session events included.
func startGatewayDebug(t *testing.T, opts Options) (*Gateway, *syncbuf.Buffer) {
	t.Helper()
	return startGatewayAt(t, opts, zerolog.DebugLevel)
}

// startGatewayAt is startGateway logging at level.
func startGatewayAt(t *testing.T, opts Options, level zerolog.Level) (*Gateway, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	sink := newEngineSink(t)
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	if opts.Port == 0 && opts.SettingsFile == "" {
		opts.Port = fixtest.FreePort(t)
	}
	opts.ListenHost = "127.0.0.1"
	opts.Symbols = testEngineConfig().Symbols
	opts.Sink = sink
	if opts.Regenerate == nil {
		opts.Regenerate = sink.regenerate
	}
	opts.Logger = zerolog.New(logs).Level(level)
	gw, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	sink.gw = gw
	sink.mu.Unlock()
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		gw.Stop()
		sink.close()
	})
	return gw, logs
}

// fields is a received message, as the fixtest clients return it.
type fields = fixtest.Fields

// rawClient speaks FIX over a plain socket, for logons the gateway must refuse.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	sid  quickfix.SessionID // client side: Sender = client
	seq  int
}

func dialRaw(t *testing.T, port int, begin, sender, target string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn),
		sid: quickfix.SessionID{BeginString: begin, SenderCompID: sender, TargetCompID: target}}
}

// write sends one message from "35=A|98=0|..." with a fresh header.
func (c *rawClient) write(spec string) {
	c.t.Helper()
	c.seq++
	m := fixMsg(spec)
	m.Header.SetString(8, c.sid.BeginString)
	m.Header.SetString(49, c.sid.SenderCompID)
	m.Header.SetString(56, c.sid.TargetCompID)
	m.Header.SetInt(34, c.seq)
	m.Header.SetString(52, time.Now().UTC().Format("20060102-15:04:05.000"))
	if _, err := c.conn.Write([]byte(m.String())); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) logon(extra string) {
	spec := "35=A|98=0|108=30"
	if extra != "" {
		spec += "|" + extra
	}
	c.write(spec)
}

// read returns the next message, or nil at EOF.
func (c *rawClient) read() fields {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	raw, err := fixtest.ReadFrame(c.r, nil)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatalf("read: timed out after %q", raw)
		}
		if len(raw) == 0 {
			return nil
		}
		c.t.Fatalf("read: %v after %q", err, raw)
	}
	f, err := fixtest.ParseFrame(raw)
	if err != nil {
		c.t.Fatal(err)
	}
	return f
}

// readUntil skips heartbeats and other messages not of type mt.
func (c *rawClient) readUntil(mt string) fields {
	c.t.Helper()
	for {
		m := c.read()
		if m == nil {
			c.t.Fatalf("connection closed while waiting for MsgType %s", mt)
		}
		if m[fixtag.MsgType] == mt {
			return m
		}
	}
}

// expectClosed reads until the gateway closes the connection.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	for i := 0; i < 10; i++ {
		if c.read() == nil {
			return
		}
	}
	c.t.Fatal("connection not closed")
}
