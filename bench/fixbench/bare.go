package fixbench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// BareOptions configure ServeBare.
type BareOptions struct {
	// Host and Port to listen on.
	Host string
	Port int
	// CompID is the acceptor's SenderCompID (bench fix's -target).
	CompID string
	// Ready, if not nil, is called once the acceptor listens.
	Ready func()
}

// ServeBare runs the floor of any QuickFIX/Go server until ctx is done: a
// bare acceptor (the same QuickFIX/Go build as matchd, any client CompID,
// FIX 4.4, memory store, no log) whose application answers each
// NewOrderSingle from FromApp with one ExecutionReport (ExecType 0, New),
// built into one cached message per session. No sequencing, journal,
// matching or hand-off: `bench fix -cross 0 -passive-day` against it (one
// report per order, as matchd then sends) shows what QuickFIX/Go and the
// machine cost a round trip, and so how much of matchd's is matchd's own.
func ServeBare(ctx context.Context, o BareOptions) error {
	if o.Port < 1 || o.Port > 65535 || !validCompID(o.CompID) {
		return fmt.Errorf("fixbench: bare server: bad port %d or CompID %q", o.Port, o.CompID)
	}
	// Dynamic sessions need one listed session to hang the acceptor on; no
	// client uses this TargetCompID.
	settings, err := quickfix.ParseSettings(strings.NewReader("[DEFAULT]\nSenderCompID=" + o.CompID +
		"\nSocketAcceptHost=" + o.Host + "\nSocketAcceptPort=" + strconv.Itoa(o.Port) +
		"\nDynamicSessions=Y\nResetOnLogon=Y\nHeartBtInt=30\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=BARE-LISTENER\n"))
	if err != nil {
		return fmt.Errorf("fixbench: bare server settings: %w", err)
	}
	acc, err := quickfix.NewAcceptor(&bareApp{msgs: map[quickfix.SessionID]*quickfix.Message{}},
		quickfix.NewMemoryStoreFactory(), settings, quickfix.NewNullLogFactory())
	if err != nil {
		return fmt.Errorf("fixbench: bare server: %w", err)
	}
	if err := acc.Start(); err != nil {
		return fmt.Errorf("fixbench: bare server: %w", err)
	}
	if o.Ready != nil {
		o.Ready()
	}
	<-ctx.Done()
	acc.Stop()
	return nil
}

// bareApp answers orders; FromApp runs on each session's goroutine.
type bareApp struct {
	mu     sync.Mutex
	msgs   map[quickfix.SessionID]*quickfix.Message // one reply message per session
	execID int64                                    // guarded by mu
}

func (*bareApp) OnCreate(quickfix.SessionID)                       {}
func (*bareApp) OnLogon(quickfix.SessionID)                        {}
func (*bareApp) OnLogout(quickfix.SessionID)                       {}
func (*bareApp) ToAdmin(*quickfix.Message, quickfix.SessionID)     {}
func (*bareApp) ToApp(*quickfix.Message, quickfix.SessionID) error { return nil }
func (*bareApp) FromAdmin(*quickfix.Message, quickfix.SessionID) quickfix.MessageRejectError {
	return nil
}

// FromApp answers a NewOrderSingle with ExecType 0 echoing its ClOrdID (also
// used as OrderID), Symbol, Side and OrderQty; anything else gets nothing.
func (a *bareApp) FromApp(m *quickfix.Message, sid quickfix.SessionID) quickfix.MessageRejectError {
	if !m.IsMsgTypeOf(fixtag.MsgTypeNewOrderSingle) {
		return nil
	}
	id, _ := m.Body.GetBytes(fixtag.ClOrdID)
	sym, _ := m.Body.GetBytes(fixtag.Symbol)
	side, _ := m.Body.GetBytes(fixtag.Side)
	qty, _ := m.Body.GetBytes(fixtag.OrderQty)
	a.mu.Lock()
	r := a.msgs[sid]
	if r == nil {
		r = quickfix.NewMessage()
		r.Header.SetString(fixtag.MsgType, fixtag.MsgTypeExecutionReport)
		r.Body.SetString(fixtag.ExecType, "0")
		r.Body.SetString(fixtag.OrdStatus, "0")
		r.Body.SetString(fixtag.CumQty, "0")
		r.Body.SetString(fixtag.AvgPx, "0")
		a.msgs[sid] = r
	}
	a.execID++
	r.Body.SetInt(fixtag.ExecID, int(a.execID))
	a.mu.Unlock()
	// Only this session's goroutine uses r from here; SendToTarget has
	// serialized it before it returns.
	r.Body.SetBytes(fixtag.ClOrdID, id)
	r.Body.SetBytes(fixtag.OrderID, id)
	r.Body.SetBytes(fixtag.Symbol, sym)
	r.Body.SetBytes(fixtag.Side, side)
	r.Body.SetBytes(fixtag.OrderQty, qty)
	r.Body.SetBytes(fixtag.LeavesQty, qty)
	if err := quickfix.SendToTarget(r, sid); err != nil {
		return quickfix.NewBusinessMessageRejectError("bare server: "+err.Error(), 0, nil)
	}
	return nil
}
