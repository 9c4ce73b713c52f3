// Package workload generates the realistic mixed order flow used by the engine
// benchmarks and `bench engine`: about 60% limit orders near the touch, 25%
// cancels, 10% replaces and 5% marketable orders, over several symbols, with the
// book held at a steady size (hundreds of thousands of resting orders).
//
// The stream is generated ahead of time with feedback from a scratch engine, so
// cancels and replaces name orders that are live at that point and the
// marketable orders are sized to hold the book at its target size. The timed loop
// then only applies commands. Generation is deterministic for a seed.
package workload

import (
	"math/rand"
	"strconv"

	"github.com/openmatch/matchd/engine"
)

// Options shape a workload.
type Options struct {
	// Symbols is the number of instruments (taken from engine.DefaultConfig).
	Symbols int
	// Resting is the target number of resting orders at steady state.
	Resting int
	// Warmup is the number of commands that build the book before measuring; 0
	// means enough to reach Resting.
	Warmup int
	// Measured is the number of commands in the measured stream.
	Measured int
	// Seed makes the stream reproducible.
	Seed int64
	// Owners is the number of distinct sessions placing orders.
	Owners int
}

// DefaultOptions is the mix the README's figures use.
func DefaultOptions() Options {
	return Options{Symbols: 6, Resting: 200_000, Measured: 1_000_000, Seed: 1, Owners: 16}
}

// Stream is a generated workload.
type Stream struct {
	// Config is the engine configuration the stream was generated for.
	Config engine.Config
	// Warmup commands build the steady-state book; apply them untimed.
	Warmup []engine.Command
	// Measured commands are the timed part, continuing Warmup's sequence.
	Measured []engine.Command
	// Mix counts the measured commands by class.
	Mix Mix
}

// Mix counts commands by class.
type Mix struct {
	Limit, Cancel, Replace, Marketable int
}

type liveOrder struct {
	owner uint32
	sym   uint32
	side  engine.Side
	tif   engine.TIF
	price int64
	qty   int64
	id    engine.ID
}

type key struct {
	owner uint32
	id    engine.ID
}

type generator struct {
	opts  Options
	r     *rand.Rand
	eng   *engine.Engine
	out   *engine.Events
	live  []liveOrder
	pos   map[key]int
	seq   uint64
	nid   uint64
	mids  []int64
	scale float64
}

// Generate builds a stream. It runs every command through a scratch engine, so it
// takes about as long as applying the stream plus bookkeeping.
func Generate(opts Options) (*Stream, error) {
	cfg := engine.DefaultConfig()
	if opts.Symbols <= 0 || opts.Symbols > len(cfg.Symbols) {
		opts.Symbols = len(cfg.Symbols)
	}
	if opts.Owners <= 0 {
		opts.Owners = 1
	}
	cfg.Symbols = cfg.Symbols[:opts.Symbols]
	cfg.MaxOrders = opts.Resting*2 + 1024
	cfg.MaxLevels = 1 << 16
	cfg.History = 1 << 16
	eng, err := engine.New(cfg)
	if err != nil {
		return nil, err
	}
	g := &generator{opts: opts, r: rand.New(rand.NewSource(opts.Seed)), eng: eng, out: engine.NewEvents(1024),
		pos: make(map[key]int, opts.Resting*2), scale: 1}
	for range opts.Symbols {
		g.mids = append(g.mids, 10_000+g.r.Int63n(1000))
	}
	s := &Stream{Config: cfg}
	warm := opts.Warmup
	if warm <= 0 {
		warm = opts.Resting * 3 / 2
	}
	for len(g.live) < opts.Resting && len(s.Warmup) < warm*4 {
		// Warm-up only adds passive orders so the book reaches its size quickly.
		c := g.limit(true)
		g.apply(&c)
		s.Warmup = append(s.Warmup, c)
	}
	s.Measured = make([]engine.Command, 0, opts.Measured)
	for len(s.Measured) < opts.Measured {
		var c engine.Command
		switch x := g.r.Intn(100); {
		case x < 60 || len(g.live) == 0:
			c = g.limit(false)
			s.Mix.Limit++
		case x < 85:
			c = g.cancel()
			s.Mix.Cancel++
		case x < 95:
			c = g.replace()
			s.Mix.Replace++
		default:
			c = g.marketable()
			s.Mix.Marketable++
		}
		g.apply(&c)
		s.Measured = append(s.Measured, c)
	}
	return s, nil
}

func (g *generator) nextID() engine.ID {
	g.nid++
	id, _ := engine.MakeID("o" + strconv.FormatUint(g.nid, 36))
	return id
}

// limit places an order a few ticks behind the touch (sometimes at it, sometimes
// improving it), never crossing.
func (g *generator) limit(warm bool) engine.Command {
	sym := uint32(g.r.Intn(g.opts.Symbols))
	side := engine.Buy
	if g.r.Intn(2) == 0 {
		side = engine.Sell
	}
	bid, hasBid := g.eng.BestBid(sym)
	ask, hasAsk := g.eng.BestAsk(sym)
	mid := g.mids[sym]
	if !hasBid {
		bid = mid - 1
	}
	if !hasAsk {
		ask = mid + 1
	}
	// Depth behind the touch: mostly within 8 ticks, a long tail to 64.
	d := int64(g.r.ExpFloat64() * 4)
	if warm {
		d = int64(g.r.ExpFloat64() * 12)
	}
	d = min(d, 64)
	var px int64
	if side == engine.Buy {
		px = bid - d
		if d == 0 && ask-bid > 1 && g.r.Intn(4) == 0 {
			px = bid + 1
		}
		px = min(px, ask-1)
	} else {
		px = ask + d
		if d == 0 && ask-bid > 1 && g.r.Intn(4) == 0 {
			px = ask - 1
		}
		px = max(px, bid+1)
	}
	px = max(px, 1)
	tif := engine.Day
	if g.r.Intn(4) == 0 {
		tif = engine.GTC
	}
	return engine.Command{Kind: engine.KindNew, Owner: uint32(g.r.Intn(g.opts.Owners)), Symbol: sym, Side: side,
		Type: engine.Limit, TIF: tif, Price: px, Qty: 1 + g.r.Int63n(100), ClOrdID: g.nextID()}
}

func (g *generator) pick() *liveOrder { return &g.live[g.r.Intn(len(g.live))] }

func (g *generator) cancel() engine.Command {
	o := g.pick()
	return engine.Command{Kind: engine.KindCancel, Owner: o.owner, Symbol: o.sym, Side: o.side,
		ClOrdID: g.nextID(), OrigClOrdID: o.id}
}

// replace changes quantity (half the time down, keeping priority) and sometimes
// the price by a tick away from the touch.
func (g *generator) replace() engine.Command {
	o := g.pick()
	px, qty := o.price, o.qty
	switch g.r.Intn(4) {
	case 0, 1:
		qty = max(1, qty-1-g.r.Int63n(max(qty/2, 1)))
	case 2:
		qty += 1 + g.r.Int63n(50)
	default:
		if o.side == engine.Buy {
			px = max(1, px-1)
		} else {
			px++
		}
	}
	return engine.Command{Kind: engine.KindReplace, Owner: o.owner, Symbol: o.sym, Side: o.side, Type: engine.Limit,
		TIF: o.tif, Price: px, Qty: qty, ClOrdID: g.nextID(), OrigClOrdID: o.id}
}

// marketable sends an order that takes liquidity: a MARKET or an IOC limit through
// the touch, sized so that fills balance the orders added and the book holds its
// target size.
func (g *generator) marketable() engine.Command {
	sym := uint32(g.r.Intn(g.opts.Symbols))
	side := engine.Buy
	if g.r.Intn(2) == 0 {
		side = engine.Sell
	}
	// Each measured command adds 0.60 orders and cancels 0.25; the 0.05 that take
	// liquidity must remove 0.35, about 7 resting orders of mean size 50 each.
	g.scale *= 1 + 0.02*float64(len(g.live)-g.opts.Resting)/float64(g.opts.Resting)
	g.scale = min(max(g.scale, 0.2), 5)
	qty := max(int64(350*g.scale*(0.5+g.r.Float64())), 1)
	c := engine.Command{Kind: engine.KindNew, Owner: uint32(g.r.Intn(g.opts.Owners)), Symbol: sym, Side: side,
		Qty: qty, ClOrdID: g.nextID()}
	if g.r.Intn(2) == 0 {
		c.Type = engine.Market
		return c
	}
	c.Type, c.TIF = engine.Limit, engine.IOC
	if side == engine.Buy {
		ask, ok := g.eng.BestAsk(sym)
		if !ok {
			ask = g.mids[sym]
		}
		c.Price = ask + 3
	} else {
		bid, ok := g.eng.BestBid(sym)
		if !ok {
			bid = g.mids[sym]
		}
		c.Price = max(bid-3, 1)
	}
	return c
}

// apply sequences c, runs it through the scratch engine and follows its events to
// keep the set of live orders.
func (g *generator) apply(c *engine.Command) {
	g.seq++
	c.Seq = g.seq
	c.Time = int64(g.seq) * 1000
	g.out.Reset()
	g.eng.Apply(c, g.out)
	for i := 0; i < g.out.Len(); i++ {
		ev := g.out.At(i)
		k := key{ev.Owner, ev.ClOrdID}
		switch ev.Kind {
		case engine.EvAccepted:
			if ev.Type == engine.Limit && (ev.TIF == engine.Day || ev.TIF == engine.GTC) {
				g.add(liveOrder{owner: ev.Owner, sym: ev.Symbol, side: ev.Side, price: ev.Price, qty: ev.OrderQty, id: ev.ClOrdID, tif: ev.TIF})
			}
		case engine.EvFill:
			if ev.LeavesQty == 0 {
				g.del(k)
			}
		case engine.EvCanceled, engine.EvExpired:
			g.del(key{ev.Owner, ev.OrigClOrdID})
			g.del(k)
		case engine.EvReplaced:
			g.del(key{ev.Owner, ev.OrigClOrdID})
			if ev.LeavesQty > 0 {
				g.add(liveOrder{owner: ev.Owner, sym: ev.Symbol, side: ev.Side, price: ev.Price, qty: ev.OrderQty, id: ev.ClOrdID, tif: ev.TIF})
			}
		}
	}
}

func (g *generator) add(o liveOrder) {
	k := key{o.owner, o.id}
	if _, ok := g.pos[k]; ok {
		return
	}
	g.pos[k] = len(g.live)
	g.live = append(g.live, o)
}

func (g *generator) del(k key) {
	i, ok := g.pos[k]
	if !ok {
		return
	}
	last := len(g.live) - 1
	g.live[i] = g.live[last]
	g.pos[key{g.live[i].owner, g.live[i].id}] = i
	g.live = g.live[:last]
	delete(g.pos, k)
}
