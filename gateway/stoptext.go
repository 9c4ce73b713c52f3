package gateway

import (
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// StopWithText is Stop, with text as the Text(58) of every Logout the gateway
// sends from now on that has none, so that each session logged on learns why it
// is being logged out (the server passes "server shutting down", or the cause
// of a failure such as "server stopping: journal write failed: no space left on
// device"). The Logouts go out after the reports already delivered, as with
// Stop; each session then waits up to LogoutTimeout (default 2 s) for the
// client's confirming Logout before the connection is closed, so that the
// client sees an orderly close, not a reset. An empty text is plain Stop.
func (g *Gateway) StopWithText(text string) {
	if text != "" {
		g.logoutText.Store(&text)
	}
	g.Stop()
}

// addLogoutText gives an outgoing Logout without a Text the one StopWithText
// set. ToAdmin calls it for every admin message, before QuickFIX serializes it.
func (g *Gateway) addLogoutText(m *quickfix.Message) {
	text := g.logoutText.Load()
	if text == nil || !m.IsMsgTypeOf(fixtag.MsgTypeLogout) || m.Body.Has(fixtag.Text) {
		return
	}
	m.Body.SetString(fixtag.Text, *text)
}
