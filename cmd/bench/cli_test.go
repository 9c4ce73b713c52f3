package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/bench"
)

func TestParseCommand(t *testing.T) {
	for _, c := range []struct {
		args    []string
		want    string // command name, or "" for an error
		err     error
		errText string
	}{
		{nil, "", flag.ErrHelp, ""},
		{[]string{"-h"}, "", flag.ErrHelp, ""},
		{[]string{"--help"}, "", flag.ErrHelp, ""},
		{[]string{"help"}, "", flag.ErrHelp, ""},
		{[]string{"compare", "a", "b"}, "compare", nil, ""},
		{[]string{"plot"}, "plot", nil, ""},
		{[]string{"show", "x.json"}, "show", nil, ""},
		{[]string{"demo"}, "demo", nil, ""},
		{[]string{"engine"}, "engine", nil, ""},
		{[]string{"fix", "-rate", "5"}, "fix", nil, ""},
		{[]string{"frobnicate"}, "", nil, `unknown command "frobnicate"`},
	} {
		cmd, rest, err := parseCommand(c.args)
		switch {
		case c.err != nil:
			if !errors.Is(err, c.err) {
				t.Errorf("%q: error %v, want %v", c.args, err, c.err)
			}
		case c.errText != "":
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.errText) {
				t.Errorf("%q: error %v, want a usage error containing %q", c.args, err, c.errText)
			}
		default:
			if err != nil || cmd.name != c.want || len(rest) != len(c.args)-1 {
				t.Errorf("%q: %q %q %v, want %q", c.args, cmd.name, rest, err, c.want)
			}
		}
	}
}

func TestParseCompare(t *testing.T) {
	for _, c := range []struct {
		args      []string
		ok        bool
		threshold float64
	}{
		{[]string{"a.json", "b.json"}, true, bench.DefaultThreshold},
		{[]string{"-threshold", "2.5", "a.json", "b.json"}, true, 2.5},
		{[]string{"a.json"}, false, 0},
		{[]string{"a.json", "b.json", "c.json"}, false, 0},
		{[]string{"-threshold", "0", "a.json", "b.json"}, false, 0},
		{[]string{"-threshold", "x", "a.json", "b.json"}, false, 0},
		{[]string{"-nope", "a.json", "b.json"}, false, 0},
	} {
		got, err := parseCompare(c.args, io.Discard)
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v, want ok=%v", c.args, err, c.ok)
			continue
		}
		var ue usageError
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("%q: %v is not a usage error", c.args, err)
		}
		if c.ok && (got.opt.Threshold != c.threshold || got.a != "a.json" || got.b != "b.json") {
			t.Errorf("%q: %+v", c.args, got)
		}
	}
}

func TestParsePlot(t *testing.T) {
	for _, c := range []struct {
		args  []string
		ok    bool
		want  plotArgs
		files int
	}{
		{[]string{"-o", "p.svg", "a.json"}, true, plotArgs{out: "p.svg"}, 1},
		{[]string{"-o", "p.html", "-logy", "-title", "T", "a.json", "b.json"}, true, plotArgs{out: "p.html", opt: bench.PlotOptions{LogY: true, Title: "T"}}, 2},
		{[]string{"a.json"}, false, plotArgs{}, 0},
		{[]string{"-o", "p.svg"}, false, plotArgs{}, 0},
	} {
		got, err := parsePlot(c.args, io.Discard)
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v, want ok=%v", c.args, err, c.ok)
			continue
		}
		if c.ok && (got.out != c.want.out || got.opt != c.want.opt || len(got.files) != c.files) {
			t.Errorf("%q: %+v, want %+v with %d files", c.args, got, c.want, c.files)
		}
	}
}

func TestParseShow(t *testing.T) {
	got, err := parseShow([]string{"-json", "-", "-hdr", "h.hlog", "-plot", "p.svg", "-logy", "a.json"}, io.Discard)
	if err != nil || got.out != (bench.Output{JSON: "-", Hdr: "h.hlog", Plot: "p.svg", LogY: true}) || len(got.files) != 1 {
		t.Errorf("parseShow: %+v, %v", got, err)
	}
	if _, err := parseShow(nil, io.Discard); err == nil {
		t.Error("show without files: no error")
	}
}

func TestParseDemo(t *testing.T) {
	for _, c := range []struct {
		args []string
		ok   bool
		rate float64
		dur  time.Duration
	}{
		{nil, true, 10000, 2 * time.Second},
		{[]string{"-rate", "500", "-duration", "3s", "-stall", "5ms", "-json", "x.json"}, true, 500, 3 * time.Second},
		{[]string{"-stall", "-1s"}, false, 0, 0},
		{[]string{"extra"}, false, 0, 0},
		{[]string{"-rate"}, false, 0, 0},
	} {
		got, err := parseDemo(c.args, io.Discard)
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v, want ok=%v", c.args, err, c.ok)
			continue
		}
		if c.ok && (got.load.Rate != c.rate || got.load.Duration != c.dur) {
			t.Errorf("%q: %+v", c.args, got)
		}
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"compare", "-h"}, {"demo", "-h"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 0 {
			t.Errorf("%q: exit %d, want 0; stderr %q", args, code, errOut.String())
		}
	}
	var out bytes.Buffer
	run(context.Background(), nil, &out, io.Discard)
	for _, want := range []string{"compare", "plot", "show", "demo", "engine", "ring", "pipeline", "fix"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}

// writeResults writes a results file of one constant run.
func writeResults(t *testing.T, dir, name string, ns int64) string {
	t.Helper()
	h := bench.NewHistogram()
	if err := h.RecordValues(ns, 1000); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := bench.WriteJSON(f, []*bench.Run{bench.NewRun("ring", nil, h, time.Now(), time.Second)}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunCommands(t *testing.T) {
	dir := t.TempDir()
	a, b := writeResults(t, dir, "a", 1000), writeResults(t, dir, "b", 3000)
	for _, c := range []struct {
		name    string
		args    []string
		code    int
		stdout  string
		stderr  string
		creates string
	}{
		{"compare", []string{"compare", a, b}, 0, "ring: A 1 run(s), B 1 run(s)", "", ""},
		{"compare missing file", []string{"compare", a, filepath.Join(dir, "nope.json")}, 1, "", "nope.json", ""},
		{"compare usage", []string{"compare", a}, 2, "", "usage: bench compare", ""},
		{"show", []string{"show", a, b}, 0, "p99.99", "", ""},
		{"show json", []string{"show", "-json", "-", a}, 0, `"format": "matchd-bench/1"`, "", ""},
		{"show converts", []string{"show", "-hdr", filepath.Join(dir, "a.hlog"), a}, 0, "ring", "", "a.hlog"},
		{"plot", []string{"plot", "-o", filepath.Join(dir, "p.svg"), a, b}, 0, "", "", "p.svg"},
		{"plot bad extension", []string{"plot", "-o", filepath.Join(dir, "p.png"), a}, 1, "", ".svg or .html", ""},
		{"unknown", []string{"frob"}, 2, "", `unknown command "frob"`, ""},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, &out, &errOut)
		if code != c.code || !strings.Contains(out.String(), c.stdout) || !strings.Contains(errOut.String(), c.stderr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				c.name, code, out.String(), errOut.String(), c.code, c.stdout, c.stderr)
		}
		if c.creates != "" {
			if _, err := os.Stat(filepath.Join(dir, c.creates)); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
}

func TestDemoShowsCorrection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 300ms load")
	}
	dir := t.TempDir()
	js := filepath.Join(dir, "demo.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo", "-rate", "5000", "-duration", "300ms", "-stall", "50ms", "-json", js}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", errOut.String())
	}
	runs, err := bench.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Name != "open-loop" || runs[1].Name != "closed-loop" || runs[0].Load == nil {
		t.Fatalf("runs %+v", runs)
	}
	open, closed := bench.Summarize(runs[0].Latency), bench.Summarize(runs[1].Latency)
	if open.P99 < 10*closed.P99 {
		t.Errorf("open-loop p99 %s not far above closed-loop p99 %s", bench.FormatNs(open.P99), bench.FormatNs(closed.P99))
	}
}

// parsedOK checks one case of a flag-parsing table: err must be nil exactly when
// ok is, and a failure must be a usageError (exit code 2). It reports whether the
// parsed options are there to compare.
func parsedOK(t *testing.T, args []string, err error, ok bool) bool {
	t.Helper()
	if (err == nil) != ok {
		t.Errorf("%q: error %v, want ok=%v", args, err, ok)
		return false
	}
	if err != nil {
		if _, isUsage := err.(usageError); !isUsage {
			t.Errorf("%q: %v is not a usage error", args, err)
		}
		return false
	}
	return true
}
