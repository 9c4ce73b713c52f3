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
	// The reference book runs min(count, 20000) commands: all 2000 here.
	if len(runs) != 3 || runs[0].Count != 2000 || runs[1].Name != "engine/untimed" || runs[2].Name != "reference" || runs[2].Count != 2000 {
		t.Errorf("JSON runs %+v", runs)
	}
}
