package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseCluster(t *testing.T) {
	for _, c := range []struct {
		args []string
		ok   bool
		want func(a *clusterArgs) bool
	}{
		{nil, true, func(a *clusterArgs) bool {
			return slices.Equal(a.rates, []float64{1000, 10000}) && a.inflight == 32 && a.rounds == 2 &&
				a.durability == "batch" && a.fix.Duration == 10*time.Second && len(a.points()) == 3 && a.points()[2].sat
		}},
		{[]string{"-rates", "500, 2000", "-inflight", "0", "-rounds", "3", "-count", "100", "-sessions", "4",
			"-durability", "none", "-matchd", "/x/matchd", "-dir", "/tmp/d", "-cross", "0.2"}, true,
			func(a *clusterArgs) bool {
				ps := a.points()
				return slices.Equal(a.rates, []float64{500, 2000}) && a.inflight == 0 && a.rounds == 3 && a.fix.Count == 100 &&
					a.fix.Sessions == 4 && a.durability == "none" && a.matchd == "/x/matchd" && a.dir == "/tmp/d" &&
					len(ps) == 2 && ps[0].opt.Rate == 500 && ps[1].opt.Rate == 2000 && !ps[1].sat && a.fix.Cross == 0.2
			}},
		{[]string{"-rates", "", "-inflight", "8", "-saturation-rate", "5000"}, true, func(a *clusterArgs) bool {
			ps := a.points()
			return len(ps) == 1 && ps[0].sat && ps[0].opt.InFlight == 8 && ps[0].opt.Rate == 5000
		}},
		{[]string{"-rates", "", "-inflight", "0"}, false, nil},
		{[]string{"-rates", "x"}, false, nil},
		{[]string{"-rates", "-5"}, false, nil},
		{[]string{"-rounds", "0"}, false, nil},
		{[]string{"-inflight", "-1"}, false, nil},
		{[]string{"-durability", "sometimes"}, false, nil},
		{[]string{"-sessions", "0"}, false, nil},
		{[]string{"-cross", "0.9"}, false, nil},
		{[]string{"extra"}, false, nil},
	} {
		got, err := parseCluster(c.args, io.Discard)
		if !parsedOK(t, c.args, err, c.ok) {
			continue
		}
		if !c.want(&got) {
			t.Errorf("%q: parsed %+v", c.args, got)
		}
	}
}

// TestClusterCommand runs bench cluster end to end with tiny counts: a
// single matchd and a 3-node cluster as child processes, one open-loop point
// and the saturation point against each; the table has every run and the
// side-by-side notes (no timing is asserted).
func TestClusterCommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool on PATH to build cmd/matchd")
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"cluster", "-rates", "300", "-count", "60", "-rounds", "1", "-inflight", "2",
		"-grace", "2s", "-dir", t.TempDir()}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{"\nsingle/300/s ", "\ncluster3/300/s ", "\nsingle/saturation ", "\ncluster3/saturation ",
		"# cluster: single node vs 3 nodes", "p50 ratio ", "saturation ratio ", "cluster3/300/s: acked=60 "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "WARNING") {
		t.Errorf("orders lost:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "cluster: round 1/1, saturation, cluster3") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}
