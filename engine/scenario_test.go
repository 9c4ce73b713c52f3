package engine_test

// Data-driven scenario tests: testdata/*.txt hold commands and the events they
// must produce. Every file runs against the reference book (subtest "ref") and
// the fast engine (subtest "engine"); expectations are regenerated from the
// reference with
//
//	go test ./engine -run TestScenarios/.*/ref -rewrite
//
// and must then be read and checked by hand against the contract: the files are
// the spec.
//
// Directives (Seq counts 1, 2, 3... from the last config; Time = timeBase + Seq):
//
//	config [symbols=(NAME:MIN:MAX, ...)] [max-orders=N] [max-levels=N] [history=N] [max-qty=N]
//	new     [owner=N] id=X sym=S side=buy|sell [type=limit|market] [tif=day|gtc|ioc|fok] [px=N] qty=N [invalid=qty|tick|price]
//	cancel  [owner=N] id=X orig=Y [sym=S side=...]
//	replace [owner=N] id=X orig=Y sym=S side=... [type=limit] [tif=day] px=N qty=N [invalid=...]
//	eod
//	status  [owner=N] id=X [req=R] [sym=S side=...]
//	mass    [owner=N] [id=X] scope=symbol|all|disconnect|N [sym=S] [side=...]
//	raw kind=N [any of the fields above]
//	book sym=S
//	state
//
// status is an OrderStatusRequest: id is the ClOrdID asked about (the
// command's OrigClOrdID), req the OrdStatusReqID (the command's ClOrdID).
// mass is an OrderMassCancelRequest (scope symbol or all) or a cancel on
// disconnect (scope disconnect); side omitted is both sides (Side 0).
//
// Enum fields also take a number (side=7, scope=3) and sym takes ? for
// NoSymbol or #N for a raw index, so out-of-range values can be written.

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/openmatch/matchd/engine"
)

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files in testdata (%v)", err)
	}
	rewriting := false
	if f := flag.Lookup("rewrite"); f != nil && f.Value.String() == "true" {
		rewriting = true
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			t.Run("ref", func(t *testing.T) {
				sc := &scenario{newMatcher: newRefMatcher}
				datadriven.RunTest(t, path, sc.handle)
			})
			t.Run("engine", func(t *testing.T) {
				if rewriting {
					t.Skip("-rewrite regenerates expectations from the reference only")
				}
				sc := &scenario{newMatcher: newEngineMatcher}
				datadriven.RunTest(t, path, sc.handle)
			})
		})
	}
}

// scenario is the state of one file's run.
type scenario struct {
	newMatcher func(engine.Config) (matcher, error)
	cfg        engine.Config
	m          matcher
	seq        uint64
	st         engine.State
}

func (sc *scenario) handle(t *testing.T, d *datadriven.TestData) string {
	if d.Cmd == "config" {
		return sc.config(t, d)
	}
	if sc.m == nil {
		d.Fatalf(t, "%s before config", d.Cmd)
	}
	switch d.Cmd {
	case "new":
		return sc.command(t, d, engine.KindNew)
	case "cancel":
		return sc.command(t, d, engine.KindCancel)
	case "replace":
		return sc.command(t, d, engine.KindReplace)
	case "eod":
		return sc.command(t, d, engine.KindEndOfDay)
	case "status":
		return sc.command(t, d, engine.KindStatus)
	case "mass":
		return sc.command(t, d, engine.KindMassCancel)
	case "raw":
		return sc.command(t, d, 0)
	case "book":
		return sc.book(t, d)
	case "state":
		sc.m.state(&sc.st)
		if h, sh := sc.m.hash(), sc.st.Hash(); h != sh {
			t.Errorf("%s: StateHash() = %#x but State().Hash() = %#x", d.Pos, h, sh)
		}
		return formatState(&sc.cfg, &sc.st)
	}
	d.Fatalf(t, "unknown directive %q", d.Cmd)
	return ""
}

func (sc *scenario) config(t *testing.T, d *datadriven.TestData) string {
	cfg := engine.Config{
		Symbols: []engine.SymbolConfig{
			{Name: "AAPL", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100000},
			{Name: "MSFT", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100000},
		},
		MaxOrders: 1000,
		MaxLevels: 1000,
		History:   1000,
		MaxQty:    1_000_000,
	}
	for _, a := range d.CmdArgs {
		switch a.Key {
		case "symbols":
			cfg.Symbols = nil
			for _, v := range a.Vals {
				f := strings.Split(v, ":")
				if len(f) != 3 {
					d.Fatalf(t, "symbol %q: want NAME:MIN:MAX", v)
				}
				cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{
					Name: f[0], TickDecimals: 2, TickSize: 1,
					MinPrice: parseInt(t, d, f[1]), MaxPrice: parseInt(t, d, f[2]),
				})
			}
		case "max-orders":
			cfg.MaxOrders = int(parseInt(t, d, a.SingleVal(t)))
		case "max-levels":
			cfg.MaxLevels = int(parseInt(t, d, a.SingleVal(t)))
		case "history":
			cfg.History = int(parseInt(t, d, a.SingleVal(t)))
		case "max-qty":
			cfg.MaxQty = parseInt(t, d, a.SingleVal(t))
		default:
			d.Fatalf(t, "config: unknown argument %q", a.Key)
		}
	}
	m, err := sc.newMatcher(cfg)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	sc.cfg, sc.m, sc.seq = cfg, m, 0
	return "ok\n"
}

func parseInt(t *testing.T, d *datadriven.TestData, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d.Fatalf(t, "bad number %q", s)
	}
	return v
}

// enum parses a named value or a raw number.
func enum(t *testing.T, d *datadriven.TestData, s string, names map[string]uint8) uint8 {
	if v, ok := names[s]; ok {
		return v
	}
	v, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		d.Fatalf(t, "bad value %q", s)
	}
	return uint8(v)
}

func (sc *scenario) symbol(t *testing.T, d *datadriven.TestData, s string) uint32 {
	if strings.HasPrefix(s, "#") {
		return uint32(parseInt(t, d, s[1:]))
	}
	for i, c := range sc.cfg.Symbols {
		if c.Name == s {
			return uint32(i)
		}
	}
	return engine.NoSymbol
}

func makeID(t *testing.T, d *datadriven.TestData, s string) engine.ID {
	if s == `""` {
		return engine.ID{}
	}
	id, ok := engine.MakeID(s)
	if !ok {
		d.Fatalf(t, "ClOrdID %q too long", s)
	}
	return id
}

func (sc *scenario) command(t *testing.T, d *datadriven.TestData, kind engine.Kind) string {
	c := engine.Command{Kind: kind, Owner: 1, Symbol: engine.NoSymbol}
	if kind == engine.KindNew || kind == engine.KindReplace {
		c.Type, c.TIF = engine.Limit, engine.Day
	}
	for _, a := range d.CmdArgs {
		v := a.SingleVal(t)
		switch a.Key {
		case "kind":
			c.Kind = engine.Kind(enum(t, d, v, nil))
		case "owner":
			c.Owner = uint32(parseInt(t, d, v))
		case "id":
			if kind == engine.KindStatus {
				c.OrigClOrdID = makeID(t, d, v)
			} else {
				c.ClOrdID = makeID(t, d, v)
			}
		case "req":
			if kind != engine.KindStatus {
				d.Fatalf(t, "req= is for status only")
			}
			c.ClOrdID = makeID(t, d, v)
		case "orig":
			if kind == engine.KindStatus {
				d.Fatalf(t, "status names its order with id=")
			}
			c.OrigClOrdID = makeID(t, d, v)
		case "scope":
			c.Type = engine.OrdType(enum(t, d, v, map[string]uint8{
				"symbol": uint8(engine.MassBySymbol), "all": uint8(engine.MassAll), "disconnect": uint8(engine.MassOnDisconnect)}))
		case "sym":
			c.Symbol = sc.symbol(t, d, v)
		case "side":
			c.Side = engine.Side(enum(t, d, v, map[string]uint8{"buy": 1, "sell": 2}))
		case "type":
			c.Type = engine.OrdType(enum(t, d, v, map[string]uint8{"market": 1, "limit": 2}))
		case "tif":
			c.TIF = engine.TIF(enum(t, d, v, map[string]uint8{"day": 0, "gtc": 1, "ioc": 3, "fok": 4}))
		case "px":
			c.Price = parseInt(t, d, v)
		case "qty":
			c.Qty = parseInt(t, d, v)
		case "invalid":
			c.Invalid = engine.Invalid(enum(t, d, v, map[string]uint8{"none": 0, "qty": 1, "tick": 2, "price": 3}))
		default:
			d.Fatalf(t, "unknown argument %q", a.Key)
		}
	}
	sc.seq++
	c.Seq = sc.seq
	c.Time = timeBase + int64(c.Seq)
	evs := sc.m.apply(&c)
	var b strings.Builder
	for i := range evs {
		e := &evs[i]
		b.WriteString(formatEvent(&sc.cfg, e) + "\n")
		if e.Seq != c.Seq || e.Time != c.Time {
			fmt.Fprintf(&b, "!! event has seq=%d time=%d, want seq=%d time=%d\n", e.Seq, e.Time, c.Seq, c.Time)
		}
	}
	if len(evs) == 0 {
		b.WriteString("(no events)\n")
	}
	if err := sc.m.check(); err != nil {
		t.Errorf("%s: after %s: CheckInvariants: %v", d.Pos, formatCommand(&sc.cfg, &c), err)
	}
	return b.String()
}

func (sc *scenario) book(t *testing.T, d *datadriven.TestData) string {
	var arg string
	d.ScanArgs(t, "sym", &arg)
	sym := sc.symbol(t, d, arg)
	sc.m.state(&sc.st)
	var b strings.Builder
	for i := range sc.st.Orders {
		if o := &sc.st.Orders[i]; o.Symbol == sym {
			b.WriteString(formatOrder(&sc.cfg, o, false) + "\n")
		}
	}
	if b.Len() == 0 {
		return "(empty)\n"
	}
	return b.String()
}
