package server

import (
	"errors"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/internal/fixtest"
)

// TestListedSessions: a production configuration lists the sessions; a listed
// client with the right password trades, one with a wrong password and an
// unlisted one are refused at logon, counted and logged.
func TestListedSessions(t *testing.T) {
	t.Parallel()
	port := fixtest.FreePort(t)
	o, logs := testOptions(t, t.TempDir(), port, `DynamicSessions=N
[SESSION]
BeginString=FIX.4.4
TargetCompID=LST_A
Username=alice
Password=s3cret
[SESSION]
BeginString=FIX.4.2
TargetCompID=LST_B
`)
	s := startServer(t, o)
	a := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "LST_A", Username: "alice", Password: "s3cret"})
	b := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.2", Name: "LST_B"})
	a.Send("35=D|11=a1|55=TEST|54=1|38=5|40=2|44=1.00")
	a.Expect(fields{tExecType: "0"})
	b.Send("35=D|11=b1|55=TEST|54=2|38=5|40=1")
	b.Expect(fields{tExecType: "0"})
	b.Expect(fields{tExecType: "2", tLastPx: "1.00"})
	a.Expect(fields{tExecType: "F", tLastQty: "5"})

	a.Close() // one initiator per SessionID in a process
	bad := fixtest.Start(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "LST_A", Username: "alice", Password: "wrong"})
	stranger := fixtest.Start(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "LST_X"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := httpGet(t, "http://"+s.MetricsAddr()+"/metrics")
		// The refused initiators retry every second: at least one refusal each.
		if refusedRE("bad_credentials").MatchString(body) && refusedRE("unknown_session").MatchString(body) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refusals not counted:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	bad.Close()
	stranger.Close()
	for _, want := range []string{`"sender_comp_id":"LST_X"`, `"reason":"bad_credentials"`, `"message":"FIX logon refused"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

// TestStartFailures: a second server on a data directory in use fails in New,
// before the gateway touches the directory; a FIX port in use fails Start with
// the setting named, and Close still releases everything.
func TestStartFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, _ := testOptions(t, dir, fixtest.FreePort(t), "")
	s := startServer(t, o)
	o2, _ := testOptions(t, dir, fixtest.FreePort(t), "")
	if _, err := New(o2); !errors.Is(err, datadir.ErrLocked) || !strings.HasPrefix(err.Error(), "server: ") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second server on the same data: %v", err)
	}
	s.Close()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busyPort := l.Addr().(*net.TCPAddr).Port
	o3, _ := testOptions(t, t.TempDir(), busyPort, "")
	s3, err := New(o3)
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.Start(); err == nil || !strings.Contains(err.Error(), "FIX port "+strconv.Itoa(busyPort)+" (SocketAcceptPort, -port)") {
		t.Fatalf("Start on a busy port: %v", err)
	}
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
	// The data directory is free again.
	s4, err := New(o3)
	if err != nil {
		t.Fatal(err)
	}
	s4.Close()
	if _, err := os.Stat(datadir.OwnersFile(o3.DataDir)); err != nil {
		t.Fatal(err)
	}
}

func refusedRE(reason string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^matchd_logons_refused_total\{reason="` + reason + `"\} [1-9]`)
}
