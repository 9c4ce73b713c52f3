package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/pipelinebench"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/ringbuffer"
)

func TestParsePipeline(t *testing.T) {
	def := pipelinebench.DefaultOptions()
	for _, c := range []struct {
		args []string
		ok   bool
		edit func(o *pipelinebench.Options)
	}{
		{nil, true, func(*pipelinebench.Options) {}},
		{[]string{"-data", "/d", "-keep", "-policies", "every, none", "-producers", "3", "-rate", "0", "-count", "9",
			"-resting", "10", "-seed", "4", "-symbols", "1", "-wait", "spin", "-matcher-cpu", "1", "-grace", "2s"}, true,
			func(o *pipelinebench.Options) {
				o.Dir, o.Keep, o.Policies, o.Producers, o.Rate, o.Count = "/d", true, []journal.Policy{journal.PolicyEvery, journal.PolicyNone}, 3, 0, 9
				o.Resting, o.Seed, o.Symbols, o.Wait, o.MatcherCPU, o.Grace = 10, 4, 1, ringbuffer.Spin, 1, 2*time.Second
			}},
		{[]string{"-policies", "sometimes"}, false, nil},
		{[]string{"-policies", ""}, false, nil},
		{[]string{"-wait", "nap"}, false, nil},
		{[]string{"-producers", "0"}, false, nil},
		{[]string{"-count", "1", "-producers", "2"}, false, nil},
		{[]string{"-grace", "0s"}, false, nil},
		{[]string{"x"}, false, nil},
	} {
		got, err := parsePipeline(c.args, io.Discard)
		if !parsedOK(t, c.args, err, c.ok) {
			continue
		}
		want := def
		c.edit(&want)
		g := got.opt
		if !slices.Equal(g.Policies, want.Policies) || g.Dir != want.Dir || g.Keep != want.Keep || g.Producers != want.Producers ||
			g.Rate != want.Rate || g.Count != want.Count || g.Resting != want.Resting || g.Seed != want.Seed || g.Symbols != want.Symbols ||
			g.Wait != want.Wait || g.MatcherCPU != want.MatcherCPU || g.Grace != want.Grace {
			t.Errorf("%q: %+v, want %+v", c.args, g, want)
		}
	}
}

func TestPipelineCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"pipeline", "-data", t.TempDir(), "-policies", "none", "-count", "300",
		"-resting", "200", "-rate", "3000", "-json", "-"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	runs, err := bench.ReadJSON(strings.NewReader(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	want := []string{"none", "none/gateway_to_sequenced", "none/sequenced_to_journaled", "none/sequenced_to_matched", "none/sequenced_to_released"}
	if !slices.Equal(names, want) || runs[0].Count != 300 {
		t.Errorf("runs %q (first count %d), want %q", names, runs[0].Count, want)
	}
}
