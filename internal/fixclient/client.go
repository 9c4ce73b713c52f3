package fixclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/store/file"

	"github.com/openmatch/matchd/internal/fixtag"
)

// Options configure a Client.
type Options struct {
	// Host and Port of matchd's FIX acceptor.
	Host string
	Port int
	// Sender is the SenderCompID, Target the TargetCompID (the engine's).
	Sender, Target string
	// Username and Password, when set, go into the Logon (553, 554).
	Username, Password string
	// StoreDir, when set, keeps the session's sequence numbers (a QuickFIX
	// file store) and the orders the client sent there, and logs on without
	// a reset. Empty: a memory store and ResetSeqNumFlag=Y at every logon.
	StoreDir string
	// Reset logs on with ResetSeqNumFlag=Y even with a StoreDir: both sides
	// start again from 1 (after a mismatch); the orders file is kept.
	Reset bool
	// Out receives every line the client prints (os.Stdout).
	Out io.Writer
	// Timeout bounds the wait for the answer to each request (default 10s).
	Timeout time.Duration
	// LogonTimeout bounds the wait for the logon (default 10s).
	LogonTimeout time.Duration
	// Redraw makes book draw a live ladder in place (Out is a terminal)
	// until interrupted, instead of printing each update as a line.
	Redraw bool
}

// DefaultExpectTimeout is how long expect waits when its line gives no
// timeout.
const DefaultExpectTimeout = time.Minute

// received is one message the client received, for expect.
type received struct {
	m    *message
	used bool // matched by an expect
}

// maxLog bounds the received messages kept for expect.
const maxLog = 100_000

// Client is one FIX 4.4 session to matchd (a QuickFIX/Go initiator) and the
// state the commands need: the orders sent, the books subscribed, the
// messages received.
type Client struct {
	o      Options
	sid    quickfix.SessionID
	init   *quickfix.Initiator
	ids    *idGen
	orders *orders

	outMu  sync.Mutex
	recent []string // the last lines printed while a ladder is drawn

	mu        sync.Mutex
	log       []*received
	base      int           // index of log[0] since the start
	changed   chan struct{} // closed (and replaced) when log grows or the session state changes
	loggedOn  bool
	everOn    bool
	closing   bool      // Close was called: its Logout's answer is not news
	lastRecv  time.Time // when the last message arrived
	logoutTxt string
	books     map[string]*mdBook // by symbol
	subs      map[string]*sub    // live subscriptions by MDReqID
	view      *view              // the ladder being drawn, if any

	started bool // the initiator was started (Stop panics otherwise)
	stop    sync.Once
}

// sub is a live market-data subscription.
type sub struct {
	reqID, symbol string
	depth         int
}

// view is a ladder drawn in place.
type view struct {
	symbol string
	depth  int
	dirty  chan struct{} // 1-buffered: the book changed
	intr   chan struct{} // 1-buffered: Ctrl-C
}

// New checks the options and builds the initiator; Connect logs on.
func New(o Options) (*Client, error) {
	if o.Target == "" {
		o.Target = "ENGINE"
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.LogonTimeout <= 0 {
		o.LogonTimeout = 10 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	switch {
	case o.Host == "" || o.Port < 1 || o.Port > 65535:
		return nil, fmt.Errorf("fixclient: bad address %q port %d", o.Host, o.Port)
	case !printable(o.Sender) || len(o.Sender) > 32:
		return nil, fmt.Errorf("fixclient: -sender %q must be 1 to 32 printable characters without spaces or '=' (e.g. -sender ALICE)", o.Sender)
	case !printable(o.Target) || len(o.Target) > 32:
		return nil, fmt.Errorf("fixclient: bad target CompID %q", o.Target)
	}
	c := &Client{o: o, ids: newIDGen(time.Now()), changed: make(chan struct{}),
		books: map[string]*mdBook{}, subs: map[string]*sub{},
		sid: quickfix.SessionID{BeginString: quickfix.BeginStringFIX44, SenderCompID: o.Sender, TargetCompID: o.Target}}
	var b strings.Builder
	b.WriteString("[DEFAULT]\nSocketConnectHost=" + o.Host + "\nSocketConnectPort=" + strconv.Itoa(o.Port) +
		"\nHeartBtInt=30\nReconnectInterval=2\nLogonTimeout=" + strconv.Itoa(int(o.LogonTimeout/time.Second)+1) + "\nLogoutTimeout=2\n")
	stores := quickfix.NewMemoryStoreFactory()
	if o.StoreDir != "" {
		if err := os.MkdirAll(o.StoreDir, 0o755); err != nil {
			return nil, fmt.Errorf("fixclient: store: %w", err)
		}
		reset := "N"
		if o.Reset {
			reset = "Y"
		}
		b.WriteString("ResetOnLogon=" + reset + "\nFileStorePath=" + o.StoreDir + "\nFileStoreSync=N\n")
	} else {
		b.WriteString("ResetOnLogon=Y\nPersistMessages=N\n")
	}
	b.WriteString("[SESSION]\nBeginString=" + c.sid.BeginString + "\nSenderCompID=" + o.Sender + "\nTargetCompID=" + o.Target + "\n")
	settings, err := quickfix.ParseSettings(strings.NewReader(b.String()))
	if err != nil {
		return nil, fmt.Errorf("fixclient: initiator settings: %w", err)
	}
	if o.StoreDir != "" {
		stores = file.NewStoreFactory(settings)
		c.orders, err = openOrders(filepath.Join(o.StoreDir, "orders-"+fileSafe(o.Sender)+"-"+fileSafe(o.Target)+".txt"))
		if err != nil {
			return nil, err
		}
	} else {
		c.orders = newOrders()
	}
	c.init, err = quickfix.NewInitiator(c, stores, settings, logFactory{c})
	if err != nil {
		c.orders.close()
		return nil, fmt.Errorf("fixclient: initiator: %w", err)
	}
	return c, nil
}

// Connect starts the initiator and waits for the logon. A server that
// cannot be reached, refuses the logon (its Text is in the error) or does not
// answer within the logon timeout is an error.
func (c *Client) Connect(ctx context.Context) error {
	addr := net.JoinHostPort(c.o.Host, strconv.Itoa(c.o.Port))
	// QuickFIX/Go retries a refused connection silently: try once first so
	// that the usual mistake (matchd is not running) gets a clear message.
	conn, err := (&net.Dialer{Timeout: c.o.LogonTimeout}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("fixclient: cannot connect to %s (is matchd running? go run ./cmd/matchd): %w", addr, err)
	}
	conn.Close()
	if err := c.init.Start(); err != nil {
		return fmt.Errorf("fixclient: starting the initiator: %w", err)
	}
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	deadline := time.NewTimer(c.o.LogonTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		on, txt, ch := c.loggedOn, c.logoutTxt, c.changed
		c.mu.Unlock()
		switch {
		case on:
			return nil
		case txt != "":
			return fmt.Errorf("fixclient: logon of %s to %s at %s refused: %s", c.o.Sender, c.o.Target, addr, txt)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("fixclient: %s not logged on to %s at %s after %v (no answer to the Logon)", c.o.Sender, c.o.Target, addr, c.o.LogonTimeout)
		}
	}
}

// Settle waits until nothing has arrived for quiet, or at most max, so
// that the reports a run's last request caused (the fills of an order that
// crossed, which follow its acknowledgement) are printed before it logs out.
func (c *Client) Settle(quiet, max time.Duration) {
	end := time.Now().Add(max)
	for {
		c.mu.Lock()
		wait := time.Until(c.lastRecv.Add(quiet))
		c.mu.Unlock()
		if left := time.Until(end); wait > left {
			wait = left
		}
		if wait <= 0 {
			return
		}
		time.Sleep(wait)
	}
}

// Close logs out, stops the initiator and closes the orders file.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closing = true
	started := c.started
	c.mu.Unlock()
	if started {
		c.stop.Do(c.init.Stop)
	}
	return c.orders.close()
}

// printf prints one line; while a ladder is drawn, lines other than the
// ladder's are kept and shown under it.
func (c *Client) printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	c.mu.Lock()
	v := c.view
	c.mu.Unlock()
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if v != nil {
		c.recent = append(c.recent, line)
		if len(c.recent) > 5 {
			c.recent = c.recent[1:]
		}
		v.mark()
		return
	}
	io.WriteString(c.o.Out, line+"\n")
}

func (v *view) mark() {
	select {
	case v.dirty <- struct{}{}:
	default:
	}
}

// broadcastLocked wakes every waiter; c.mu is held.
func (c *Client) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// OnCreate implements quickfix.Application.
func (c *Client) OnCreate(quickfix.SessionID) {}

// OnLogon implements quickfix.Application.
func (c *Client) OnLogon(quickfix.SessionID) {
	c.mu.Lock()
	again := c.everOn
	c.loggedOn, c.everOn, c.logoutTxt = true, true, ""
	c.broadcastLocked()
	c.mu.Unlock()
	if again {
		c.printf("logged on again")
	} else {
		c.printf("logged on to %s at %s as %s", c.o.Target, net.JoinHostPort(c.o.Host, strconv.Itoa(c.o.Port)), c.o.Sender)
	}
}

// OnLogout implements quickfix.Application.
func (c *Client) OnLogout(quickfix.SessionID) {
	c.mu.Lock()
	was := c.loggedOn
	c.loggedOn = false
	c.broadcastLocked()
	c.mu.Unlock()
	if was {
		c.printf("logged out")
	}
}

// ToAdmin implements quickfix.Application: credentials on the Logon.
func (c *Client) ToAdmin(m *quickfix.Message, _ quickfix.SessionID) {
	if t, _ := m.Header.GetString(fixtag.MsgType); t == fixtag.MsgTypeLogon {
		if c.o.Username != "" {
			m.Body.SetString(fixtag.Username, c.o.Username)
		}
		if c.o.Password != "" {
			m.Body.SetString(fixtag.Password, c.o.Password)
		}
	}
}

// ToApp implements quickfix.Application. A resend of an old request
// (PossDupFlag=Y, after a ResendRequest) is not sent again: QuickFIX sends a
// gap fill instead, so a stale order is never entered twice.
func (c *Client) ToApp(m *quickfix.Message, _ quickfix.SessionID) error {
	if dup, _ := m.Header.GetBool(fixtag.PossDupFlag); dup {
		return quickfix.ErrDoNotSend
	}
	return nil
}

// FromAdmin implements quickfix.Application: a Logout is printed (a
// refused logon's is seen by sessionLog); a Reject (3) answers one of our
// requests.
func (c *Client) FromAdmin(qm *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	t, _ := qm.Header.GetString(fixtag.MsgType)
	switch t {
	case fixtag.MsgTypeLogout:
		txt, _ := qm.Body.GetString(fixtag.Text)
		if txt == "" {
			txt = "Logout without a Text"
		}
		c.mu.Lock()
		on := c.loggedOn && !c.closing
		c.mu.Unlock()
		if on {
			c.printf("%s>%s logout %q", c.o.Target, c.o.Sender, txt)
		}
	case fixtag.MsgTypeReject:
		c.receive(parseMessage(qm.String(), 1))
	}
	return nil
}

// FromApp implements quickfix.Application.
func (c *Client) FromApp(qm *quickfix.Message, _ quickfix.SessionID) quickfix.MessageRejectError {
	c.receive(parseMessage(qm.String(), 1))
	return nil
}

// receive prints a message, folds it into the orders or books, and logs it
// for the waiters.
func (c *Client) receive(m *message) {
	switch m.typ {
	case fixtag.MsgTypeMarketDataSnapshot, fixtag.MsgTypeMarketDataIncremental:
		c.marketData(m)
	default:
		if m.typ == fixtag.MsgTypeExecutionReport {
			c.orders.learn(m)
		}
		c.printf("%s", formatMessage(m))
	}
	c.mu.Lock()
	c.log = append(c.log, &received{m: m})
	c.lastRecv = time.Now()
	if len(c.log) > maxLog {
		n := len(c.log) / 2
		c.log = append(c.log[:0:0], c.log[n:]...)
		c.base += n
	}
	c.broadcastLocked()
	c.mu.Unlock()
}

// marketData applies a W or X to the books and prints it (or redraws).
func (c *Client) marketData(m *message) {
	es := m.entries()
	full := m.typ == fixtag.MsgTypeMarketDataSnapshot
	bySym := map[string][]mdEntry{}
	var order []string
	for _, e := range es {
		if _, ok := bySym[e.symbol]; !ok {
			order = append(order, e.symbol)
		}
		bySym[e.symbol] = append(bySym[e.symbol], e)
	}
	if full && len(es) == 0 {
		sym := m.get(fixtag.Symbol)
		order, bySym[sym] = []string{sym}, nil
	}
	now := time.Now()
	for _, sym := range order {
		c.mu.Lock()
		b := c.books[sym]
		if b == nil {
			b = newMDBook(sym)
			c.books[sym] = b
		}
		words := b.apply(full, bySym[sym], now)
		v := c.view
		c.mu.Unlock()
		if v != nil && v.symbol == sym {
			v.mark()
			continue
		}
		c.printf("%s book %s %s", compIDs(m), sym, words)
	}
}

// errNoAnswer is a request that got no answer in time.
var errNoAnswer = errors.New("no answer")

// sendAndWait sends m and waits for the first received message answer
// accepts, or a Reject (3) or BusinessMessageReject (j) that refers to m by
// its MsgSeqNum (or to refID).
func (c *Client) sendAndWait(ctx context.Context, m *quickfix.Message, refID string, answer func(*message) bool) (*message, error) {
	c.mu.Lock()
	from := c.base + len(c.log)
	c.mu.Unlock()
	if err := quickfix.SendToTarget(m, c.sid); err != nil {
		return nil, fmt.Errorf("sending: %w", err)
	}
	seq, _ := m.Header.GetString(fixtag.MsgSeqNum)
	got, err := c.waitFor(ctx, from, c.o.Timeout, false, func(r *message) bool {
		switch r.typ {
		case fixtag.MsgTypeReject:
			return r.get(fixtag.RefSeqNum) == seq
		case fixtag.MsgTypeBusinessMessageReject:
			return r.get(fixtag.RefSeqNum) == seq || refID != "" && r.get(fixtag.BusinessRejectRefID) == refID
		}
		return answer(r)
	})
	if errors.Is(err, errNoAnswer) {
		return nil, fmt.Errorf("no answer within %v", c.o.Timeout)
	}
	return got, err
}

// waitFor waits until a message received at index from or later (skipping
// those an expect used, and marking the match used when consume) satisfies
// ok.
func (c *Client) waitFor(ctx context.Context, from int, timeout time.Duration, consume bool, ok func(*message) bool) (*message, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		c.mu.Lock()
		if from < c.base {
			from = c.base
		}
		for ; from < c.base+len(c.log); from++ {
			r := c.log[from-c.base]
			if !r.used && ok(r.m) {
				if consume {
					r.used = true
				}
				c.mu.Unlock()
				return r.m, nil
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, errNoAnswer
		}
	}
}

// Subscribed reports whether a market-data subscription is live.
func (c *Client) Subscribed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.subs) > 0
}

// Interrupt stops the ladder being drawn, if any, and reports whether there
// was one (if not, the caller ends the session).
func (c *Client) Interrupt() bool {
	c.mu.Lock()
	v := c.view
	c.mu.Unlock()
	if v == nil {
		return false
	}
	select {
	case v.intr <- struct{}{}:
	default:
	}
	return true
}

// fileSafe keeps letters, digits, '.', '_' and '-' of a CompID for a file
// name and replaces anything else (a '/', say) with '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}
