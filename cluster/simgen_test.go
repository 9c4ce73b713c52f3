package cluster

import (
	"math/rand/v2"
	"strconv"

	"github.com/openmatch/matchd/engine"
)

// simEngineConfig is a small engine: two symbols, a narrow band and little
// capacity, so random orders cross, rest, fill the book and get rejected.
func simEngineConfig() engine.Config {
	return engine.Config{
		Symbols: []engine.SymbolConfig{
			{Name: "AAA", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 200},
			{Name: "BBB", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 200},
		},
		MaxOrders: 48, MaxLevels: 48, History: 64, MaxQty: 1000,
	}
}

// cmdGen makes random commands: new orders around a mid price, cancels and
// replaces of earlier ClOrdIDs (live or not), now and then a status request.
type cmdGen struct {
	r *rand.Rand
	n int
}

func (g *cmdGen) id(k int) engine.ID {
	id, _ := engine.MakeID("c" + strconv.Itoa(k))
	return id
}

func (g *cmdGen) next(seq uint64, tick int) engine.Command {
	r := g.r
	c := engine.Command{Seq: seq, Time: int64(tick) * 1_000_000, Owner: 1 + r.Uint32N(3), Symbol: r.Uint32N(2),
		Side: engine.Side(1 + r.IntN(2)), Type: engine.Limit, Price: 95 + r.Int64N(11), Qty: 1 + r.Int64N(9)}
	g.n++
	c.ClOrdID = g.id(g.n)
	switch x := r.IntN(100); {
	case x < 65 || g.n < 3:
		c.Kind = engine.KindNew
		if r.IntN(8) == 0 {
			c.TIF = engine.IOC
		}
	case x < 85:
		c.Kind = engine.KindCancel
		c.OrigClOrdID = g.id(1 + r.IntN(g.n-1))
	case x < 97:
		c.Kind = engine.KindReplace
		c.OrigClOrdID = g.id(1 + r.IntN(g.n-1))
	default:
		c.Kind = engine.KindStatus
		c.OrigClOrdID = g.id(1 + r.IntN(g.n-1))
	}
	return c
}

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
