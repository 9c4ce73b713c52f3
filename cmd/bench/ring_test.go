package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/openmatch/matchd/bench/ringbench"
	"github.com/openmatch/matchd/ringbuffer"
)

func TestParseRing(t *testing.T) {
	def := ringbench.DefaultOptions()
	for _, c := range []struct {
		args  []string
		ok    bool
		waits []ringbuffer.Wait
		edit  func(o *ringbench.Options)
	}{
		{nil, true, def.Waits, func(*ringbench.Options) {}},
		{[]string{"-count", "10", "-rate", "0", "-capacity", "64", "-waits", "block, spin", "-channel=false", "-publisher"}, true,
			[]ringbuffer.Wait{ringbuffer.Block, ringbuffer.Spin},
			func(o *ringbench.Options) {
				o.Count, o.Rate, o.Capacity, o.Channel, o.Publisher = 10, 0, 64, false, true
			}},
		{[]string{"-waits", ""}, true, nil, func(*ringbench.Options) {}},
		{[]string{"-burst=false", "-rate", "1000"}, true, def.Waits, func(o *ringbench.Options) { o.Burst, o.Rate = false, 1000 }},
		{[]string{"-waits", "nap"}, false, nil, nil},
		{[]string{"-capacity", "100"}, false, nil, nil},
		{[]string{"-rate", "0", "-burst=false"}, false, nil, nil},
		{[]string{"-waits", "", "-channel=false"}, false, nil, nil},
		{[]string{"x"}, false, nil, nil},
	} {
		got, err := parseRing(c.args, io.Discard)
		if !parsedOK(t, c.args, err, c.ok) {
			continue
		}
		want := def
		c.edit(&want)
		want.Waits = c.waits
		if !slices.Equal(got.opt.Waits, want.Waits) || got.opt.Count != want.Count || got.opt.Rate != want.Rate || got.opt.Burst != want.Burst ||
			got.opt.Capacity != want.Capacity || got.opt.Channel != want.Channel || got.opt.Publisher != want.Publisher {
			t.Errorf("%q: %+v, want %+v", c.args, got.opt, want)
		}
	}
}

func TestRingCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"ring", "-count", "1000", "-rate", "20000", "-capacity", "64", "-waits", "block", "-json", "-"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{`"name": "channel"`, `"name": "channel/burst"`, `"name": "ring-block"`, `"name": "ring-block/burst"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}
