package fixclient

import (
	"bytes"

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
		l.c.logoutTxt = txt
		l.c.broadcastLocked()
	}
}

func (sessionLog) OnOutgoing([]byte)               {}
func (sessionLog) OnEvent(string)                  {}
func (sessionLog) OnEventf(string, ...interface{}) {}

// logFactory gives every QuickFIX/Go log of the client a sessionLog.
type logFactory struct{ c *Client }

func (f logFactory) Create() (quickfix.Log, error) { return sessionLog(f), nil }

func (f logFactory) CreateSessionLog(quickfix.SessionID) (quickfix.Log, error) {
	return sessionLog(f), nil
}
