package fixbench

import (
	"math/rand"
	"testing"
)

func TestPlanSession(t *testing.T) {
	for _, cross := range []float64{0, 0.1, 0.5} {
		const seed, n = 7, 20000
		ops := planSession(rand.New(rand.NewSource(seed)), n, cross, 3)
		var makers, takers int
		pending := -1
		for i, o := range ops {
			if int(o.sym) >= 3 {
				t.Fatalf("cross %v op %d: symbol %d", cross, i, o.sym)
			}
			switch o.kind {
			case maker:
				if pending >= 0 || o.buy {
					t.Fatalf("cross %v op %d: a maker (buy=%v) while maker %d waits", cross, i, o.buy, pending)
				}
				pending = i
				makers++
			case taker:
				if pending < 0 || ops[pending].sym != o.sym || !o.buy {
					t.Fatalf("cross %v op %d: taker without its maker (pending %d)", cross, i, pending)
				}
				pending = -1
				takers++
			default:
				if o.tick < 1 || o.tick > maxTicks {
					t.Fatalf("cross %v op %d: passive %d ticks away", cross, i, o.tick)
				}
			}
		}
		if pending >= 0 || makers != takers {
			t.Errorf("cross %v: %d makers, %d takers, maker %d left waiting", cross, makers, takers, pending)
		}
		if got := float64(takers) / n; got < cross*0.9 || got > cross*1.1 {
			t.Errorf("cross %v: takers are %.3f of the orders (seed %d)", cross, got, seed)
		}
	}
}

func TestPrices(t *testing.T) {
	p := newPrices(10000)
	if string(p.cross) != "100.00" || string(p.buy[1]) != "99.99" || string(p.buy[maxTicks]) != "99.00" ||
		string(p.sell[1]) != "100.01" || string(p.sell[maxTicks]) != "101.00" {
		t.Errorf("prices %s %s %s %s %s", p.cross, p.buy[1], p.buy[maxTicks], p.sell[1], p.sell[maxTicks])
	}
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"100", 10000, true}, {"100.5", 10050, true}, {"100.25", 10025, true}, {"0.07", 7, true},
		{"", 0, false}, {".5", 0, false}, {"1.", 0, false}, {"1.234", 0, false}, {"-1", 0, false}, {"1e3", 0, false}, {"1.x", 0, false},
	} {
		got, ok := parseCents(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseCents(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
