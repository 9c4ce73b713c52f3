// matchd patch (see PATCH.md): an acceptor session waits LogoutTimeout for the
// reply to a Logout it sends first, as an initiator does. Not part of upstream
// QuickFIX/Go.

package quickfix

import (
	"errors"
	"time"

	"github.com/quickfixgo/quickfix/config"
)

// defaultLogoutTimeout is LogoutTimeout when the settings do not give it, the
// initiator's upstream default.
const defaultLogoutTimeout = 2 * time.Second

// buildAcceptorLogoutTimeout sets an acceptor session's LogoutTimeout from the
// settings (seconds, or a Go duration), defaulting to 2 s. Upstream reads it for
// initiators only and leaves an acceptor's at zero, so an acceptor that logged a
// session out (Stop, a MsgSeqNum too low, a CompID problem) disconnected as soon
// as its Logout was queued: the counterparty's confirming Logout, and whatever
// else it had in flight, then met a closed socket, and the counterparty got a
// TCP reset instead of an orderly close.
func buildAcceptorLogoutTimeout(session *session, settings *SessionSettings) error {
	session.LogoutTimeout = defaultLogoutTimeout
	if !settings.HasSetting(config.LogoutTimeout) {
		return nil
	}
	timeout, err := settings.DurationSetting(config.LogoutTimeout)
	if err != nil {
		seconds, ierr := settings.IntSetting(config.LogoutTimeout)
		if ierr != nil {
			return ierr
		}
		timeout = time.Duration(seconds) * time.Second
	}
	if timeout <= 0 {
		return errors.New("LogoutTimeout must be greater than zero")
	}
	session.LogoutTimeout = timeout
	return nil
}
