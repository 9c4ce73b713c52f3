package fixclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// ExecError is a command that failed (no answer, an expect not met, an
// unknown ClOrdID), with its position.
type ExecError struct {
	Line Line
	Err  error
}

// Error says "fixclient: SOURCE:LINE: COMMAND: what went wrong".
func (e *ExecError) Error() string {
	return fmt.Sprintf("fixclient: %s: %s: %v", e.Line.where(), e.Line.Cmd.Line, e.Err)
}

// Unwrap returns Err.
func (e *ExecError) Unwrap() error { return e.Err }

// errQuit ends a run at a quit command.
var errQuit = errors.New("quit")

// RunLines runs commands in order and stops at the first that fails, or at
// quit.
func (c *Client) RunLines(ctx context.Context, lines []Line) error {
	for _, l := range lines {
		if err := c.Exec(ctx, l); err != nil {
			if errors.Is(err, errQuit) {
				return nil
			}
			return err
		}
	}
	return nil
}

// RunScript reads, parses and runs commands from r line by line as they
// come (a pipe), stopping at the first bad or failed one.
func (c *Client) RunScript(ctx context.Context, source string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		cmd, err := Parse(sc.Text())
		if err != nil {
			return &ParseError{Source: source, Line: n, Err: err}
		}
		if cmd.Op == OpNone {
			continue
		}
		if err := c.Exec(ctx, Line{Source: source, N: n, Cmd: cmd}); err != nil {
			if errors.Is(err, errQuit) {
				return nil
			}
			return err
		}
	}
	return sc.Err()
}

// Interactive reads commands from a terminal, printing prompt before each;
// a bad or failed command is reported and the next one read. It ends at
// quit, at the end of input, or when ctx is done.
func (c *Client) Interactive(ctx context.Context, r io.Reader, prompt string) error {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for n := 1; ; n++ {
		c.outMu.Lock()
		io.WriteString(c.o.Out, prompt)
		c.outMu.Unlock()
		var text string
		var ok bool
		select {
		case text, ok = <-lines:
			if !ok {
				c.printf("")
				return nil
			}
		case <-ctx.Done():
			return nil
		}
		cmd, err := Parse(text)
		if err != nil {
			c.printf("%v", err)
			continue
		}
		if cmd.Op == OpNone {
			continue
		}
		err = c.Exec(ctx, Line{Source: "input", N: n, Cmd: cmd})
		switch {
		case errors.Is(err, errQuit):
			return nil
		case ctx.Err() != nil:
			return nil
		case err != nil:
			c.printf("%v", err)
		}
	}
}

// Exec runs one command.
func (c *Client) Exec(ctx context.Context, l Line) error {
	var err error
	cmd := &l.Cmd
	switch cmd.Op {
	case OpNone:
	case OpOrder:
		err = c.newOrder(ctx, cmd)
	case OpCancel, OpReplace:
		err = c.cancelReplace(ctx, cmd)
	case OpStatus:
		err = c.status(ctx, cmd)
	case OpMassCancel:
		err = c.massCancel(ctx, cmd)
	case OpBook:
		err = c.book(ctx, cmd)
	case OpWait:
		t := time.NewTimer(cmd.Wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			err = ctx.Err()
		}
	case OpExpect:
		err = c.expect(ctx, cmd)
	case OpQuit:
		return errQuit
	case OpHelp:
		c.printf("%s", Usage)
	}
	if err != nil {
		return &ExecError{Line: l, Err: err}
	}
	return nil
}

// newMessage starts an application message with its TransactTime.
func newMessage(msgType string) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetString(fixtag.MsgType, msgType)
	m.Body.SetField(fixtag.TransactTime, quickfix.FIXUTCTimestamp{Time: time.Now(), Precision: quickfix.Millis})
	return m
}

func sideValue(s engine.Side) string { return strconv.Itoa(int(s)) }

func sideWord(s engine.Side) string {
	if s == engine.Sell {
		return "sell"
	}
	return "buy"
}

func tifWord(t engine.TIF) string { return tifName(strconv.Itoa(int(t))) }

// isReport accepts an ExecutionReport or OrderCancelReject on ClOrdID id.
func isReport(id string) func(*message) bool {
	return func(m *message) bool {
		return (m.typ == fixtag.MsgTypeExecutionReport || m.typ == fixtag.MsgTypeOrderCancelReject) && m.get(fixtag.ClOrdID) == id
	}
}

func (c *Client) newOrder(ctx context.Context, cmd *Command) error {
	id := cmd.ID
	if id == "" {
		id = c.ids.next()
	} else if c.orders.get(id) != nil {
		return fmt.Errorf("ClOrdID %s is already one of this client's orders", id)
	}
	m := newMessage(fixtag.MsgTypeNewOrderSingle)
	m.Body.SetString(fixtag.ClOrdID, id)
	m.Body.SetString(fixtag.Side, sideValue(cmd.Side))
	m.Body.SetString(fixtag.Symbol, cmd.Symbol)
	m.Body.SetString(fixtag.OrderQty, strconv.FormatInt(cmd.Qty, 10))
	m.Body.SetString(fixtag.TimeInForce, strconv.Itoa(int(cmd.TIF)))
	price := "market"
	if cmd.Price == "" {
		m.Body.SetString(fixtag.OrdType, "1")
	} else {
		m.Body.SetString(fixtag.OrdType, "2")
		m.Body.SetString(fixtag.Price, cmd.Price)
		price = "@" + cmd.Price
	}
	c.orders.add(id, &order{side: cmd.Side, symbol: cmd.Symbol, tif: cmd.TIF, market: cmd.Price == ""})
	c.printf("%s>%s new-order %s %d %s %s %s id=%s", c.o.Sender, c.o.Target, sideWord(cmd.Side), cmd.Qty, cmd.Symbol, price, tifWord(cmd.TIF), id)
	_, err := c.sendAndWait(ctx, m, id, isReport(id))
	return err
}

// target resolves the order a cancel, replace or status refers to.
func (c *Client) target(cmd *Command) (*order, error) {
	ord := c.orders.get(cmd.ID)
	switch {
	case cmd.Side != 0 && ord != nil && (ord.side != cmd.Side || ord.symbol != cmd.Symbol):
		return nil, fmt.Errorf("%s is a %s %s order, not %s %s", cmd.ID, sideWord(ord.side), ord.symbol, sideWord(cmd.Side), cmd.Symbol)
	case cmd.Side != 0 && ord == nil:
		ord = &order{side: cmd.Side, symbol: cmd.Symbol, tif: engine.Day}
		c.orders.remember(cmd.ID, ord)
	case ord == nil:
		return nil, fmt.Errorf("unknown ClOrdID %s: not an order this client sent or had a report of (cancel and status take its side and symbol: cancel %s buy|sell SYMBOL)",
			cmd.ID, cmd.ID)
	}
	c.orders.setLast(ord)
	return ord, nil
}

func (c *Client) cancelReplace(ctx context.Context, cmd *Command) error {
	ord, err := c.target(cmd)
	if err != nil {
		return err
	}
	if cmd.Op == OpReplace && ord.market {
		return fmt.Errorf("%s is a market order: it cannot be replaced", cmd.ID)
	}
	orig, id := c.orders.current(ord), c.ids.next()
	msgType, verb := fixtag.MsgTypeOrderCancelRequest, "cancel"
	if cmd.Op == OpReplace {
		msgType, verb = fixtag.MsgTypeOrderCancelReplaceRequest, "replace"
	}
	m := newMessage(msgType)
	m.Body.SetString(fixtag.ClOrdID, id)
	m.Body.SetString(fixtag.OrigClOrdID, orig)
	m.Body.SetString(fixtag.Side, sideValue(ord.side))
	m.Body.SetString(fixtag.Symbol, ord.symbol)
	extra := ""
	if cmd.Op == OpReplace {
		m.Body.SetString(fixtag.OrderQty, strconv.FormatInt(cmd.Qty, 10))
		m.Body.SetString(fixtag.OrdType, "2")
		m.Body.SetString(fixtag.Price, cmd.Price)
		m.Body.SetString(fixtag.TimeInForce, strconv.Itoa(int(ord.tif)))
		extra = fmt.Sprintf(" %d @%s", cmd.Qty, cmd.Price)
	}
	c.orders.alias(id, ord)
	c.printf("%s>%s %s id=%s orig=%s %s %s%s", c.o.Sender, c.o.Target, verb, id, orig, sideWord(ord.side), ord.symbol, extra)
	_, err = c.sendAndWait(ctx, m, id, isReport(id))
	return err
}

func (c *Client) status(ctx context.Context, cmd *Command) error {
	ord, err := c.target(cmd)
	if err != nil {
		return err
	}
	orig, req := c.orders.current(ord), c.ids.next()
	m := newMessage(fixtag.MsgTypeOrderStatusRequest)
	m.Body.Remove(fixtag.TransactTime)
	m.Body.SetString(fixtag.ClOrdID, orig)
	m.Body.SetString(fixtag.Side, sideValue(ord.side))
	m.Body.SetString(fixtag.Symbol, ord.symbol)
	m.Body.SetString(fixtag.OrdStatusReqID, req)
	c.printf("%s>%s status id=%s %s %s req=%s", c.o.Sender, c.o.Target, orig, sideWord(ord.side), ord.symbol, req)
	_, err = c.sendAndWait(ctx, m, req, func(r *message) bool {
		return r.typ == fixtag.MsgTypeExecutionReport && r.get(fixtag.ExecType) == "I" &&
			(r.get(fixtag.OrdStatusReqID) == req || !r.has(fixtag.OrdStatusReqID) && r.get(fixtag.ClOrdID) == orig)
	})
	return err
}

func (c *Client) massCancel(ctx context.Context, cmd *Command) error {
	id := c.ids.next()
	m := newMessage(fixtag.MsgTypeOrderMassCancelRequest)
	m.Body.SetString(fixtag.ClOrdID, id)
	scope := "all"
	if cmd.Symbol != "" {
		m.Body.SetString(fixtag.MassCancelRequestType, "1")
		m.Body.SetString(fixtag.Symbol, cmd.Symbol)
		scope = cmd.Symbol
	} else {
		m.Body.SetString(fixtag.MassCancelRequestType, "7")
	}
	if cmd.Side != 0 {
		m.Body.SetString(fixtag.Side, sideValue(cmd.Side))
		scope += " " + sideWord(cmd.Side)
	}
	c.printf("%s>%s mass-cancel %s id=%s", c.o.Sender, c.o.Target, scope, id)
	_, err := c.sendAndWait(ctx, m, id, func(r *message) bool {
		return r.typ == fixtag.MsgTypeOrderMassCancelReport && r.get(fixtag.ClOrdID) == id
	})
	return err
}

// MarketDataRequest builds a MarketDataRequest (V) for symbols: bids, offers
// and trades, incremental updates, SubscriptionRequestType subType ('0'
// snapshot, '1' snapshot + updates, '2' unsubscribe) and MarketDepth depth (0:
// full book) (CONTRACT §6). The bench's subscribers send it too.
func MarketDataRequest(reqID string, subType byte, depth int, symbols ...string) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetString(fixtag.MsgType, fixtag.MsgTypeMarketDataRequest)
	m.Body.SetString(fixtag.MDReqID, reqID)
	m.Body.SetString(fixtag.SubscriptionRequestType, string(subType))
	m.Body.SetInt(fixtag.MarketDepth, depth)
	m.Body.SetString(fixtag.MDUpdateType, "1")
	types := quickfix.NewRepeatingGroup(fixtag.NoMDEntryTypes, quickfix.GroupTemplate{quickfix.GroupElement(fixtag.MDEntryType)})
	for _, t := range []string{"0", "1", "2"} {
		types.Add().SetString(fixtag.MDEntryType, t)
	}
	m.Body.SetGroup(types)
	syms := quickfix.NewRepeatingGroup(fixtag.NoRelatedSym, quickfix.GroupTemplate{quickfix.GroupElement(fixtag.Symbol)})
	for _, s := range symbols {
		syms.Add().SetString(fixtag.Symbol, s)
	}
	m.Body.SetGroup(syms)
	return m
}

func (c *Client) book(ctx context.Context, cmd *Command) error {
	c.mu.Lock()
	for _, s := range c.subs {
		if s.symbol == cmd.Symbol && s.depth == cmd.Depth && !c.o.Redraw {
			c.mu.Unlock()
			return fmt.Errorf("already subscribed to %s (MDReqID %s)", cmd.Symbol, s.reqID)
		}
	}
	c.mu.Unlock()
	req := c.ids.next()
	c.printf("%s>%s book %s depth=%d req=%s", c.o.Sender, c.o.Target, cmd.Symbol, cmd.Depth, req)
	var v *view
	if c.o.Redraw {
		v = &view{symbol: cmd.Symbol, depth: cmd.Depth, dirty: make(chan struct{}, 1), intr: make(chan struct{}, 1)}
	}
	c.mu.Lock()
	c.subs[req] = &sub{reqID: req, symbol: cmd.Symbol, depth: cmd.Depth}
	delete(c.books, cmd.Symbol) // the W rebuilds it
	c.view = v                  // from the W on (nil: lines)
	c.mu.Unlock()
	if v != nil {
		c.outMu.Lock()
		c.recent = nil
		c.outMu.Unlock()
	}
	got, err := c.sendAndWait(ctx, MarketDataRequest(req, '1', cmd.Depth, cmd.Symbol), req, func(r *message) bool {
		return (r.typ == fixtag.MsgTypeMarketDataSnapshot || r.typ == fixtag.MsgTypeMarketDataRequestReject) && r.get(fixtag.MDReqID) == req
	})
	if err == nil && got.typ != fixtag.MsgTypeMarketDataSnapshot {
		err = errors.New("subscription refused")
	}
	if err != nil {
		c.mu.Lock()
		delete(c.subs, req)
		c.view = nil
		c.mu.Unlock()
		if v != nil { // what arrived meanwhile (the reject) was kept for the ladder
			c.outMu.Lock()
			for _, l := range c.recent {
				io.WriteString(c.o.Out, l+"\n")
			}
			c.recent = nil
			c.outMu.Unlock()
		}
		return err
	}
	if v == nil {
		return nil
	}
	return c.drawLadder(ctx, v, req)
}

// drawLadder redraws v's book in place until interrupted, then
// unsubscribes.
func (c *Client) drawLadder(ctx context.Context, v *view, req string) error {
	tick := time.NewTicker(50 * time.Millisecond) // at most 20 redraws a second
	defer tick.Stop()
	redraw := true
	for {
		if redraw {
			c.mu.Lock()
			b := c.books[v.symbol]
			if b == nil {
				b = newMDBook(v.symbol)
			}
			c.outMu.Lock()
			io.WriteString(c.o.Out, "\x1b[H\x1b[2J")
			b.render(c.o.Out, c.o.Sender+" from "+c.o.Target, v.depth)
			if len(c.recent) > 0 {
				io.WriteString(c.o.Out, "\nmessages\n")
				for _, l := range c.recent {
					io.WriteString(c.o.Out, "  "+l+"\n")
				}
			}
			c.outMu.Unlock()
			c.mu.Unlock()
			redraw = false
		}
		select {
		case <-v.dirty:
			<-tick.C
			redraw = true
		case <-v.intr:
		case <-ctx.Done():
		}
		if !redraw {
			break
		}
	}
	c.mu.Lock()
	c.view = nil
	delete(c.subs, req)
	c.mu.Unlock()
	c.printf("book %s: stopped", v.symbol)
	if err := quickfix.SendToTarget(MarketDataRequest(req, '2', v.depth, v.symbol), c.sid); err != nil {
		return fmt.Errorf("unsubscribing: %w", err)
	}
	return nil
}

// expect waits for an event (see Events), consuming the message it matches
// so that the next expect of the same kind waits for another.
func (c *Client) expect(ctx context.Context, cmd *Command) error {
	timeout := cmd.Wait
	if timeout == 0 {
		timeout = DefaultExpectTimeout
	}
	var ok func(*message) bool
	arg, _ := eventArg(cmd.Event)
	switch {
	case arg == 'o' && cmd.Event == "mass-cancel":
		ok = func(m *message) bool {
			return m.typ == fixtag.MsgTypeOrderMassCancelReport && (cmd.ID == "" || m.get(fixtag.ClOrdID) == cmd.ID)
		}
	case arg == 'o':
		var ord *order
		if cmd.ID == "" {
			if ord = c.orders.lastOrder(); ord == nil {
				return errors.New("no order sent yet: give a ClOrdID")
			}
		} else {
			ord = c.orders.get(cmd.ID)
		}
		mine := func(id string) bool { return id != "" && (id == cmd.ID || ord != nil && c.orders.get(id) == ord) }
		ok = func(m *message) bool {
			if cmd.Event == "cancel-reject" {
				return m.typ == fixtag.MsgTypeOrderCancelReject && (mine(m.get(fixtag.ClOrdID)) || mine(m.get(fixtag.OrigClOrdID)))
			}
			return m.typ == fixtag.MsgTypeExecutionReport && mine(m.get(fixtag.ClOrdID)) && execMatches(cmd.Event, m)
		}
	case cmd.Event == "reject":
		ok = func(m *message) bool { return m.typ == fixtag.MsgTypeReject }
	case cmd.Event == "business-reject":
		ok = func(m *message) bool { return m.typ == fixtag.MsgTypeBusinessMessageReject }
	case cmd.Event == "md-reject":
		ok = func(m *message) bool { return m.typ == fixtag.MsgTypeMarketDataRequestReject }
	default: // book, md-trade
		ok = func(m *message) bool { return mdMatches(m, cmd.Event == "book", cmd.Symbol) }
	}
	_, err := c.waitFor(ctx, 0, timeout, true, ok)
	if errors.Is(err, errNoAnswer) {
		return fmt.Errorf("not seen within %v", timeout)
	}
	return err
}

// mdMatches says whether m is market data that an expect "book" (book) or
// "md-trade" (not book) of symbol ("" any) waits for: a W of symbol (with
// entries or not), or an X with an entry of symbol (for md-trade a trade
// entry). An X may hold entries of several symbols and commands (the server
// batches a backlog): every entry's own Symbol counts, not the first one's.
func mdMatches(m *message, book bool, symbol string) bool {
	switch m.typ {
	case fixtag.MsgTypeMarketDataSnapshot:
		if book && (symbol == "" || m.get(fixtag.Symbol) == symbol) {
			return true
		}
	case fixtag.MsgTypeMarketDataIncremental:
		if book && symbol == "" {
			return true
		}
	default:
		return false
	}
	for _, e := range m.entries() {
		if (symbol == "" || e.symbol == symbol) && (book || e.typ == '2') {
			return true
		}
	}
	return false
}

// execMatches says whether ExecutionReport m is the expected event.
func execMatches(event string, m *message) bool {
	et := m.get(fixtag.ExecType)
	switch event {
	case "filled":
		return m.get(fixtag.OrdStatus) == "2" && et != "I"
	case "trade":
		return et == "F" || et == "1" || et == "2"
	}
	return execTypeName(et) == event
}
