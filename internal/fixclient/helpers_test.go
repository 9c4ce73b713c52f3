package fixclient

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
	"github.com/openmatch/matchd/server"
)

func TestMain(m *testing.M) { os.Exit(fixtest.RunWithLeakCheck(m)) }

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startServer runs a small matchd (the real server: gateway, pipeline,
// journal) on a free port until the end of the test; extra lines go at the
// end of [DEFAULT]. It returns the port.
func startServer(t *testing.T, extra string) int {
	t.Helper()
	port := fixtest.FreePort(t)
	if !strings.Contains(extra, "DynamicSessions=") {
		extra = "DynamicSessions=Y\n" + extra
	}
	o, err := server.Parse("test.cfg", `[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
DataDir=`+t.TempDir()+`
Symbols=AAPL:0.01:0.01-10000.00,MSFT:0.01:0.01-10000.00,TEST:0.01:0.01-10000.00
MaxOrders=4096
MaxLevels=1024
ClOrdIDHistory=4096
InboundRing=1024
OutboundRing=4096
MetricsAddr=off
Durability=none
`+extra)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	o.Logger = zerolog.New(logs).Level(zerolog.InfoLevel)
	s, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return port
}

// testClient is a Client and what it printed.
type testClient struct {
	*Client
	t   *testing.T
	out *syncbuf.Buffer
}

// connect logs a client on (Options from o, Out captured); it is closed at
// the end of the test unless the test closes it first.
func connect(t *testing.T, port int, sender string, o Options) *testClient {
	t.Helper()
	out := &syncbuf.Buffer{}
	o.Host, o.Port, o.Sender, o.Out = "127.0.0.1", port, sender, out
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			t.Logf("%s printed:\n%s", sender, out.String())
		}
	})
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &testClient{Client: c, t: t, out: out}
}

// run parses script and runs it; it must succeed.
func (c *testClient) run(script string) {
	c.t.Helper()
	if err := c.runErr(script); err != nil {
		c.t.Fatalf("%s: %v", c.o.Sender, err)
	}
}

func (c *testClient) runErr(script string) error {
	c.t.Helper()
	lines, err := ParseScript(c.o.Sender+".txt", strings.NewReader(script))
	if err != nil {
		c.t.Fatal(err)
	}
	return c.RunLines(context.Background(), lines)
}

// printed fails unless every want is a substring of some line printed.
func (c *testClient) printed(want ...string) {
	c.t.Helper()
	out := c.out.String()
	for _, w := range want {
		if !strings.Contains(out, w) {
			c.t.Errorf("%s did not print %q; it printed:\n%s", c.o.Sender, w, out)
		}
	}
}

// notPrinted fails if s is a substring of what was printed.
func (c *testClient) notPrinted(s string) {
	c.t.Helper()
	if out := c.out.String(); strings.Contains(out, s) {
		c.t.Errorf("%s printed %q:\n%s", c.o.Sender, s, out)
	}
}
