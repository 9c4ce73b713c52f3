package rcvbuf

import (
	"net"
	"syscall"
	"testing"
)

// TestDialerSetsReceiveBuffer: the dialed socket's SO_RCVBUF is the small
// size asked for (Linux doubles it for bookkeeping), far below the default.
func TestDialerSetsReceiveBuffer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	read := func(c net.Conn) int {
		raw, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var n int
		var serr error
		if err := raw.Control(func(fd uintptr) { n, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF) }); err != nil || serr != nil {
			t.Fatal(err, serr)
		}
		return n
	}
	small, err := Dialer(4096, 0).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	plain, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if s, p := read(small), read(plain); s > 2*4096 || s >= p {
		t.Fatalf("SO_RCVBUF %d with the dialer, %d without; want at most 8192 and below the default", s, p)
	}
}
