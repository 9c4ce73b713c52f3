package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
	"github.com/openmatch/matchd/replay"
)

func TestMain(m *testing.M) { os.Exit(fixtest.RunWithLeakCheck(m)) }

// busy reports whether addr cannot be listened on now.
func busy(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return true
	}
	l.Close()
	return false
}

// TestNewcomer does what the README tells a newcomer: build matchd, start it
// with no flags in an empty directory, log on, trade, stop it with SIGTERM. It
// must exit 0 and leave a journal that the replay tool replays to one command
// per order sent.
//
// With no flags matchd listens on 127.0.0.1:5001 (FIX) and 127.0.0.1:9090
// (metrics). When either is taken on this machine (another matchd, a local
// Prometheus, a parallel CI job), the test passes -port and/or -metrics with free
// ports instead and says so: everything else is still the embedded default.
func TestNewcomer(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build matchd")
	}
	bin := filepath.Join(t.TempDir(), "matchd")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// A newcomer's mistakes: -h exits 0; a bad setting exits 2 naming the key.
	if out, err := exec.Command(bin, "-h").CombinedOutput(); err != nil || !strings.Contains(string(out), "-config file") {
		t.Fatalf("matchd -h: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.cfg")
	os.WriteFile(bad, []byte("[DEFAULT]\nDynamicSessions=Y\nMaxOrders=lots\n"), 0o644)
	badOut, err := exec.Command(bin, "-config", bad).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 ||
		!strings.Contains(string(badOut), "bad.cfg:3: MaxOrders: \"lots\": must be an integer") {
		t.Fatalf("matchd with a bad setting: %v\n%s", err, badOut)
	}

	work := t.TempDir()
	port := 5001
	var args []string
	if busy("127.0.0.1:5001") {
		port = fixtest.FreePort(t)
		args = append(args, "-port", strconv.Itoa(port))
		t.Logf("127.0.0.1:5001 is taken here: running with -port %d", port)
	}
	if busy("127.0.0.1:9090") {
		args = append(args, "-metrics", "127.0.0.1:0")
		t.Log("127.0.0.1:9090 is taken here: running with -metrics 127.0.0.1:0")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = work
	stderr := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "matchd ready") {
		select {
		case err := <-exited:
			t.Fatalf("matchd exited early: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("matchd not ready after 30 s:\n%s", stderr.String())
		}
	}

	ids := &fixtest.ExecIDs{}
	a := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "NEWCOMER_A", ExecIDs: ids})
	b := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.2", Name: "NEWCOMER_B", ExecIDs: ids})
	a.Send("35=D|11=buy1|55=AAPL|54=1|38=10|40=2|44=100.00")
	a.Expect(fixtest.Fields{fixtag.ExecType: "0"})
	b.Send("35=D|11=sell1|55=AAPL|54=2|38=10|40=2|44=100.00")
	b.Expect(fixtest.Fields{fixtag.ExecType: "0"})
	b.Expect(fixtest.Fields{fixtag.ExecType: "2", fixtag.LastQty: "10", fixtag.LastPx: "100.00"})
	a.Expect(fixtest.Fields{fixtag.ExecType: "F", fixtag.OrdStatus: "2", fixtag.LastQty: "10", fixtag.LastPx: "100.00"})
	const ordersSent = 2

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("matchd exited with %v after SIGTERM:\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("matchd still running 20 s after SIGTERM:\n%s", stderr.String())
	}
	a.Close()
	b.Close()

	// Not a terminal: the log is JSON lines, and says what happened.
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		msgs = append(msgs, rec.Message)
	}
	for _, want := range []string{"books recovered", "matchd ready", "FIX session logged on", "shutting down", "matchd stopped"} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr.String())
		}
	}

	var out, errOut bytes.Buffer
	if err := replay.Main([]string{"-data", filepath.Join(work, "data")}, &out, &errOut); err != nil {
		t.Fatalf("replay: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^commands=` + strconv.Itoa(ordersSent) + ` state_hash=[0-9a-f]{16} events_hash=[0-9a-f]{16}$`).MatchString(last) {
		t.Fatalf("replay's last line %q, want commands=%d state_hash=... events_hash=...", last, ordersSent)
	}
}
