package gateway

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// The FIX stores' file descriptors (issue 17, 3): a dynamic session's store
// is closed when the session ends and reopened at its next logon.

// openFilesUnder returns how many of the process's file descriptors are open
// on files under dir (/proc/self/fd; the test is skipped without it).
func openFilesUnder(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open files: %v", err)
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

// waitOpenFiles waits until want files are open under dir and fails the test
// with the last count if that does not happen within 10 s (a session's store
// is closed once its goroutine has wound down, shortly after the disconnect).
func waitOpenFiles(t *testing.T, dir string, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := openFilesUnder(t, dir)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d files open in the FIX store directory, want %d", what, n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// storeSettings writes a settings file with dynamic sessions and one listed
// session, listed (unique: QuickFIX's session registry is process-wide), and
// returns its path and the FIX store directory.
func storeSettings(t *testing.T, dir string, port int, listed string) (settings, storeDir string) {
	t.Helper()
	storeDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	storeDir = filepath.Join(storeDir, "fix")
	settings = filepath.Join(dir, "gateway.cfg")
	if err := os.WriteFile(settings, []byte(`[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=`+strconv.Itoa(port)+`
ResetOnLogon=N
DynamicSessions=Y
FileStorePath=`+storeDir+`

[SESSION]
BeginString=FIX.4.4
TargetCompID=`+listed+`
`), 0o644); err != nil {
		t.Fatal(err)
	}
	return settings, storeDir
}

// TestDynamicStoresClosed: 10 distinct dynamic CompIDs log on one after
// another, half of them logging out, half dropping the connection; each
// one's store is closed once it has gone, so the open files stay at the
// listed session's store plus the one connected. Before, every CompID ever
// seen kept its store open until Stop: 285 of them exhausted a 300-descriptor
// limit.
func TestDynamicStoresClosed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	settings, storeDir := storeSettings(t, dir, port, "FD_LISTED")
	gw, _ := startGateway(t, Options{SettingsFile: settings, DataDir: dir})

	// The listed session's store is opened at start and stays open.
	waitOpenFiles(t, storeDir, 1, "at start")
	const n = 10
	for i := range n {
		name := "FD_" + strconv.Itoa(i)
		c := dialRaw(t, port, "FIX.4.4", name, "ENGINE")
		c.logon("")
		c.readUntil("A")
		if got := openFilesUnder(t, storeDir); got != 2 {
			t.Fatalf("%s logged on: %d files open, want 2 (its store and the listed one)", name, got)
		}
		if i%2 == 0 {
			c.write("35=5")
			c.readUntil("5")
			c.expectClosed()
		}
		c.conn.Close()
		waitOpenFiles(t, storeDir, 1, name+" gone")
	}
	if left := gw.stores.openStores(); left != 1 {
		t.Fatalf("%d stores open after %d dynamic sessions came and went, want 1 (the listed one)", left, n)
	}
	entries, err := os.ReadDir(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	logs := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".fixlog") {
			logs++
		}
	}
	if logs != n+1 {
		t.Fatalf("%d .fixlog files, want %d (each session keeps its log)", logs, n+1)
	}
}

// TestDynamicStoreReopened: a dynamic session logs on, gets a report, logs
// out (its store is closed) and logs on again: the sequence numbers carry on
// on both sides, and a resend request is answered from the reopened store.
func TestDynamicStoreReopened(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	settings, storeDir := storeSettings(t, dir, port, "REOPEN_LISTED")
	startGateway(t, Options{SettingsFile: settings, DataDir: dir})

	c := dialRaw(t, port, "FIX.4.4", "REOPEN", "ENGINE")
	c.logon("")
	c.readUntil("A")                                             // 1
	c.write("35=D|11=first|55=TEST|54=1|38=1|40=2|44=1.00|59=0") // resting
	ack := c.readUntil("8")                                      // 2
	if ack[fixtag.ClOrdID] != "first" || ack[fixtag.MsgSeqNum] != "2" {
		t.Fatalf("ack %v", ack)
	}
	c.write("35=5")
	if m := c.readUntil("5"); m[fixtag.MsgSeqNum] != "3" {
		t.Fatalf("Logout %v, want MsgSeqNum 3", m)
	}
	c.expectClosed()
	waitOpenFiles(t, storeDir, 1, "logged out")

	again := dialRaw(t, port, "FIX.4.4", "REOPEN", "ENGINE")
	again.seq = c.seq
	again.logon("")
	m := again.read()
	if m == nil || m[fixtag.MsgType] != "A" || m[fixtag.MsgSeqNum] != "4" {
		t.Fatalf("second Logon (34=%d): got %v, want the Logon with MsgSeqNum 4", again.seq, m)
	}
	again.write("35=2|7=1|16=0")
	// 1: the Logon, gap-filled; 2: the ack, resent; 3 and 4: the Logout and
	// this Logon, gap-filled up to 5.
	var got []string
	for !slices.Contains(got, "gapfill 3-5") && len(got) < 5 {
		m := again.read()
		if m == nil {
			t.Fatalf("connection closed after %q", got)
		}
		switch m[fixtag.MsgType] {
		case "4":
			got = append(got, "gapfill "+m[fixtag.MsgSeqNum]+"-"+m[36])
		case "8":
			if m[fixtag.ClOrdID] != "first" || m[43] != "Y" {
				t.Fatalf("resent report %v, want the ack with PossDupFlag(43)=Y", m)
			}
			got = append(got, "report "+m[fixtag.MsgSeqNum])
		}
	}
	if want := []string{"gapfill 1-2", "report 2", "gapfill 3-5"}; !slices.Equal(got, want) {
		t.Fatalf("resend %q, want %q", got, want)
	}
	// The session goes on with 5 and expects the client's next number.
	again.write("35=1|112=after")
	if hb := again.readUntil("0"); hb[112] != "after" || hb[fixtag.MsgSeqNum] != "5" {
		t.Fatalf("heartbeat %v, want TestReqID after with MsgSeqNum 5", hb)
	}
}
