// Package fixbench is an end-to-end load generator for a running matchd:
// QuickFIX/Go initiators (FIX 4.4) send NewOrderSingles open loop at a fixed
// rate and the latency of each order is measured from its *intended* send
// time to the first ExecutionReport for it (the ack), and, for orders that
// cross, to their fill.
//
// # Load
//
// Sessions senders (one goroutine per FIX session, bench.RunLoads) share one
// schedule: order i of the whole run is due at start + i/Rate and is sent by
// session i mod Sessions. A sender that falls behind sends late, but every
// order is still measured from its intended time (coordinated omission
// corrected; see package bench).
//
// Every order is a LIMIT order of Qty on one of Symbols (2 price decimals),
// around a crossing price P:
//
//   - takers (a fraction Cross of the orders): IOC buys at P. Each follows,
//     in the same session, a maker: a DAY sell at P. A session's orders are
//     sequenced in order, so a maker always rests when its taker arrives
//     and each taker fills at once; the book holds at most one maker per
//     session. Makers are as many as takers.
//   - passive (the rest): buys 1..100 ticks below P and sells above, which
//     never cross; IOC by default (acknowledged, then canceled: the book
//     does not grow), or DAY with PassiveDay (they rest and stay).
//
// ClOrdIDs are "<run tag>.<n>", n the order's index within its session and
// the run tag unique per run (the server remembers ClOrdIDs), so an
// ExecutionReport is matched to its order by parsing n: a preallocated
// index, no map. TransactTime and HandlInst are not sent (matchd does not
// require them).
//
// # Closed loop
//
// With InFlight N > 0 each session instead sends its next order as soon as
// it has fewer than N unacknowledged (Rate only caps the pace): the "orders
// in flight" measure most published FIX benchmarks use. Latency is still
// measured from when an order became due (its predecessor's ack), so the
// client's own delay counts. It shows the round trip of an idle system (N=1)
// and, with enough in flight, the saturation throughput; it cannot show how
// queues grow under a given offered rate, which is what open loop is for.
//
// # What is checked
//
// The ack is the first ExecutionReport: ExecType 0 (New), or 8 (Rejected,
// counted as rejected). An order with no ExecutionReport within Grace after
// the last send is lost (a BusinessMessageReject, e.g. a rate limit, leaves
// its order lost and is counted as refused). An ack slower than Late counts
// as late. Takers without a fill are counted as missing fills.
//
// # Server stages
//
// With a metrics address, the run first clears and afterwards fetches the
// server's per-stage histograms from GET /debug/stages (reset with
// ?reset=1), so a slow tail can be traced to a stage. An unreachable
// endpoint is reported and the run goes on.
package fixbench

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/internal/fixtag"
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
		Spin: DefaultSpin,
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

// Result is what a load measured.
type Result struct {
	// Runs are "fix-ack" (intended send -> first ExecutionReport),
	// "fix-fill" (intended send -> the taker's fill), "client/send_lag"
	// (how late the senders sent: the load generator's own share of both)
	// and, when the server's histograms could be read, "server/<stage>".
	Runs []*bench.Run
	// Ack and Fill are the client-side runs (also in Runs).
	Ack, Fill *bench.Run
	// Stages is the server's answer, nil if not fetched.
	Stages *Stages
	// StagesErr says why there is no server breakdown ("" if there is).
	StagesErr string
	// Lost names up to MaxLostListed lost orders as "SENDER ClOrdID".
	Lost []string
	// Texts holds the first Text(58) seen per kind of refusal ("rejected",
	// "refused", "session_reject", "logout").
	Texts map[string]string
	// Interrupted is set when the context was canceled during the load: the
	// runs cover the orders sent until then, without the grace period.
	Interrupted bool
	// ClientCPU and ServerCPU are the processor time this process and
	// matchd (process_cpu_seconds_total) spent from the first send to the
	// end of the grace period; 0 when not measured (ServerCPUErr says why
	// for the server).
	ClientCPU, ServerCPU time.Duration
	ServerCPUErr         string
}

// MaxLostListed bounds Result.Lost.
const MaxLostListed = 10

// Counter names in the runs' Counters.
const (
	CounterAcked         = "acked"          // ExecType 0
	CounterRejected      = "rejected"       // ExecType 8 as the first report
	CounterRefused       = "refused"        // BusinessMessageReject received
	CounterSessionReject = "session_reject" // session-level Reject received
	CounterLate          = "late"           // acks slower than Options.Late
	CounterLost          = "lost"           // orders with no ExecutionReport
	CounterForeign       = "foreign"        // reports for ClOrdIDs not of this run
	CounterLogouts       = "logouts"        // sessions logged out during the run
	CounterTakers        = "takers"         // orders expected to fill
	CounterFills         = "fills"          // takers whose fill arrived
	CounterMissingFills  = "missing_fills"  // takers without a fill
)

// Run logs the sessions on, sends the load, waits for the answers, logs out
// and fetches the server's stage breakdown. Progress, if enabled, shows the
// load as it runs.
func Run(ctx context.Context, o Options, progress *bench.Progress) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	count := o.Count
	if count == 0 {
		count = int(o.Rate * o.Duration.Seconds())
	}
	res := &Result{Texts: map[string]string{}}
	if o.Metrics != "" {
		if _, err := FetchStages(ctx, o.Metrics, true); err != nil {
			res.StagesErr = err.Error()
		}
	} else {
		res.StagesErr = "no metrics address given"
	}

	c, err := newClient(o, count)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	if err := c.logon(ctx, o.LogonTimeout); err != nil {
		return nil, err
	}

	srvCPU0, srvErr := time.Duration(0), errors.New("no metrics address given")
	if o.Metrics != "" {
		srvCPU0, srvErr = serverCPU(ctx, o.Metrics)
	}
	cliCPU0, cliOK := clientCPU()
	c.running.Store(true)
	results, err := bench.RunLoads(ctx, c.loads, c.send, progress)
	if err != nil {
		if ctx.Err() == nil || slices.Contains(results, nil) {
			return nil, fmt.Errorf("fixbench: %w", err)
		}
		// Interrupted: report the orders sent so far (those in flight count
		// as lost) and still fetch the server's figures.
		res.Interrupted = true
		ctx = context.WithoutCancel(ctx)
	} else {
		c.awaitFills(ctx, o.Grace)
	}
	c.running.Store(false)
	if cli, ok := clientCPU(); ok && cliOK {
		res.ClientCPU = cli - cliCPU0
	}
	if srvErr == nil {
		var srv time.Duration
		if srv, srvErr = serverCPU(ctx, o.Metrics); srvErr == nil {
			res.ServerCPU = srv - srvCPU0
		}
	}
	if srvErr != nil {
		res.ServerCPUErr = srvErr.Error()
	}
	c.stop()

	var lag *bench.Run
	res.Ack, res.Fill, lag, res.Lost = c.runs(o, results)
	res.Runs = []*bench.Run{res.Ack, res.Fill, lag}
	for k, v := range c.texts() {
		res.Texts[k] = v
	}
	if o.Metrics != "" && res.StagesErr == "" {
		st, err := FetchStages(ctx, o.Metrics, false)
		if err != nil {
			res.StagesErr = err.Error()
		} else {
			res.Stages = st
			for _, s := range st.Stages {
				h, err := s.Histogram()
				if err != nil {
					res.StagesErr = fmt.Sprintf("stage %s: %v (figures shown without histogram)", s.Name, err)
					continue
				}
				res.Runs = append(res.Runs, bench.NewRun("server/"+s.Name,
					map[string]string{"source": "GET http://" + o.Metrics + "/debug/stages"}, h, res.Ack.Start, res.Ack.Duration))
			}
		}
	}
	return res, nil
}

// session is one FIX session's sender state and answers.
type session struct {
	sid    quickfix.SessionID
	load   *bench.Load
	clock  *bench.Load // loads[0]: every load reads the same clock after RunLoads
	plan   []op
	fillAt []atomic.Int64 // load-clock time of a taker's first fill
	msg    *quickfix.Message
	tag    []byte // this run's ClOrdID prefix
	id     []byte // ClOrdID buffer: tag then the index (the sender's)
	tagLen int

	loggedOn atomic.Bool
	logons   chan struct{}

	acked, rejected, refused, sessionRejects, foreign, logouts, fills atomic.Int64
	ackedTakers                                                       atomic.Int64
}

// client is the QuickFIX application of all sessions.
type client struct {
	o        Options
	sessions []*session
	bySID    map[quickfix.SessionID]*session // read-only once the initiator starts
	loads    []*bench.Load
	prices   *prices
	symbols  [][]byte
	qty      []byte
	passTIF  []byte
	init     *quickfix.Initiator
	stopOnce sync.Once
	running  atomic.Bool

	textMu sync.Mutex
	text   map[string]string // first text per refusal kind
}

// FIX values the client writes.
var (
	valNewOrder = []byte(fixtag.MsgTypeNewOrderSingle)
	valLimit    = []byte("2")
	valBuy      = []byte("1")
	valSell     = []byte("2")
	valDay      = []byte("0")
	valIOC      = []byte("3")
)

// runTag is a short tag unique to this run (base 36 milliseconds), so that
// ClOrdIDs never repeat across runs against the same server.
func runTag() string { return strconv.FormatInt(time.Now().UnixMilli(), 36) }

func newClient(o Options, count int) (*client, error) {
	c := &client{o: o, bySID: map[quickfix.SessionID]*session{}, text: map[string]string{},
		qty: strconv.AppendInt(nil, int64(o.Qty), 10), passTIF: valIOC}
	if o.PassiveDay {
		c.passTIF = valDay
	}
	cents, _ := parseCents(o.Price)
	c.prices = newPrices(cents)
	for _, s := range o.Symbols {
		c.symbols = append(c.symbols, []byte(s))
	}
	r := rand.New(rand.NewSource(o.Seed))
	tag := runTag() + "."
	var b strings.Builder
	b.WriteString("[DEFAULT]\nSocketConnectHost=" + o.Host + "\nSocketConnectPort=" + strconv.Itoa(o.Port) +
		"\nHeartBtInt=30\nReconnectInterval=1\nResetOnLogon=Y\nLogonTimeout=10\nLogoutTimeout=2\nPersistMessages=N\n")
	for k := range o.Sessions {
		n := (count - k + o.Sessions - 1) / o.Sessions
		lc := bench.LoadConfig{Rate: o.Rate / float64(o.Sessions), Count: n, Grace: o.Grace, SpinWindow: o.Spin,
			Offset: time.Duration(float64(k) * float64(time.Second) / o.Rate), InFlight: o.InFlight}
		if o.InFlight > 0 && o.Count == 0 {
			lc.Duration = o.Duration // the closed loop sends until then (n is its most)
		}
		l, err := bench.NewLoad(lc)
		if err != nil {
			return nil, fmt.Errorf("fixbench: %w", err)
		}
		c.loads = append(c.loads, l)
		s := &session{
			sid:    quickfix.SessionID{BeginString: quickfix.BeginStringFIX44, SenderCompID: o.SenderPrefix + strconv.Itoa(k+1), TargetCompID: o.Target},
			load:   l,
			plan:   planSession(r, n, o.Cross, len(o.Symbols)),
			fillAt: make([]atomic.Int64, n),
			msg:    quickfix.NewMessage(),
			tag:    []byte(tag),
			id:     append(make([]byte, 0, len(tag)+20), tag...),
			tagLen: len(tag),
			logons: make(chan struct{}, 1),
		}
		s.msg.Header.SetBytes(fixtag.MsgType, valNewOrder)
		s.msg.Body.SetBytes(fixtag.OrdType, valLimit)
		s.msg.Body.SetBytes(fixtag.OrderQty, c.qty)
		c.sessions = append(c.sessions, s)
		c.bySID[s.sid] = s
		b.WriteString("[SESSION]\nBeginString=" + s.sid.BeginString + "\nSenderCompID=" + s.sid.SenderCompID + "\nTargetCompID=" + s.sid.TargetCompID + "\n")
	}
	for _, s := range c.sessions {
		s.clock = c.loads[0]
	}
	settings, err := quickfix.ParseSettings(strings.NewReader(b.String()))
	if err != nil {
		return nil, fmt.Errorf("fixbench: initiator settings: %w", err)
	}
	c.init, err = quickfix.NewInitiator(c, quickfix.NewMemoryStoreFactory(), settings, quickfix.NewNullLogFactory())
	if err != nil {
		return nil, fmt.Errorf("fixbench: initiator: %w", err)
	}
	return c, nil
}

// logon starts the initiator and waits until every session is logged on.
func (c *client) logon(ctx context.Context, timeout time.Duration) error {
	if err := c.init.Start(); err != nil {
		return fmt.Errorf("fixbench: starting the initiator: %w", err)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for _, s := range c.sessions {
		for !s.loggedOn.Load() {
			select {
			case <-s.logons:
			case <-ctx.Done():
				return ctx.Err()
			case <-deadline.C:
				why := "no answer"
				if t := c.texts()["logout"]; t != "" {
					why = "logged out: " + t
				}
				return fmt.Errorf("fixbench: session %s not logged on to %s:%d after %v (%s)",
					s.sid.SenderCompID, c.o.Host, c.o.Port, timeout, why)
			}
		}
	}
	return nil
}

// stop logs out and stops the initiator (once).
func (c *client) stop() { c.stopOnce.Do(c.init.Stop) }

// send sends order i of session k.
func (c *client) send(k, i int) error {
	s := c.sessions[k]
	p := &s.plan[i]
	s.id = strconv.AppendInt(s.id[:s.tagLen], int64(i), 10)
	m := s.msg
	m.Body.SetBytes(fixtag.ClOrdID, s.id)
	m.Body.SetBytes(fixtag.Symbol, c.symbols[p.sym])
	switch p.kind {
	case maker:
		m.Body.SetBytes(fixtag.Side, valSell)
		m.Body.SetBytes(fixtag.Price, c.prices.cross)
		m.Body.SetBytes(fixtag.TimeInForce, valDay)
	case taker:
		m.Body.SetBytes(fixtag.Side, valBuy)
		m.Body.SetBytes(fixtag.Price, c.prices.cross)
		m.Body.SetBytes(fixtag.TimeInForce, valIOC)
	default:
		if p.buy {
			m.Body.SetBytes(fixtag.Side, valBuy)
			m.Body.SetBytes(fixtag.Price, c.prices.buy[p.tick])
		} else {
			m.Body.SetBytes(fixtag.Side, valSell)
			m.Body.SetBytes(fixtag.Price, c.prices.sell[p.tick])
		}
		m.Body.SetBytes(fixtag.TimeInForce, c.passTIF)
	}
	// SendToTarget serializes the message before it returns, so the
	// message and the ClOrdID buffer are reused for the next order.
	return quickfix.SendToTarget(m, s.sid)
}

// opOf returns the order index a ClOrdID names, if it is one of this run's.
func (s *session) opOf(id []byte) (int, bool) {
	if len(id) <= len(s.tag) || len(id) > len(s.tag)+12 || string(id[:len(s.tag)]) != string(s.tag) {
		return 0, false
	}
	n := 0
	for _, c := range id[len(s.tag):] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < len(s.plan)
}

// OnCreate implements quickfix.Application.
func (c *client) OnCreate(quickfix.SessionID) {}

// OnLogon implements quickfix.Application.
func (c *client) OnLogon(sid quickfix.SessionID) {
	if s := c.bySID[sid]; s != nil {
		s.loggedOn.Store(true)
		select {
		case s.logons <- struct{}{}:
		default:
		}
	}
}

// OnLogout implements quickfix.Application.
func (c *client) OnLogout(sid quickfix.SessionID) {
	if s := c.bySID[sid]; s != nil {
		s.loggedOn.Store(false)
		if c.running.Load() {
			s.logouts.Add(1)
		}
	}
}

// ToAdmin adds the credentials to the Logon.
func (c *client) ToAdmin(m *quickfix.Message, _ quickfix.SessionID) {
	if c.o.Username == "" && c.o.Password == "" || !m.IsMsgTypeOf(fixtag.MsgTypeLogon) {
		return
	}
	if c.o.Username != "" {
		m.Body.SetString(fixtag.Username, c.o.Username)
	}
	if c.o.Password != "" {
		m.Body.SetString(fixtag.Password, c.o.Password)
	}
}

// ToApp implements quickfix.Application.
func (c *client) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }

// FromAdmin records why a session was refused or rejected a message.
func (c *client) FromAdmin(m *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	mt, err := m.Header.GetBytes(fixtag.MsgType)
	if err != nil || len(mt) != 1 {
		return nil
	}
	switch mt[0] {
	case '5':
		c.noteText("logout", m)
	case '3':
		if s := c.bySID[sid]; s != nil {
			s.sessionRejects.Add(1)
		}
		c.noteText("session_reject", m)
	}
	return nil
}

// FromApp matches ExecutionReports to orders by ClOrdID and timestamps the
// ack and the fill. It runs on the session's QuickFIX goroutine.
func (c *client) FromApp(m *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	s := c.bySID[sid]
	if s == nil {
		return nil
	}
	mt, err := m.Header.GetBytes(fixtag.MsgType)
	if err != nil || len(mt) != 1 {
		return nil
	}
	switch mt[0] {
	case '8':
	case 'j':
		s.refused.Add(1)
		c.noteText("refused", m)
		return nil
	default:
		s.foreign.Add(1)
		return nil
	}
	id, err := m.Body.GetBytes(fixtag.ClOrdID)
	if err != nil {
		s.foreign.Add(1)
		return nil
	}
	i, ok := s.opOf(id)
	if !ok {
		s.foreign.Add(1)
		return nil
	}
	et, err := m.Body.GetBytes(fixtag.ExecType)
	if err != nil || len(et) != 1 {
		s.foreign.Add(1)
		return nil
	}
	now := s.clock.Now()
	switch et[0] {
	case '0':
		s.acked.Add(1)
		if s.plan[i].kind == taker {
			s.ackedTakers.Add(1)
		}
		s.load.DoneAt(i, now)
	case '8':
		s.rejected.Add(1)
		c.noteText("rejected", m)
		s.load.DoneAt(i, now)
	case 'F', '1', '2':
		if s.plan[i].kind == taker && s.fillAt[i].CompareAndSwap(0, now) {
			s.fills.Add(1)
		}
	}
	return nil
}

// noteText keeps the first Text(58) of a kind of refusal.
func (c *client) noteText(kind string, m *quickfix.Message) {
	t, err := m.Body.GetString(fixtag.Text)
	if err != nil {
		return
	}
	c.textMu.Lock()
	if _, ok := c.text[kind]; !ok {
		c.text[kind] = t
	}
	c.textMu.Unlock()
}

// texts copies the first texts.
func (c *client) texts() map[string]string {
	c.textMu.Lock()
	defer c.textMu.Unlock()
	out := make(map[string]string, len(c.text))
	for k, v := range c.text {
		out[k] = v
	}
	return out
}

// awaitFills waits, at most grace, until every acknowledged taker has its fill.
func (c *client) awaitFills(ctx context.Context, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var want, got int64
		for _, s := range c.sessions {
			want += s.ackedTakers.Load()
			got += s.fills.Load()
		}
		if got >= want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runs builds the ack and fill runs from the loads' results and the
// sessions' counters, and lists the first lost orders.
func (c *client) runs(o Options, results []*bench.LoadResult) (ack, fill, lag *bench.Run, lost []string) {
	m := bench.MergeLoadResults(results)
	settings := map[string]string{
		"target":   fmt.Sprintf("%s@%s:%d", o.Target, o.Host, o.Port),
		"sessions": strconv.Itoa(o.Sessions),
		"senders":  fmt.Sprintf("%s1..%s%d", o.SenderPrefix, o.SenderPrefix, o.Sessions),
		"rate":     strconv.FormatFloat(o.Rate, 'g', -1, 64),
		"count":    strconv.FormatInt(m.Stats.Scheduled, 10),
		"cross":    strconv.FormatFloat(o.Cross, 'g', -1, 64),
		"passive":  map[bool]string{false: "IOC", true: "DAY"}[o.PassiveDay],
		"symbols":  strings.Join(o.Symbols, ","),
		"price":    o.Price,
		"qty":      strconv.Itoa(o.Qty),
		"seed":     strconv.FormatInt(o.Seed, 10),
	}
	if o.InFlight > 0 {
		settings["in_flight"] = strconv.Itoa(o.InFlight) + " per session (closed loop)"
	}
	ackCounters := map[string]int64{}
	fillHist := bench.NewHistogram()
	var takers int64
	for k, s := range c.sessions {
		ackCounters[CounterAcked] += s.acked.Load()
		ackCounters[CounterRejected] += s.rejected.Load()
		ackCounters[CounterRefused] += s.refused.Load()
		ackCounters[CounterSessionReject] += s.sessionRejects.Load()
		ackCounters[CounterForeign] += s.foreign.Load()
		ackCounters[CounterLogouts] += s.logouts.Load()
		sent := 0
		if r := results[k]; r != nil {
			sent = int(r.Stats.Sent)
		}
		for i := range sent {
			if _, ok := s.load.DoneTime(i); !ok && len(lost) < MaxLostListed {
				lost = append(lost, s.sid.SenderCompID+" "+string(s.tag)+strconv.Itoa(i))
			}
			if s.plan[i].kind != taker {
				continue
			}
			takers++
			if t := s.fillAt[i].Load(); t != 0 {
				bench.Record(fillHist, t-s.load.Due(i))
			}
		}
	}
	ackCounters[CounterLost] = m.Stats.Lost
	ackCounters[CounterLate] = countAbove(m.Latency, int64(o.Late))
	ack = m.Run("fix-ack", settings)
	ack.Counters = ackCounters

	fs := make(map[string]string, len(settings)+1)
	for k, v := range settings {
		fs[k] = v
	}
	fs["measures"] = "intended send -> first fill report of each taker"
	fill = bench.NewRun("fix-fill", fs, fillHist, m.Start, m.Elapsed)
	fill.Counters = map[string]int64{CounterTakers: takers, CounterFills: fillHist.TotalCount(), CounterMissingFills: takers - fillHist.TotalCount()}
	lag = bench.NewRun("client/send_lag", map[string]string{"measures": "actual - intended send time (part of fix-ack and fix-fill)", "spin": o.Spin.String()},
		m.SendLag, m.Start, m.Elapsed)
	return ack, fill, lag, lost
}

// countAbove counts recorded values above ns.
func countAbove(h *hdrhistogram.Histogram, ns int64) int64 {
	var n int64
	for _, b := range h.Distribution() {
		if b.From > ns {
			n += b.Count
		}
	}
	return n
}
