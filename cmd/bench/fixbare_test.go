package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/internal/syncbuf"
)

func TestParseFixBare(t *testing.T) {
	for _, args := range [][]string{{"-port", "0"}, {"-port", "70000"}, {"extra"}} {
		if _, err := parseFixBare(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	o, err := parseFixBare([]string{"-port", "6001", "-target", "EX"}, &bytes.Buffer{})
	if err != nil || o.Port != 6001 || o.CompID != "EX" || o.Host != "127.0.0.1" {
		t.Errorf("parsed %+v, %v", o, err)
	}
}

// TestFixBareCommand: bench fix-bare serves until interrupted, and bench fix
// gets an ack for every order from it.
func TestFixBareCommand(t *testing.T) {
	port := strconv.Itoa(fixtest.FreePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"fix-bare", "-port", port}, &out, &bytes.Buffer{}) }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "bare QuickFIX/Go acceptor"); {
		if time.Now().After(deadline) {
			t.Fatalf("fix-bare did not start: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var fixOut, fixErr bytes.Buffer
	if c := run(context.Background(), []string{"fix", "-port", port, "-metrics", "", "-cross", "0", "-passive-day",
		"-sender-prefix", "FBARE", "-rate", "500", "-count", "200", "-json", "-"}, &fixOut, &fixErr); c != 0 {
		t.Fatalf("bench fix exit %d: %s", c, fixErr.String())
	}
	if !strings.Contains(fixOut.String(), `"acked": 200`) {
		t.Errorf("not every order acked:\n%s", fixOut.String())
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("fix-bare exit %d", c)
	}
}
