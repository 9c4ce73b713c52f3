package engine_test

// FuzzApply decodes arbitrary bytes into a short command stream (every kind:
// new, cancel, replace, status, mass cancel, end of day, unknown) and applies
// it to the fast engine and the reference book, which must agree on every
// event and on the state hash, keep their invariants and never panic.
//
//	go test ./engine -run '^$' -fuzz FuzzApply -fuzztime 20s

import (
	"math/rand"
	"testing"

	"github.com/openmatch/matchd/engine"
)

// fuzzChunk is the number of input bytes per command.
const fuzzChunk = 11

// fuzzMaxCmds bounds one input's stream so each run stays short.
const fuzzMaxCmds = 300

// fuzzIDs is the ClOrdID pool: small, so that cancels and replaces hit live and
// finished orders and duplicates are common. Index len(fuzzIDs) is the empty ID.
var fuzzIDs = [...]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}

// fuzzConfig maps the first input byte onto capacities and history size.
func fuzzConfig(b byte) engine.Config {
	return engine.Config{
		Symbols: []engine.SymbolConfig{
			{Name: "AAPL", TickDecimals: 2, TickSize: 1, MinPrice: 80, MaxPrice: 120},
			{Name: "MSFT", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 40},
		},
		MaxOrders: []int{1, 3, 8, 64}[b&3],
		MaxLevels: []int{1, 2, 4, 64}[b>>2&3],
		History:   []int{0, 1, 4, 64}[b>>4&3],
		MaxQty:    []int64{5, 100}[b>>6&1],
	}
}

func fuzzID(b byte) engine.ID {
	i := int(b) % (len(fuzzIDs) + 1)
	if i == len(fuzzIDs) {
		return engine.ID{}
	}
	id, _ := engine.MakeID(fuzzIDs[i])
	return id
}

// decodeFuzzCommand maps one chunk onto a command. Every field can take
// out-of-range values: unknown kinds and enums, unknown symbols, prices off the
// band or <= 0, quantities <= 0 or above MaxQty, unknown Invalid codes.
func decodeFuzzCommand(p []byte, seq uint64) engine.Command {
	c := engine.Command{Seq: seq, Time: timeBase + int64(seq)}
	switch k := p[0] % 16; {
	case k < 6:
		c.Kind = engine.KindNew
	case k < 9:
		c.Kind = engine.KindCancel
	case k < 12:
		c.Kind = engine.KindReplace
	case k == 12:
		c.Kind = engine.KindStatus
	case k == 13:
		c.Kind = engine.KindEndOfDay
	case k == 14:
		c.Kind = engine.KindMassCancel
	default:
		c.Kind = engine.Kind(p[0] >> 4 * 17) // 0, 17, 34, ...: unknown kinds
	}
	c.Owner = uint32(p[1] % 4)
	switch s := p[2] % 8; {
	case s < 6:
		c.Symbol = uint32(s & 1)
	case s == 6:
		c.Symbol = 2
	default:
		c.Symbol = engine.NoSymbol
	}
	switch s := p[3] & 3; {
	case s == 3:
		c.Side = engine.Side(p[3] >> 2)
	case c.Kind == engine.KindMassCancel:
		c.Side = engine.Side(s) // 0: both sides
	default:
		c.Side = engine.Side(s%2 + 1)
	}
	switch t := p[4] & 7; {
	case t == 7:
		c.Type = engine.OrdType(p[4] >> 3)
	case c.Kind == engine.KindMassCancel:
		// The scope: by symbol, all orders, on disconnect.
		c.Type = [...]engine.OrdType{engine.MassBySymbol, engine.MassBySymbol, engine.MassBySymbol,
			engine.MassAll, engine.MassAll, engine.MassOnDisconnect, engine.MassOnDisconnect}[t]
	case t < 5:
		c.Type = engine.Limit
	default:
		c.Type = engine.Market
	}
	c.TIF = engine.TIF(p[5] % 8) // 2, 5, 6, 7 are unsupported
	if p[6] < 240 {
		c.Invalid = engine.InvalidNone
	} else {
		c.Invalid = engine.Invalid(p[6] - 240) // 0..15, mostly unknown codes
	}
	// Prices around each symbol's band: int8 offsets from 100 (AAPL) or 20
	// (MSFT), which reach past the band on both sides and below zero.
	base := int64(100)
	if c.Symbol == 1 {
		base = 20
	}
	c.Price = base + int64(int8(p[7]))/3
	switch p[7] {
	case 0x80:
		c.Price = 0
	case 0x81:
		c.Price = -1
	}
	q := int64(p[8] & 0x3f)
	switch p[8] >> 6 {
	case 2:
		q += 90 // around MaxQty 100
	case 3:
		q = -q
	}
	c.Qty = q
	// For a status request ClOrdID is the OrdStatusReqID and OrigClOrdID the
	// order asked about.
	c.ClOrdID = fuzzID(p[9])
	c.OrigClOrdID = fuzzID(p[10])
	return c
}

func FuzzApply(f *testing.F) {
	// Hand-made seeds: a cross, a replace that crosses, a cancel, end of day.
	f.Add([]byte{
		0xff,
		0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 0, // new owner1 AAPL buy limit day 100 x5 id a
		0, 2, 0, 1, 0, 0, 0, 3, 3, 1, 0, // new owner2 AAPL sell limit day 101 x3 id b
		10, 2, 0, 1, 0, 0, 0, 0, 3, 2, 1, // replace owner2 b->c at 100 x3: crosses
		7, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, // cancel owner1 a (id d)
		13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // end of day
	})
	f.Add([]byte{
		0x00,
		0, 1, 0, 0, 0, 1, 0, 0, 5, 0, 0, // new GTC buy (capacity 1)
		0, 1, 0, 0, 0, 0, 0, 6, 5, 1, 0, // new DAY buy: orders full
		0, 2, 0, 1, 5, 3, 0, 0, 4, 2, 0, // MARKET IOC sell 4
		0, 2, 0, 1, 0, 4, 0, 0, 1, 3, 0, // FOK sell, nothing left
		15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // unknown kind
	})
	f.Add([]byte{
		0xff,
		0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 0, // new owner1 AAPL buy limit day 100 x5 id a
		0, 1, 0, 1, 0, 1, 0, 9, 5, 1, 0, // new owner1 AAPL sell limit gtc 103 x5 id b
		0, 1, 1, 0, 0, 0, 0, 0, 5, 2, 0, // new owner1 MSFT buy limit day 20 x5 id c
		0, 2, 0, 1, 0, 3, 0, 0, 2, 3, 0, // new owner2 AAPL sell IOC 100 x2 id d: a partial
		12, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, // status owner1 a (req e): partial
		12, 2, 0, 1, 0, 0, 0, 0, 0, 12, 3, // status owner2 d: filled, no req id
		12, 1, 0, 1, 0, 0, 0, 0, 0, 4, 0, // status owner1 a with the wrong side
		14, 1, 0, 1, 0, 0, 0, 0, 0, 5, 0, // mass owner1 AAPL buys (id f)
		14, 1, 0, 0, 3, 0, 0, 0, 0, 6, 0, // mass owner1 all, both sides
		0, 1, 0, 0, 0, 1, 0, 0, 5, 7, 0, // new owner1 AAPL buy gtc id h
		14, 1, 0, 0, 5, 0, 0, 0, 0, 12, 0, // cancel on disconnect owner1
		14, 1, 0, 0, 7, 0, 0, 0, 0, 8, 0, // mass with an unsupported scope
	})
	f.Add([]byte{
		0xff,
		0, 1, 0, 0, 0, 1, 0, 0, 5, 0, 0, // new owner1 AAPL buy limit gtc 100 x5 id a
		14, 1, 0, 0, 3, 0, 0, 0, 0, 5, 0, // mass owner1 all (id f): cancels a, f remembered
		0, 1, 0, 0, 0, 1, 0, 0, 5, 5, 0, // new owner1 id f: duplicate
		7, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, // cancel owner1 id f (orig a): duplicate
		7, 1, 0, 0, 0, 0, 0, 0, 0, 6, 5, // cancel owner1 orig f (id g): unknown
		12, 1, 0, 0, 0, 0, 0, 0, 0, 12, 5, // status owner1 f: unknown
		14, 1, 0, 0, 3, 0, 0, 0, 0, 5, 0, // mass owner1 id f again: duplicate
		14, 2, 0, 0, 3, 0, 0, 0, 0, 5, 0, // mass owner2 id f: another session's, accepted
		14, 1, 0, 0, 7, 0, 0, 0, 0, 7, 0, // mass owner1 unsupported scope (id h): rejected
		0, 1, 0, 0, 0, 1, 0, 0, 5, 7, 0, // new owner1 id h: accepted
		13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // end of day
		14, 1, 0, 0, 3, 0, 0, 0, 0, 5, 0, // mass owner1 id f: a new day, accepted
	})
	f.Add([]byte{
		0xff,
		0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 0, // new owner1 AAPL buy limit day 100 x5 id a
		0, 1, 0, 1, 0, 1, 0, 9, 5, 1, 0, // new owner1 AAPL sell limit gtc 103 x5 id b
		0, 2, 0, 1, 0, 0, 0, 0, 2, 2, 0, // new owner2 AAPL sell day 100 x2 id c: a partial
		0, 1, 1, 0, 0, 0, 0, 0, 3, 3, 0, // new owner1 MSFT buy limit day 20 x3 id d
		13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // end of day: a and d expire, b stays
		7, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, // cancel owner1 orig a (id e): too late, C
		10, 1, 1, 0, 0, 0, 0, 3, 3, 4, 3, // replace owner1 orig d (id e): too late, C
		12, 1, 0, 0, 0, 0, 0, 0, 0, 12, 0, // status owner1 a: C
		0, 1, 0, 0, 0, 0, 0, 253, 1, 0, 0, // new owner1 AAPL buy 99 x1 id a: reuse accepted
		7, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, // cancel owner1 orig a, id d (expired too): cancels the new a
		12, 1, 0, 0, 0, 0, 0, 0, 0, 12, 0, // status owner1 a: canceled
		0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, // new owner1 id a: duplicate
		13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // end of day: nothing expires
		12, 1, 0, 0, 0, 0, 0, 0, 0, 12, 0, // status owner1 a: unknown
	})
	r := rand.New(rand.NewSource(1))
	for range 8 {
		b := make([]byte, 1+fuzzChunk*(20+r.Intn(60)))
		r.Read(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		cfg := fuzzConfig(data[0])
		eng, err := newEngineMatcher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := newRefMatcher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var rs, es engine.State
		data = data[1:]
		for i := 0; (i+1)*fuzzChunk <= len(data) && i < fuzzMaxCmds; i++ {
			c := decodeFuzzCommand(data[i*fuzzChunk:(i+1)*fuzzChunk], uint64(i+1))
			got, want := eng.apply(&c), ref.apply(&c)
			if d := compareEvents(&cfg, got, want); d != "" {
				t.Fatalf("config %s\ncommand %d: %s\n%s", formatConfig(&cfg), i, formatCommand(&cfg, &c), d)
			}
			if err := eng.check(); err != nil {
				t.Fatalf("command %d: %s: CheckInvariants: %v", i, formatCommand(&cfg, &c), err)
			}
			ref.state(&rs)
			if eh, rh := eng.hash(), rs.Hash(); eh != rh {
				eng.state(&es)
				t.Fatalf("command %d: %s: state hash engine %#x, ref %#x; %s", i, formatCommand(&cfg, &c), eh, rh,
					diffLines(formatState(&cfg, &es), formatState(&cfg, &rs)))
			}
		}
	})
}
