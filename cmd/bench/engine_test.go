package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/enginebench"
)

func TestParseEngine(t *testing.T) {
	def := enginebench.DefaultOptions()
	for _, c := range []struct {
		args []string
		ok   bool
		want func(o *enginebench.Options)
	}{
		{nil, true, func(*enginebench.Options) {}},
		{[]string{"-resting", "1000", "-count", "5000", "-seed", "7", "-symbols", "2", "-owners", "3", "-ref-count", "10"}, true,
			func(o *enginebench.Options) {
				o.Resting, o.Count, o.Seed, o.Symbols, o.Owners, o.RefCount = 1000, 5000, 7, 2, 3, 10
			}},
		{[]string{"-json", "-", "-hdr", "e.hlog", "-plot", "e.svg"}, true, func(*enginebench.Options) {}},
		{[]string{"-ref-count", "0"}, true, func(o *enginebench.Options) { o.RefCount = 0 }},
		{[]string{"-symbols", "9"}, false, nil},
		{[]string{"-count", "0"}, false, nil},
		{[]string{"-resting", "x"}, false, nil},
		{[]string{"-ref-count", "-1"}, false, nil},
		{[]string{"extra"}, false, nil},
	} {
		got, err := parseEngine(c.args, io.Discard)
		if !parsedOK(t, c.args, err, c.ok) {
			continue
		}
		want := def
		c.want(&want)
		if got.opt.Resting != want.Resting || got.opt.Count != want.Count || got.opt.Seed != want.Seed ||
			got.opt.Symbols != want.Symbols || got.opt.Owners != want.Owners || got.opt.RefCount != want.RefCount {
			t.Errorf("%q: %+v, want %+v", c.args, got.opt, want)
		}
	}
}

func TestEngineCommand(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "e.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"engine", "-resting", "300", "-count", "2000", "-json", js,
		"-hdr", filepath.Join(dir, "e.hlog"), "-plot", filepath.Join(dir, "e.html")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"p99.99", "\nengine ", "\nengine/untimed ", "# machine: ", "\nreference "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	runs, err := bench.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	// Each stage says on stderr that it starts, the reference with how to skip it.
	for _, want := range []string{"engine: generating the workload", "\nengine/untimed: warm-up", "\nreference: warm-up", "-ref-count 0 skips it"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	// The reference book runs min(count, -ref-count 20000) commands: all 2000 here.
	if len(runs) != 3 || runs[0].Count != 2000 || runs[1].Name != "engine/untimed" || runs[2].Name != "reference" || runs[2].Count != 2000 {
		t.Errorf("JSON runs %+v", runs)
	}
}

// TestEngineCommandRefCountZero: -ref-count 0 skips the reference book, says
// so in the output, and never starts its warm-up.
func TestEngineCommandRefCountZero(t *testing.T) {
	js := filepath.Join(t.TempDir(), "e.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"engine", "-resting", "300", "-count", "2000", "-ref-count", "0", "-json", js}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "# reference: skipped: reference count 0 (-ref-count 0)") || strings.Contains(out.String(), "\nreference ") {
		t.Errorf("output:\n%s", out.String())
	}
	if strings.Contains(errOut.String(), "reference: warm-up") || !strings.Contains(errOut.String(), "engine/untimed: warm-up") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	runs, err := bench.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[1].Name != "engine/untimed" {
		t.Errorf("JSON runs %+v", runs)
	}
}
