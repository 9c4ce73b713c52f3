// matchd patch tests (see PATCH.md): an acceptor's LogoutTimeout
// (logout_timeout.go) and the lingering close of accepted connections
// (linger.go). Not part of upstream QuickFIX/Go. Run from matchd's root:
//
//	go test -count=1 -race -run Patch github.com/quickfixgo/quickfix

package quickfix

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestPatchAcceptorLogoutTimeout(t *testing.T) {
	for _, tc := range []struct {
		setting string // "" leaves LogoutTimeout out
		want    time.Duration
		err     bool
	}{
		{"", 2 * time.Second, false},
		{"5", 5 * time.Second, false},
		{"750ms", 750 * time.Millisecond, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"soon", 0, true},
	} {
		settings := NewSessionSettings()
		if tc.setting != "" {
			settings.Set("LogoutTimeout", tc.setting)
		}
		s := &session{}
		err := sessionFactory{}.buildAcceptorSettings(s, settings)
		if tc.err {
			if err == nil {
				t.Errorf("LogoutTimeout=%s: accepted (%v), want an error", tc.setting, s.LogoutTimeout)
			}
			continue
		}
		if err != nil || s.LogoutTimeout != tc.want {
			t.Errorf("LogoutTimeout=%q: %v, %v; want %v", tc.setting, s.LogoutTimeout, err, tc.want)
		}
	}
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// closeWithUnread has the client send data the server reads one byte of, then
// the server write "bye" and close through closer; it returns what the client
// read and the error that ended its stream.
func closeWithUnread(t *testing.T, closer func(net.Conn)) ([]byte, error) {
	server, client := tcpPair(t)
	if _, err := client.Write(bytes.Repeat([]byte("x"), 16<<10)); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Read(make([]byte, 1)); err != nil { // the data has arrived
		t.Fatal(err)
	}
	if _, err := server.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		closer(server)
		server.Close()
	}()
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(client)
	if err == nil {
		err = io.EOF // ReadAll reports a clean end as nil
	}
	client.Close() // lets linger see the end of the stream
	<-done
	return got, err
}

// TestPatchLinger: a server that half-closes and drains before closing gives
// the client everything it wrote and then an orderly end of stream, although
// the client had sent data the server never read; closing at once (the control)
// resets the connection instead.
func TestPatchLinger(t *testing.T) {
	got, err := closeWithUnread(t, linger)
	if string(got) != "bye" || err != io.EOF {
		t.Fatalf("with linger: client read %q, then %v; want \"bye\", then EOF", got, err)
	}
	_, err = closeWithUnread(t, func(net.Conn) {})
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Skipf("control: closing with unread data gave the client %v, not a reset, on this system", err)
	}
}

// TestPatchLingerBounded: linger gives up on a client that never closes, after
// lingerTimeout, or once lingerLimit bytes arrived; and leaves a connection
// that cannot be half-closed alone.
func TestPatchLingerBounded(t *testing.T) {
	timeout, limit := lingerTimeout, lingerLimit
	defer func() { lingerTimeout, lingerLimit = timeout, limit }()

	returns := func(what string, conn net.Conn) {
		t.Helper()
		done := make(chan struct{})
		go func() { linger(conn); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatalf("%s: linger did not return", what)
		}
	}
	lingerTimeout = 50 * time.Millisecond
	server, _ := tcpPair(t) // the client stays open and silent
	returns("silent client", server)

	lingerTimeout, lingerLimit = time.Hour, 1024
	server, client := tcpPair(t)
	if _, err := client.Write(make([]byte, 4096)); err != nil { // and stays open
		t.Fatal(err)
	}
	returns("client past lingerLimit", server)

	p, q := net.Pipe() // no CloseWrite: nothing to wait for
	defer p.Close()
	defer q.Close()
	returns("net.Pipe", p)
}
