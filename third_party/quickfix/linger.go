// matchd patch (see PATCH.md): once its session is done with an accepted
// connection, the acceptor half-closes it and reads what the counterparty still
// sends before closing it. Not part of upstream QuickFIX/Go.

package quickfix

import (
	"io"
	"net"
	"time"
)

// How long, and for how many bytes, linger waits for the counterparty to close
// its side. Variables for the tests.
var (
	lingerTimeout       = 2 * time.Second
	lingerLimit   int64 = 1 << 20
)

// linger half-closes conn (a FIN after everything already written, the Logout
// included) and discards what the counterparty still sends until it closes its
// side, lingerTimeout passes or lingerLimit bytes have arrived; the caller then
// closes conn. A socket closed with unread data in its receive buffer (orders a
// client sent while the server was logging it out, or a confirming Logout that
// arrived late) makes the kernel answer with a reset instead of a FIN, and drop
// whatever of the Logout it had not sent yet. A connection that cannot be
// half-closed (no CloseWrite, or it fails) is left to the caller's Close.
func linger(conn net.Conn) {
	cw, ok := conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	if conn.SetReadDeadline(time.Now().Add(lingerTimeout)) != nil {
		return
	}
	_, _ = io.CopyN(io.Discard, conn, lingerLimit)
}
