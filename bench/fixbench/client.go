package fixbench

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/internal/fixtag"
)

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
	mdSubs   []*mdSub
	mdBySID  map[quickfix.SessionID]*mdSub // read-only once the initiator starts
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
	c := &client{o: o, bySID: map[quickfix.SessionID]*session{}, mdBySID: map[quickfix.SessionID]*mdSub{}, text: map[string]string{},
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
	for k := range o.MDSubscribers {
		s := &mdSub{sid: quickfix.SessionID{BeginString: quickfix.BeginStringFIX44, SenderCompID: mdSenderID(o.SenderPrefix, k), TargetCompID: o.Target},
			logons: make(chan struct{}, 1)}
		c.mdSubs = append(c.mdSubs, s)
		c.mdBySID[s.sid] = s
		b.WriteString("[SESSION]\nBeginString=" + s.sid.BeginString + "\nSenderCompID=" + s.sid.SenderCompID + "\nTargetCompID=" + s.sid.TargetCompID + "\n")
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

// logon starts the initiator and waits until every session is logged on
// and every market-data subscriber has its snapshots.
func (c *client) logon(ctx context.Context, timeout time.Duration) error {
	if err := c.init.Start(); err != nil {
		return fmt.Errorf("fixbench: starting the initiator: %w", err)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	wait := func(sid quickfix.SessionID, on *atomic.Bool, logons chan struct{}) error {
		for !on.Load() {
			select {
			case <-logons:
			case <-ctx.Done():
				return ctx.Err()
			case <-deadline.C:
				why := "no answer"
				if t := c.texts()["logout"]; t != "" {
					why = "logged out: " + t
				}
				return fmt.Errorf("fixbench: session %s not logged on to %s:%d after %v (%s)",
					sid.SenderCompID, c.o.Host, c.o.Port, timeout, why)
			}
		}
		return nil
	}
	for _, s := range c.sessions {
		if err := wait(s.sid, &s.loggedOn, s.logons); err != nil {
			return err
		}
	}
	for _, s := range c.mdSubs {
		if err := wait(s.sid, &s.loggedOn, s.logons); err != nil {
			return err
		}
	}
	if len(c.mdSubs) == 0 {
		return nil
	}
	return c.subscribeAll(ctx, deadline.C)
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
