package gateway

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// Files before logon (issue 17, 3): a Logon without a SenderCompID, or a
// first message that is not a Logon, creates no file.

// storeDirFiles lists the files under dir, recursively (none if it does not
// exist).
func storeDirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

// TestEmptySenderCompIDRefused: a Logon whose SenderCompID(49) is empty gets
// a Logout saying so, a warn line and a count, and leaves nothing behind: no
// store file, no owner. Before, the gateway created a dynamic session (and
// its .fixlog) for the empty CompID, registered it as an owner, and QuickFIX
// then dropped the connection without a word. A Logon without 49 at all does
// not parse: the connection is closed, logged and counted (not_logon).
func TestEmptySenderCompIDRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gw, logs := startGateway(t, Options{DataDir: dir})
	before := storeDirFiles(t, dir)

	c := dialRaw(t, gw.opts.Port, "FIX.4.4", "", DefaultCompID)
	c.logon("")
	m := c.read()
	if m == nil || m[fixtag.MsgType] != "5" || m[fixtag.Text] != "logon refused: SenderCompID(49) must not be empty" {
		t.Fatalf("empty SenderCompID: got %v, want a Logout with a Text", m)
	}
	c.expectClosed()
	if n := gw.Counters.LogonsRefused[RefusedInvalidLogon].Load(); n != 1 {
		t.Errorf("LogonsRefused[invalid_logon] = %d, want 1", n)
	}

	c = dialRaw(t, gw.opts.Port, "FIX.4.4", "", DefaultCompID)
	if _, err := c.conn.Write(wireFrame("FIX.4.4", "35=A|56="+DefaultCompID+"|34=1|52="+
		time.Now().UTC().Format("20060102-15:04:05.000")+"|98=0|108=30", "auto")); err != nil {
		t.Fatal(err)
	}
	c.expectClosed()
	if n := gw.Counters.ConnectionEvents[quickfix.ConnNotLogon].Load(); n != 1 {
		t.Errorf("ConnectionEvents[not_logon] = %d, want 1", n)
	}

	out := logs.String()
	for _, want := range []string{`"reason":"invalid_logon"`, `"text":"logon refused: SenderCompID(49) must not be empty"`,
		`"reason":"not_logon"`, `Required Field Missing (49)`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "new owner registered") {
		t.Errorf("an owner was registered for an empty SenderCompID:\n%s", out)
	}
	if after := storeDirFiles(t, dir); !slices.Equal(after, before) {
		t.Errorf("files %q, want only %q", after, before)
	}
}

// TestNotLogonFirstCreatesNoFile: a connection whose first message is not a
// Logon (an order, a heartbeat, a Logout from a new CompID) is closed before
// any session exists: no .fixlog, no other file. (The QuickFIX patch's "first
// message must be a Logon", PATCH.md section 2, does it; this pins it down.)
func TestNotLogonFirstCreatesNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gw, _ := startGateway(t, Options{DataDir: dir})
	before := storeDirFiles(t, dir)
	for i, spec := range []string{"35=D|11=x|55=TEST|54=1|38=1|40=2|44=1.00", "35=0", "35=5"} {
		c := dialRaw(t, gw.opts.Port, "FIX.4.4", "EARLY_"+strconv.Itoa(i), DefaultCompID)
		c.write(spec)
		c.expectClosed()
	}
	if n := gw.Counters.ConnectionEvents[quickfix.ConnNotLogon].Load(); n != 3 {
		t.Errorf("ConnectionEvents[not_logon] = %d, want 3", n)
	}
	if after := storeDirFiles(t, dir); !slices.Equal(after, before) {
		t.Errorf("files %q, want only %q", after, before)
	}
}
