package fixclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// order is what the client remembers of one of its orders: cancel, replace
// and status must repeat its Side, Symbol (and, for a replace, TimeInForce).
type order struct {
	side   engine.Side
	symbol string
	tif    engine.TIF
	market bool
	// cur is the order's current ClOrdID: the original, then that of the
	// last replace the server acknowledged (ExecType=5).
	cur string
}

// orders maps every ClOrdID the client sent or received (orders, and the
// cancels and replaces of them) to its order. With a store directory it is
// also kept in a file there, so an order can be canceled in a later run.
type orders struct {
	mu   sync.Mutex
	byID map[string]*order
	last *order // the last order a command sent or referred to
	w    io.Writer
	file *os.File
	err  error // the first write error, reported once
}

// idGen makes ClOrdIDs, MDReqIDs and OrdStatusReqIDs: "<run>.<n>", run
// the client's start in base-36 milliseconds, so that they never repeat
// across runs (the server refuses a ClOrdID its session already used, and
// remembers them across restarts). IDs are scoped to the session, so the
// SenderCompID need not be part of them.
type idGen struct {
	mu  sync.Mutex
	run string
	n   int
}

func newIDGen(now time.Time) *idGen { return &idGen{run: strconv.FormatInt(now.UnixMilli(), 36)} }

func (g *idGen) next() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	return g.run + "." + strconv.Itoa(g.n)
}

func newOrders() *orders { return &orders{byID: map[string]*order{}} }

// openOrders loads path (if it exists) and appends to it from then on.
// Lines: "order ID SIDE SYMBOL TIF TYPE", "alias ID ORIGID", "current ID".
func openOrders(path string) (*orders, error) {
	o := newOrders()
	if f, err := os.Open(path); err == nil {
		err = o.load(path, f)
		f.Close()
		if err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("fixclient: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("fixclient: %w", err)
	}
	o.file, o.w = f, f
	return o, nil
}

func (o *orders) load(path string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		bad := func(why string) error { return fmt.Errorf("fixclient: %s:%d: %s: %q", path, n, why, sc.Text()) }
		switch {
		case len(f) == 0:
		case f[0] == "order" && len(f) == 6:
			side, err1 := strconv.Atoi(f[2])
			tif, err2 := strconv.Atoi(f[4])
			if err1 != nil || err2 != nil || (side != int(engine.Buy) && side != int(engine.Sell)) || tif < 0 || tif > 9 {
				return bad("bad side or time in force")
			}
			o.byID[f[1]] = &order{side: engine.Side(side), symbol: f[3], tif: engine.TIF(tif), market: f[5] == "market", cur: f[1]}
		case f[0] == "alias" && len(f) == 3:
			if ord := o.byID[f[2]]; ord != nil {
				o.byID[f[1]] = ord
			}
		case f[0] == "current" && len(f) == 2:
			if ord := o.byID[f[1]]; ord != nil {
				ord.cur = f[1]
			}
		default:
			return bad("not an order record")
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("fixclient: reading %s: %w", path, err)
	}
	return nil
}

// close closes the file and returns the first write error.
func (o *orders) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.file != nil {
		if err := o.file.Close(); err != nil && o.err == nil {
			o.err = err
		}
		o.file, o.w = nil, nil
	}
	if o.err != nil {
		return fmt.Errorf("fixclient: saving orders: %w", o.err)
	}
	return nil
}

func (o *orders) record(line string) {
	if o.w == nil || o.err != nil {
		return
	}
	_, o.err = io.WriteString(o.w, line+"\n")
}

// add remembers a new order sent under id: the last order.
func (o *orders) add(id string, ord *order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rememberLocked(id, ord)
	o.last = ord
}

// remember remembers an order known by id (sent by another run, named with
// its side and symbol).
func (o *orders) remember(id string, ord *order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rememberLocked(id, ord)
}

func (o *orders) rememberLocked(id string, ord *order) {
	ord.cur = id
	o.byID[id] = ord
	typ := "limit"
	if ord.market {
		typ = "market"
	}
	o.record(fmt.Sprintf("order %s %d %s %d %s", id, ord.side, ord.symbol, ord.tif, typ))
}

// alias makes id (a cancel's or replace's ClOrdID) refer to ord.
func (o *orders) alias(id string, ord *order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.aliasLocked(id, ord)
}

func (o *orders) aliasLocked(id string, ord *order) {
	if o.byID[id] == ord {
		return
	}
	o.byID[id] = ord
	o.record("alias " + id + " " + ord.cur)
}

// get returns the order id names, or nil.
func (o *orders) get(id string) *order {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.byID[id]
}

// setLast makes ord the last order referred to.
func (o *orders) setLast(ord *order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last = ord
}

// lastOrder returns the last order referred to, or nil.
func (o *orders) lastOrder() *order {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// current returns ord's current ClOrdID.
func (o *orders) current(ord *order) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return ord.cur
}

// learn takes in an ExecutionReport: a replace acknowledgement moves the
// order to its new ClOrdID, and a report of an order the client did not know
// (one sent by an earlier run, delivered at logon) teaches it.
func (o *orders) learn(m *message) {
	id, orig := m.get(fixtag.ClOrdID), m.get(fixtag.OrigClOrdID)
	if id == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ord := o.byID[id]
	if ord == nil && orig != "" {
		if ord = o.byID[orig]; ord != nil {
			o.aliasLocked(id, ord)
		}
	}
	if ord == nil {
		side := engine.Side(0)
		switch m.get(fixtag.Side) {
		case "1":
			side = engine.Buy
		case "2":
			side = engine.Sell
		}
		sym := m.get(fixtag.Symbol)
		if side == 0 || sym == "" {
			return
		}
		tif, _ := strconv.Atoi(m.get(fixtag.TimeInForce))
		ord = &order{side: side, symbol: sym, tif: engine.TIF(tif), market: m.get(fixtag.OrdType) == "1"}
		o.rememberLocked(id, ord)
	}
	if m.get(fixtag.ExecType) == "5" && ord.cur != id {
		ord.cur = id
		o.record("current " + id)
	}
}
