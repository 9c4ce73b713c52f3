package marketdata

import (
	"math/rand"
	"strconv"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/rs/zerolog"
)

type nopClient struct{}

func (nopClient) Send(string, *Refresh) error { return nil }

// BenchmarkFeedDeliver measures Deliver per command (all its events) over a random command
// stream, with 0, 1 and 50 subscribers (half full depth, half top 5) whose
// Send returns at once.
func BenchmarkFeedDeliver(b *testing.B) {
	g := &cmdGen{r: rand.New(rand.NewSource(1))}
	eng := testEngine()
	out := engine.NewEvents(64)
	var events []engine.Event
	for range 20_000 {
		cmd := g.next()
		out.Reset()
		eng.Apply(&cmd, out)
		events = append(events, out.Slice()...)
	}
	// The stream ends at a command boundary, so it can be delivered again: the
	// book then holds orders the events do not name, which it ignores.
	for _, subs := range []int{0, 1, 50} {
		b.Run(strconv.Itoa(subs)+"subs", func(b *testing.B) {
			f := NewFeed(Options{Symbols: testSymbols, Log: zerolog.Nop()})
			defer f.Close()
			for i := range subs {
				depth := 0
				if i%2 == 1 {
					depth = 5
				}
				if err := f.Subscribe(uint32(i), nopClient{}, Request{ReqID: "r", Symbols: []uint32{0, 1, 2}, Depth: depth, Types: AllTypes, Updates: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				for { // whole commands: Deliver holds the feed's mutex until Last
					ev := &events[i]
					f.Deliver(ev)
					if i++; i == len(events) {
						i = 0
					}
					if ev.Last {
						break
					}
				}
			}
		})
	}
}
