package fixbench

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/openmatch/matchd/bench"
)

// Options configure a load.
type Options struct {
	// Host and Port of matchd's FIX acceptor.
	Host string
	Port int
	// Sessions is the number of FIX sessions (one sender goroutine each).
	Sessions int
	// SenderPrefix makes the SenderCompIDs: prefix + 1, prefix + 2, ...
	SenderPrefix string
	// Target is the TargetCompID (the engine's CompID).
	Target string
	// Username and Password, if set, go into the Logon (553, 554).
	Username, Password string
	// Rate is the total rate in orders per second over all sessions.
	Rate float64
	// Count is the number of orders; if 0, Rate x Duration.
	Count int
	// Duration of the schedule when Count is 0.
	Duration time.Duration
	// Cross is the fraction of orders that cross (takers), 0..0.5; as many
	// again are makers.
	Cross float64
	// PassiveDay makes passive orders DAY (they rest) instead of IOC.
	PassiveDay bool
	// Symbols to trade, round robin at random.
	Symbols []string
	// Price is the crossing price, with at most two decimals, above 1.00.
	Price string
	// Qty is every order's OrderQty.
	Qty int
	// Metrics is the host:port of matchd's metrics endpoint; "" skips the
	// server stage breakdown.
	Metrics string
	// MetricsToken is matchd's HTTPToken, sent as a bearer token to Metrics
	// ("" sends none; cmd/bench takes it from $MATCHD_HTTP_TOKEN).
	MetricsToken string
	// Grace is how long to wait after the last send for acks and fills.
	Grace time.Duration
	// Late is the ack latency above which an acknowledged order counts as late.
	Late time.Duration
	// LogonTimeout bounds the wait for every session to log on.
	LogonTimeout time.Duration
	// Seed makes the order plan reproducible.
	Seed int64
	// Spin is each sender's spin window (bench.LoadConfig.SpinWindow).
	Spin time.Duration
	// InFlight, if > 0, closes the loop: each session keeps at most InFlight
	// orders unacknowledged and sends the next when an ack arrives (see
	// bench.LoadConfig.InFlight); Rate is then a cap, and Duration (when Count
	// is 0) ends the sending.
	InFlight int
	// MDSubscribers is the number of extra FIX sessions (SenderCompIDs
	// SenderPrefix + "MD1", "MD2", ...) that log on before the load and
	// subscribe to the market data of Symbols (full depth, bids, offers and
	// trades, incremental updates), and read and count everything they
	// receive: what market data costs the order path. 0: none.
	MDSubscribers int
	// StuckSessions is the number of extra FIX sessions (SenderCompIDs
	// SenderPrefix + "STUCK1", ...) that log on before the load, then send
	// StuckRate orders per second each (IOC bids at 1.00 that never trade: two
	// reports each, for that session only) and never read their socket: what
	// a slow consumer costs everybody else. 0: none.
	StuckSessions int
	// StuckRate is each stuck session's order rate.
	StuckRate float64
}

// DefaultSpin is the default sender spin window: see bench.LoadConfig.
const DefaultSpin = 0

// DefaultOptions: two sessions BENCH1 and BENCH2 to ENGINE on
// 127.0.0.1:5001, 10k orders/s for 5 s, 10% crossing, the default symbols.
func DefaultOptions() Options {
	return Options{
		Host: "127.0.0.1", Port: 5001, Sessions: 2, SenderPrefix: "BENCH", Target: "ENGINE",
		Rate: 10_000, Duration: 5 * time.Second, Cross: 0.1,
		Symbols: []string{"AAPL", "MSFT", "GOOG", "AMZN", "TSLA", "TEST"}, Price: "100.00", Qty: 100,
		Metrics: "127.0.0.1:9090", Grace: 5 * time.Second, Late: time.Second, LogonTimeout: 10 * time.Second, Seed: 1,
		Spin: DefaultSpin, StuckRate: 2000,
	}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	n := o.Count
	if n == 0 {
		n = int(o.Rate * o.Duration.Seconds())
	}
	switch {
	case o.Host == "" || o.Port < 1 || o.Port > 65535:
		return fmt.Errorf("fixbench: bad FIX address %q port %d", o.Host, o.Port)
	case o.Sessions < 1 || o.Sessions > 1000:
		return fmt.Errorf("fixbench: sessions must be between 1 and 1000, not %d", o.Sessions)
	case !validCompID(o.SenderPrefix) || !validCompID(o.Target):
		return fmt.Errorf("fixbench: CompIDs must be printable ASCII without spaces or '=': %q, %q", o.SenderPrefix, o.Target)
	case !(o.Rate > 0) || o.Rate > 1e8:
		return fmt.Errorf("fixbench: rate must be positive, not %v", o.Rate)
	case o.Count < 0 || o.Duration < 0:
		return errors.New("fixbench: count and duration must not be negative")
	case n < o.Sessions || n > bench.MaxOps:
		return fmt.Errorf("fixbench: the run must have between one order per session and %d orders, not %d", bench.MaxOps, n)
	case o.Cross < 0 || o.Cross > 0.5 || o.Cross != o.Cross:
		return fmt.Errorf("fixbench: cross must be a fraction between 0 and 0.5, not %v", o.Cross)
	case len(o.Symbols) == 0 || len(o.Symbols) > 256:
		return fmt.Errorf("fixbench: between 1 and 256 symbols, not %d", len(o.Symbols))
	case o.Qty < 1:
		return fmt.Errorf("fixbench: quantity must be positive, not %d", o.Qty)
	case o.Grace <= 0 || o.Late <= 0 || o.LogonTimeout <= 0:
		return errors.New("fixbench: grace, late and logon timeout must be positive")
	case o.Spin < 0 || o.Spin > time.Second:
		return fmt.Errorf("fixbench: spin must be between 0 and 1s, not %v", o.Spin)
	case o.InFlight < 0 || o.InFlight > 100_000:
		return fmt.Errorf("fixbench: in-flight must be between 0 (open loop) and 100000, not %d", o.InFlight)
	case o.MDSubscribers < 0 || o.MDSubscribers > 1000:
		return fmt.Errorf("fixbench: market-data subscribers must be between 0 and 1000, not %d", o.MDSubscribers)
	case o.MDSubscribers > 0 && len(o.SenderPrefix)+2+len(strconv.Itoa(o.MDSubscribers)) > 32:
		return fmt.Errorf("fixbench: sender prefix %q too long for the market-data subscribers' CompIDs", o.SenderPrefix)
	case o.StuckSessions < 0 || o.StuckSessions > 100:
		return fmt.Errorf("fixbench: stuck sessions must be between 0 and 100, not %d", o.StuckSessions)
	case o.StuckSessions > 0 && !(o.StuckRate > 0 && o.StuckRate <= 1e6):
		return fmt.Errorf("fixbench: stuck rate must be positive (at most 1e6), not %v", o.StuckRate)
	case o.StuckSessions > 0 && len(o.SenderPrefix)+5+len(strconv.Itoa(o.StuckSessions)) > 32:
		return fmt.Errorf("fixbench: sender prefix %q too long for the stuck sessions' CompIDs", o.SenderPrefix)
	}
	for _, s := range o.Symbols {
		if !validCompID(s) {
			return fmt.Errorf("fixbench: bad symbol %q", s)
		}
	}
	if c, ok := parseCents(o.Price); !ok || c <= maxTicks {
		return fmt.Errorf("fixbench: price %q must be a number above %d.00 with at most two decimals", o.Price, maxTicks/100)
	}
	return nil
}

// validCompID accepts short printable ASCII without spaces, '=' or SOH.
func validCompID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' || s[i] == '=' {
			return false
		}
	}
	return true
}
