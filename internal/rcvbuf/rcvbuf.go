// Package rcvbuf dials TCP connections with a small receive buffer
// (SO_RCVBUF), the way a stuck or slow FIX client looks to the server: once
// it stops reading, the server's socket fills after a few KiB instead of the
// kernel's default of megabytes. Used by the slow-consumer tests and by the
// bench's stuck sessions.
package rcvbuf

import (
	"net"
	"syscall"
	"time"
)

// Dialer returns a net.Dialer whose connections have a receive buffer of
// size bytes (the kernel may round it) and the given dial timeout (0: none).
func Dialer(size int, timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
		})
		if err != nil {
			return err
		}
		return serr
	}}
}
