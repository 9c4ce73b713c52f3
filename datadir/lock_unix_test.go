//go:build unix

package datadir

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const lockChildEnv = "MATCHD_DATADIR_LOCK_CHILD"

// TestLockChild is TestLockAcrossProcesses's child: it tries to lock the
// directory named in its environment and prints the outcome.
func TestLockChild(t *testing.T) {
	dir := os.Getenv(lockChildEnv)
	if dir == "" {
		t.Skip("only runs as TestLockAcrossProcesses's child")
	}
	l, err := Lock(dir)
	if err != nil {
		os.Stdout.WriteString("LOCKERR " + err.Error() + "\n")
		return
	}
	os.Stdout.WriteString("LOCKED\n")
	_ = l.Unlock()
}

// TestLockAcrossProcesses: what the lock is for, two processes on one data
// directory. A second process fails while the first holds it, and locks it once
// the first has let go.
func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	child := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), lockChildEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return string(out)
	}
	l, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if out := child(); !strings.Contains(out, "LOCKERR datadir: data directory is in use by another matchd: "+dir) {
		t.Fatalf("child while locked:\n%s", out)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if out := child(); !strings.Contains(out, "LOCKED\n") {
		t.Fatalf("child after Unlock:\n%s", out)
	}
}
