package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/shardbench"
	"github.com/openmatch/matchd/ringbuffer"
)

func TestParseShards(t *testing.T) {
	def := shardbench.DefaultOptions()
	for _, c := range []struct {
		args []string
		ok   bool
		want func(o *shardbench.Options)
	}{
		{nil, true, func(*shardbench.Options) {}},
		{[]string{"-shards", "1, 3", "-rounds", "3", "-resting", "1000", "-count", "5000", "-rate", "0", "-seed", "7",
			"-symbols", "4", "-owners", "3", "-capacity", "1024", "-wait", "spin"}, true,
			func(o *shardbench.Options) {
				o.Shards, o.Rounds, o.Resting, o.Count, o.Rate, o.Seed = []int{1, 3}, 3, 1000, 5000, 0, 7
				o.Symbols, o.Owners, o.Capacity, o.Wait = 4, 3, 1024, ringbuffer.Spin
			}},
		{[]string{"-rate", "1000", "-paced-count", "500"}, true, func(o *shardbench.Options) { o.Rate, o.PacedCount = 1000, 500 }},
		{[]string{"-json", "-", "-hdr", "s.hlog", "-plot", "s.svg"}, true, func(*shardbench.Options) {}},
		{[]string{"-shards", "8"}, false, nil}, // more shards than symbols
		{[]string{"-shards", "2", "-symbols", "1"}, false, nil},
		{[]string{"-shards", "x"}, false, nil},
		{[]string{"-shards", ""}, false, nil},
		{[]string{"-rounds", "0"}, false, nil},
		{[]string{"-count", "10", "-paced-count", "20"}, false, nil},
		{[]string{"-capacity", "100"}, false, nil},
		{[]string{"-wait", "nap"}, false, nil},
		{[]string{"extra"}, false, nil},
	} {
		got, err := parseShards(c.args, io.Discard)
		if !parsedOK(t, c.args, err, c.ok) {
			continue
		}
		want := def
		c.want(&want)
		g := got.opt
		if !slices.Equal(g.Shards, want.Shards) || g.Rounds != want.Rounds || g.Resting != want.Resting || g.Count != want.Count ||
			g.Rate != want.Rate || g.PacedCount != want.PacedCount || g.Seed != want.Seed || g.Symbols != want.Symbols ||
			g.Owners != want.Owners || g.Capacity != want.Capacity || g.Wait != want.Wait {
			t.Errorf("%q: %+v, want %+v", c.args, g, want)
		}
	}
}

func TestShardsCommand(t *testing.T) {
	js := filepath.Join(t.TempDir(), "s.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"shards", "-shards", "1,2", "-resting", "300", "-count", "2000",
		"-rate", "100000", "-paced-count", "500", "-json", js}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"\nshards-1 ", "\nshards-1/paced ", "\nshards-2/route ", "# machine: ",
		"# shards-1: router cost ", "# shards-2: router cost "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "shards: generating the workload") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	runs, err := bench.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 6 || runs[0].Name != "shards-1" || runs[0].Count != 2000 || runs[4].Name != "shards-2/paced" || runs[4].Count != 500 {
		t.Errorf("JSON runs %+v", runs)
	}
}
