package engine_test

import (
	"math/rand"
	"testing"

	"github.com/openmatch/matchd/engine"
)

// TestEventLast: Apply sets Last on exactly the last event of each command, in
// a buffer that collects many commands without a Reset, so each command's
// events end where Last says; a command without events (end of day on an
// empty book, a cancel on disconnect with nothing resting) sets nothing and
// leaves the events already in the buffer as they were. The reference book
// does the same (the differential test compares Last too).
func TestEventLast(t *testing.T) {
	const seed = 11
	r := rand.New(rand.NewSource(seed))
	cfg := randomConfig(r)
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := newRefMatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := newCommandGen(r, cfg)
	out := engine.NewEvents(16)
	var st engine.State
	var ends []int // index after each command's events
	kinds := map[engine.Kind]int{}
	for i := 0; i < 3000; i++ {
		c := g.next(&st)
		if i%500 == 0 {
			// Every few hundred commands, one that must have no events: a
			// cancel on disconnect of an owner with no orders.
			c = engine.Command{Seq: c.Seq, Time: c.Time, Kind: engine.KindMassCancel, Type: engine.MassOnDisconnect, Owner: 999}
		}
		before := out.Len()
		e.Apply(&c, out)
		ref.apply(&c)
		ref.state(&st)
		ends = append(ends, out.Len())
		if out.Len() > before {
			kinds[c.Kind]++
		}
	}
	for _, k := range []engine.Kind{engine.KindNew, engine.KindCancel, engine.KindReplace, engine.KindStatus, engine.KindMassCancel} {
		if kinds[k] == 0 {
			t.Fatalf("seed %d: no command of kind %d with events; the test proves nothing about it", seed, k)
		}
	}
	start, empty := 0, 0
	for i, end := range ends {
		if end == start {
			empty++
		}
		for j := start; j < end; j++ {
			if got, want := out.At(j).Last, j == end-1; got != want {
				t.Fatalf("seed %d: command %d (events %d..%d): event %d has Last=%v", seed, i, start, end-1, j, got)
			}
		}
		start = end
	}
	if empty == 0 {
		t.Fatal("no command without events")
	}

	// End of day on an empty book, then a cancel on disconnect with nothing
	// resting: no events, and the buffer's earlier events are untouched.
	e2, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	c := engine.Command{Seq: 1, Kind: engine.KindStatus, Owner: 1}
	e2.Apply(&c, out)
	prev := *out.At(0)
	for _, c := range []engine.Command{
		{Seq: 2, Kind: engine.KindEndOfDay},
		{Seq: 3, Kind: engine.KindMassCancel, Type: engine.MassOnDisconnect, Owner: 1},
	} {
		e2.Apply(&c, out)
		if out.Len() != 1 || *out.At(0) != prev || !prev.Last {
			t.Fatalf("kind %d with nothing to do: buffer holds %d events, first %+v (was %+v)", c.Kind, out.Len(), *out.At(0), prev)
		}
	}
}
