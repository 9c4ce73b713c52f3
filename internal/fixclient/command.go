package fixclient

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openmatch/matchd/engine"
)

// Op is what a Command does.
type Op uint8

// Commands.
const (
	// OpNone is a blank line or a comment.
	OpNone Op = iota
	// OpOrder: buy|sell QTY SYMBOL [@PRICE|market] [day|gtc|ioc|fok] [id=CLORDID].
	OpOrder
	// OpCancel: cancel CLORDID [buy|sell SYMBOL].
	OpCancel
	// OpReplace: replace CLORDID QTY @PRICE.
	OpReplace
	// OpStatus: status CLORDID [buy|sell SYMBOL].
	OpStatus
	// OpMassCancel: mass-cancel [SYMBOL] [buy|sell].
	OpMassCancel
	// OpBook: book SYMBOL [DEPTH].
	OpBook
	// OpWait: wait DURATION.
	OpWait
	// OpExpect: expect EVENT [CLORDID|SYMBOL] [DURATION].
	OpExpect
	// OpQuit: quit.
	OpQuit
	// OpHelp: help (prints the commands).
	OpHelp
)

// Command is one parsed command line.
type Command struct {
	Op Op
	// Line is the command as written, without surrounding space.
	Line string
	// Side is engine.Buy or engine.Sell for orders, and 0 (both, or not given)
	// for cancel, status and mass-cancel.
	Side engine.Side
	// Qty is the order quantity (orders, replace).
	Qty int64
	// Symbol of an order, a book, a mass cancel by symbol (empty: all
	// symbols), a cancel or status with an explicit side and symbol, or an
	// expect on market data.
	Symbol string
	// Price is the limit price as written without its '@'; empty for a
	// MARKET order.
	Price string
	// TIF is the time in force (engine.Day unless given).
	TIF engine.TIF
	// ID is the ClOrdID: id= of an order (empty: generated), the order a
	// cancel, replace, status or expect refers to (empty for expect: the last
	// order a command sent or referred to).
	ID string
	// Depth is the book's MarketDepth(264): 0 full depth, N the top N levels.
	Depth int
	// Wait is the duration of wait, and the timeout of expect (0: the
	// default).
	Wait time.Duration
	// Event is what an expect waits for (one of Events).
	Event string
}

// Events are the names expect accepts, and what each matches. Order events
// take an optional ClOrdID (default: the last order a command sent or
// referred to) and match a report
// on any ClOrdID of that order (its replacements included); market-data
// events take an optional symbol.
var Events = []struct{ Name, Matches string }{
	{"new", "ExecutionReport ExecType=0 (New)"},
	{"trade", "ExecutionReport ExecType=F (a fill, partial or full)"},
	{"filled", "ExecutionReport OrdStatus=2 (Filled)"},
	{"canceled", "ExecutionReport ExecType=4 (Canceled)"},
	{"replaced", "ExecutionReport ExecType=5 (Replaced)"},
	{"rejected", "ExecutionReport ExecType=8 (Rejected)"},
	{"expired", "ExecutionReport ExecType=C (Expired)"},
	{"status", "ExecutionReport ExecType=I (order status)"},
	{"cancel-reject", "OrderCancelReject (9)"},
	{"mass-cancel", "OrderMassCancelReport (r) (no ClOrdID: any)"},
	{"reject", "Reject (3) (no argument)"},
	{"business-reject", "BusinessMessageReject (j) (no argument)"},
	{"book", "MarketDataSnapshotFullRefresh (W) or IncrementalRefresh (X) [SYMBOL]"},
	{"md-trade", "a trade entry (MDEntryType=2) in market data [SYMBOL]"},
	{"md-reject", "MarketDataRequestReject (Y) (no argument)"},
}

// eventArg says what argument an expect event takes: 'o' a ClOrdID, 's' a
// symbol, 0 none.
func eventArg(name string) (arg byte, ok bool) {
	switch name {
	case "new", "trade", "filled", "canceled", "replaced", "rejected", "expired", "status", "cancel-reject", "mass-cancel":
		return 'o', true
	case "book", "md-trade":
		return 's', true
	case "reject", "business-reject", "md-reject":
		return 0, true
	}
	return 0, false
}

// Usage is the command summary printed by help and the binary's -h.
const Usage = `Commands (one per line; # starts a comment):
  buy|sell QTY SYMBOL [@PRICE|market] [day|gtc|ioc|fok] [id=CLORDID]
                                   a NewOrderSingle (no price: MARKET); waits for its first report
  cancel CLORDID [buy|sell SYMBOL] an OrderCancelRequest (side and symbol: for an order this client
                                   does not remember)
  replace CLORDID QTY @PRICE       an OrderCancelReplaceRequest
  status CLORDID [buy|sell SYMBOL] an OrderStatusRequest
  mass-cancel [SYMBOL] [buy|sell]  an OrderMassCancelRequest: all my orders, or one symbol's, one side's
  book SYMBOL [DEPTH]              subscribe to market data (full depth, or the top DEPTH levels)
  wait DURATION                    print what arrives meanwhile (e.g. wait 500ms)
  expect EVENT [CLORDID|SYMBOL] [TIMEOUT]
                                   wait until such a message has arrived (default timeout 1m)
  quit`

// ParseError is a command that could not be parsed, with its position.
type ParseError struct {
	// Source names the input: a script file, "args" or "stdin".
	Source string
	// Line is the 1-based line (or, for args, command) number; 0 if unknown.
	Line int
	// Err says what is wrong.
	Err error
}

// Error says "fixclient: SOURCE:LINE: what is wrong".
func (e *ParseError) Error() string {
	if e.Line == 0 {
		return "fixclient: " + e.Err.Error()
	}
	return fmt.Sprintf("fixclient: %s:%d: %v", e.Source, e.Line, e.Err)
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse parses one command line. A blank line or a comment gives OpNone.
func Parse(line string) (Command, error) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	c := Command{Line: line, TIF: engine.Day}
	f := strings.Fields(line)
	if len(f) == 0 {
		return c, nil
	}
	verb, args := strings.ToLower(f[0]), f[1:]
	var err error
	switch verb {
	case "buy", "sell":
		err = c.parseOrder(verb, args)
	case "cancel", "status":
		c.Op = OpCancel
		if verb == "status" {
			c.Op = OpStatus
		}
		err = c.parseRef(verb, args)
	case "replace":
		err = c.parseReplace(args)
	case "mass-cancel":
		err = c.parseMassCancel(args)
	case "book":
		err = c.parseBook(args)
	case "wait":
		c.Op = OpWait
		if len(args) != 1 {
			return c, errors.New("wait: want wait DURATION (e.g. wait 500ms)")
		}
		c.Wait, err = parseDuration("wait", args[0])
	case "expect":
		err = c.parseExpect(args)
	case "quit", "exit":
		c.Op = OpQuit
		if len(args) != 0 {
			err = fmt.Errorf("%s takes no arguments", verb)
		}
	case "help":
		c.Op = OpHelp
	default:
		err = fmt.Errorf("unknown command %q (try help)", f[0])
	}
	return c, err
}

func (c *Command) parseOrder(verb string, args []string) error {
	c.Op, c.Side = OpOrder, engine.Buy
	if verb == "sell" {
		c.Side = engine.Sell
	}
	if len(args) < 2 {
		return fmt.Errorf("%s: want %s QTY SYMBOL [@PRICE|market] [day|gtc|ioc|fok] [id=CLORDID]", verb, verb)
	}
	var err error
	if c.Qty, err = parseQty(verb, args[0]); err != nil {
		return err
	}
	if c.Symbol, err = parseSymbol(verb, args[1]); err != nil {
		return err
	}
	var seenPrice, seenTIF bool
	for _, a := range args[2:] {
		low := strings.ToLower(a)
		switch {
		case strings.HasPrefix(a, "@") || low == "market":
			if seenPrice {
				return fmt.Errorf("%s: two prices (%q)", verb, a)
			}
			seenPrice = true
			if low != "market" {
				if c.Price, err = parsePrice(verb, a[1:]); err != nil {
					return err
				}
			}
		case low == "day" || low == "gtc" || low == "ioc" || low == "fok":
			if seenTIF {
				return fmt.Errorf("%s: two times in force (%q)", verb, a)
			}
			seenTIF = true
			c.TIF = map[string]engine.TIF{"day": engine.Day, "gtc": engine.GTC, "ioc": engine.IOC, "fok": engine.FOK}[low]
		case strings.HasPrefix(low, "id="):
			if c.ID != "" {
				return fmt.Errorf("%s: two ids (%q)", verb, a)
			}
			if c.ID, err = parseID(verb, a[3:]); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unexpected %q: a price is written @150.00 (or market), then day, gtc, ioc or fok, then id=CLORDID", verb, a)
		}
	}
	return nil
}

// parseRef parses CLORDID [buy|sell SYMBOL] of cancel and status.
func (c *Command) parseRef(verb string, args []string) error {
	if len(args) != 1 && len(args) != 3 {
		return fmt.Errorf("%s: want %s CLORDID [buy|sell SYMBOL]", verb, verb)
	}
	var err error
	if c.ID, err = parseID(verb, args[0]); err != nil {
		return err
	}
	if len(args) == 3 {
		if c.Side = parseSide(args[1]); c.Side == 0 {
			return fmt.Errorf("%s: side %q must be buy or sell", verb, args[1])
		}
		if c.Symbol, err = parseSymbol(verb, args[2]); err != nil {
			return err
		}
	}
	return nil
}

func (c *Command) parseReplace(args []string) error {
	c.Op = OpReplace
	if len(args) != 3 || !strings.HasPrefix(args[2], "@") {
		return errors.New("replace: want replace CLORDID QTY @PRICE")
	}
	var err error
	if c.ID, err = parseID("replace", args[0]); err != nil {
		return err
	}
	if c.Qty, err = parseQty("replace", args[1]); err != nil {
		return err
	}
	c.Price, err = parsePrice("replace", args[2][1:])
	return err
}

func (c *Command) parseMassCancel(args []string) error {
	c.Op = OpMassCancel
	if len(args) > 2 {
		return errors.New("mass-cancel: want mass-cancel [SYMBOL] [buy|sell]")
	}
	for i, a := range args {
		if s := parseSide(a); s != 0 {
			if c.Side != 0 {
				return fmt.Errorf("mass-cancel: two sides (%q)", a)
			}
			c.Side = s
			continue
		}
		if c.Symbol != "" || i == 1 && c.Side != 0 {
			return fmt.Errorf("mass-cancel: unexpected %q: want mass-cancel [SYMBOL] [buy|sell]", a)
		}
		var err error
		if c.Symbol, err = parseSymbol("mass-cancel", a); err != nil {
			return err
		}
	}
	return nil
}

func (c *Command) parseBook(args []string) error {
	c.Op = OpBook
	if len(args) < 1 || len(args) > 2 {
		return errors.New("book: want book SYMBOL [DEPTH]")
	}
	var err error
	if c.Symbol, err = parseSymbol("book", args[0]); err != nil {
		return err
	}
	if len(args) == 2 {
		d, err := strconv.Atoi(args[1])
		if err != nil || d < 0 || d > 1000 {
			return fmt.Errorf("book: depth %q must be a whole number from 0 (full depth) to 1000", args[1])
		}
		c.Depth = d
	}
	return nil
}

func (c *Command) parseExpect(args []string) error {
	c.Op = OpExpect
	if len(args) < 1 || len(args) > 3 {
		return errors.New("expect: want expect EVENT [CLORDID|SYMBOL] [TIMEOUT] (try help)")
	}
	c.Event = strings.ToLower(args[0])
	arg, ok := eventArg(c.Event)
	if !ok {
		names := make([]string, len(Events))
		for i, e := range Events {
			names[i] = e.Name
		}
		return fmt.Errorf("expect: unknown event %q: one of %s", args[0], strings.Join(names, ", "))
	}
	rest := args[1:]
	if n := len(rest); n > 0 && looksLikeDuration(rest[n-1]) {
		d, err := parseDuration("expect", rest[n-1])
		if err != nil {
			return err
		}
		if d == 0 {
			return errors.New("expect: timeout must be positive")
		}
		c.Wait, rest = d, rest[:n-1]
	}
	switch {
	case len(rest) == 0:
	case len(rest) > 1 || arg == 0:
		return fmt.Errorf("expect %s: unexpected %q", c.Event, rest[len(rest)-1])
	case arg == 'o':
		var err error
		if c.ID, err = parseID("expect", rest[0]); err != nil {
			return err
		}
	default:
		var err error
		if c.Symbol, err = parseSymbol("expect", rest[0]); err != nil {
			return err
		}
	}
	return nil
}

// looksLikeDuration reports whether s reads as a Go duration (500ms, 2s, 1m).
func looksLikeDuration(s string) bool {
	_, err := time.ParseDuration(s)
	return err == nil
}

func parseDuration(verb, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s: %q is not a duration like 500ms, 2s or 1m", verb, s)
	}
	return d, nil
}

func parseSide(s string) engine.Side {
	switch strings.ToLower(s) {
	case "buy":
		return engine.Buy
	case "sell":
		return engine.Sell
	}
	return 0
}

func parseQty(verb, s string) (int64, error) {
	q, err := strconv.ParseInt(s, 10, 64)
	if err != nil || q <= 0 || s[0] == '+' {
		return 0, fmt.Errorf("%s: quantity %q must be a positive whole number", verb, s)
	}
	return q, nil
}

// parsePrice accepts a positive decimal (digits with at most one point).
func parsePrice(verb, s string) (string, error) {
	digits, point, nonzero := 0, false, false
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= '0' && b <= '9':
			digits++
			nonzero = nonzero || b != '0'
		case b == '.' && !point:
			point = true
		default:
			digits = -1
			i = len(s)
		}
	}
	if digits <= 0 || !nonzero {
		return "", fmt.Errorf("%s: price %q must be a positive decimal like 150.00", verb, s)
	}
	return s, nil
}

func parseSymbol(verb, s string) (string, error) {
	if !printable(s) || strings.HasPrefix(s, "@") || len(s) > 32 {
		return "", fmt.Errorf("%s: bad symbol %q", verb, s)
	}
	return s, nil
}

func parseID(verb, s string) (string, error) {
	if s == "" || len(s) > engine.MaxIDLen || !printable(s) {
		return "", fmt.Errorf("%s: ClOrdID %q must be 1 to %d printable characters", verb, s, engine.MaxIDLen)
	}
	return s, nil
}

// printable accepts ASCII from '!' to '~' without '=' (the FIX field
// separator would make the message unreadable).
func printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == '=' {
			return false
		}
	}
	return true
}
