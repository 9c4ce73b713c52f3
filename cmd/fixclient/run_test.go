package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
	"github.com/openmatch/matchd/server"
)

func TestMain(m *testing.M) { os.Exit(fixtest.RunWithLeakCheck(m)) }

// runCmd runs the binary's run with args and stdin (not a terminal).
func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code = run(ctx, args, env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errs, cancel: cancel})
	return code, out.String(), errs.String()
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("buy 1 AAPL @1\n\nsell 1 AAPL @x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"buy", "1", "AAPL"}, "-sender is required"},
		{[]string{"-sender", "A", "-script", bad, "buy", "1", "AAPL"}, "either with -script or on the command line"},
		{[]string{"-sender", "A", "-script", bad}, `bad.txt:3: sell: price "x"`},
		{[]string{"-sender", "A", "-script", filepath.Join(dir, "none.txt")}, "no such file"},
		{[]string{"-sender", "A", "buy 1 AAPL; frob"}, `command line:2: unknown command "frob"`},
		{[]string{"-sender", "A B", "quit"}, "-sender \"A B\" must be"},
		{[]string{"-sender", "A", "-timeout", "0s", "quit"}, "must be positive"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
	} {
		code, _, stderr := runCmd(t, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, _, stderr := runCmd(t, "", "-h"); code != 0 || !strings.Contains(stderr, "buy|sell QTY SYMBOL") {
		t.Errorf("-h: exit %d, %q", code, stderr)
	}
}

func TestLogonFailure(t *testing.T) {
	port := fixtest.FreePort(t)
	code, _, stderr := runCmd(t, "", "-port", strconv.Itoa(port), "-sender", "A", "buy 1 AAPL @1")
	if code != 1 || !strings.Contains(stderr, "cannot connect to 127.0.0.1:"+strconv.Itoa(port)+" (is matchd running?") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestAgainstServer: the command line, a script and standard input, each
// against a real server, and a script that fails at a line.
func TestAgainstServer(t *testing.T) {
	port := strconv.Itoa(startServer(t))
	code, out, stderr := runCmd(t, "", "-port", port, "-sender", "ALICE", "sell 100 AAPL @150.00 id=a1")
	if code != 0 || !strings.Contains(out, "ENGINE>ALICE exec new sell 100 AAPL @150.00 day id=a1 order=1 status=new") {
		t.Fatalf("sell: exit %d\n%s%s", code, out, stderr)
	}
	script := filepath.Join(t.TempDir(), "bob.txt")
	if err := os.WriteFile(script, []byte("# BOB takes it\nbuy 100 AAPL @150.00\nexpect filled\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCmd(t, "", "-port", port, "-sender", "BOB", "-script", script)
	if code != 0 || !strings.Contains(out, "last=100@150.00 status=filled") {
		t.Fatalf("script: exit %d\n%s%s", code, out, stderr)
	}
	// ALICE's fill waited for her next logon.
	code, out, stderr = runCmd(t, "expect filled a1\nquit\nbuy 1 AAPL @1\n", "-port", port, "-sender", "ALICE")
	if code != 0 || !strings.Contains(out, "ENGINE>ALICE exec trade sell 100 AAPL @150.00 day id=a1 order=1 last=100@150.00 status=filled") ||
		strings.Contains(out, "new-order") {
		t.Fatalf("stdin: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "buy 1 AAPL @1\n\nexpect trade 100ms\nbuy 2 AAPL @1\n", "-port", port, "-sender", "CAROL")
	if code != 1 || !strings.Contains(stderr, "fixclient: stdin:3: expect trade 100ms: not seen within 100ms") || strings.Contains(out, "buy 2") {
		t.Fatalf("failing stdin: exit %d\n%s%s", code, out, stderr)
	}
}

// startServer runs a small matchd on a free port until the end of the test.
func startServer(t *testing.T) int {
	t.Helper()
	port := fixtest.FreePort(t)
	o, err := server.Parse("test.cfg", "[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort="+strconv.Itoa(port)+
		"\nDynamicSessions=Y\nDataDir="+t.TempDir()+"\nSymbols=AAPL:0.01:0.01-10000.00\nMaxOrders=1024\nMaxLevels=256\nClOrdIDHistory=1024\n"+
		"InboundRing=256\nOutboundRing=1024\nMetricsAddr=off\nDurability=none\n")
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
	t.Cleanup(func() { s.Close() })
	return port
}
