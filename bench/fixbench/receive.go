package fixbench

import (
	"context"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

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
	if s := c.mdBySID[sid]; s != nil {
		s.loggedOn.Store(true)
		select {
		case s.logons <- struct{}{}:
		default:
		}
		if s.started.Load() {
			// Logged on again during the load: the subscription died with the
			// connection. Renewed from another goroutine: SendToTarget must
			// not run inside QuickFIX's callback.
			go c.subscribe(s)
		}
		return
	}
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
	if s := c.mdBySID[sid]; s != nil {
		s.loggedOn.Store(false)
		if c.running.Load() {
			s.logouts.Add(1)
		}
		return
	}
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
	case fixtag.MsgTypeLogout[0]:
		c.noteText("logout", m)
	case fixtag.MsgTypeReject[0]:
		if s := c.mdBySID[sid]; s != nil {
			s.rejects.Add(1)
			c.noteText("md_reject", m)
			return nil
		}
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
	if s := c.mdBySID[sid]; s != nil {
		c.mdFromApp(s, m)
		return nil
	}
	s := c.bySID[sid]
	if s == nil {
		return nil
	}
	mt, err := m.Header.GetBytes(fixtag.MsgType)
	if err != nil || len(mt) != 1 {
		return nil
	}
	switch mt[0] {
	case fixtag.MsgTypeExecutionReport[0]:
	case fixtag.MsgTypeBusinessMessageReject[0]:
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
