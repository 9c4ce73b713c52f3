package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openmatch/matchd/bench"
)

// bench echo with no address starts its echo server in a child process,
// measures, stops the child and writes the two runs.
func TestEchoCommand(t *testing.T) {
	js := filepath.Join(t.TempDir(), "echo.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"echo", "-rate", "2000", "-count", "300", "-json", js}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	runs, err := bench.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Name != "tcp-echo" || runs[0].Count != 300 || runs[1].Name != "client/send_lag" {
		t.Fatalf("runs %v", runs)
	}
	if !strings.Contains(runs[0].Settings["target"], "127.0.0.1:") {
		t.Errorf("target %q", runs[0].Settings["target"])
	}
}

func TestParseEcho(t *testing.T) {
	for _, c := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"-addr", "127.0.0.1:9", "-rate", "500", "-count", "10", "-size", "64"}, true},
		{[]string{"-serve", "127.0.0.1:0"}, true},
		{[]string{"-size", "4"}, false},
		{[]string{"-rate", "0"}, false},
		{[]string{"-bogus"}, false},
	} {
		_, err := parseEcho(c.args, &bytes.Buffer{})
		if (err == nil) != c.ok {
			t.Errorf("%q: err %v", c.args, err)
		}
	}
}
