package fixclient

import (
	"bytes"
	"strings"

	"github.com/quickfixgo/quickfix"
)

// sessionLog is the QuickFIX/Go log of the client's session: it logs
// nothing, but watches incoming messages for a Logout that refuses the
// logon. QuickFIX/Go does not pass a Logout received while it waits for the
// Logon answer to the application (it only logs it), and its Text is the
// reason the newcomer needs to see.
type sessionLog struct{ c *Client }

var logoutType = []byte("\x0135=5\x01")

func (l sessionLog) OnIncoming(raw []byte) {
	if !bytes.Contains(raw, logoutType) {
		return
	}
	m := parseMessage(string(raw), 1)
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	if !l.c.loggedOn {
		txt := m.get(58)
		if txt == "" {
			txt = "Logout without a Text"
		}
		if strings.Contains(txt, "MsgSeqNum") {
			txt += " (see -reset)"
		}
		l.c.logoutTxt = txt
		l.c.broadcastLocked()
	}
}

// OnOutgoing prints a Logout the client's QuickFIX session sends on its own
// (not the one Close asks for): its Text says what went wrong, e.g.
// "MsgSeqNum too low" when the server's sequence numbers went back (its
// data directory was wiped while -store kept the client's).
func (l sessionLog) OnOutgoing(raw []byte) {
	if !bytes.Contains(raw, logoutType) {
		return
	}
	l.c.mu.Lock()
	closing := l.c.closing
	l.c.mu.Unlock()
	if closing {
		return
	}
	m := parseMessage(string(raw), 1)
	t := m.get(58)
	if t == "" {
		return
	}
	l.c.mu.Lock()
	on := l.c.loggedOn
	if !on { // refusing the server's Logon answer: Connect says why
		l.c.logoutTxt = "the client logged out: " + t + " (see -reset)"
		l.c.broadcastLocked()
	}
	l.c.mu.Unlock()
	if on {
		l.c.printf("%s>%s logout %q", l.c.o.Sender, l.c.o.Target, t)
	}
}

func (sessionLog) OnEvent(string)                  {}
func (sessionLog) OnEventf(string, ...interface{}) {}

// logFactory gives every QuickFIX/Go log of the client a sessionLog.
type logFactory struct{ c *Client }

func (f logFactory) Create() (quickfix.Log, error) { return sessionLog(f), nil }

func (f logFactory) CreateSessionLog(quickfix.SessionID) (quickfix.Log, error) {
	return sessionLog(f), nil
}
