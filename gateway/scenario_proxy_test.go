package gateway_test

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
)

// scenarioProxy forwards one client's TCP connections to the gateway, so
// that a scenario can cut them without a Logout (drop): the gateway sees the
// connection close as it would when a client's host or network goes away.
type scenarioProxy struct {
	port   int
	target string
	l      net.Listener
	wg     sync.WaitGroup

	mu      sync.Mutex
	conns   []net.Conn
	dropped bool
}

// startProxy listens on a free loopback port and forwards to the gateway's
// port; it is closed at the end of t.
func startProxy(t *testing.T, gatewayPort int) *scenarioProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &scenarioProxy{port: l.Addr().(*net.TCPAddr).Port, target: "127.0.0.1:" + strconv.Itoa(gatewayPort), l: l}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		p.drop()
		p.wg.Wait()
	})
	return p
}

func (p *scenarioProxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.l.Accept()
		if err != nil {
			return // closed by drop
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		if p.dropped {
			p.mu.Unlock()
			in.Close()
			out.Close()
			return
		}
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(out, in)
		go p.pipe(in, out)
	}
}

func (p *scenarioProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// drop closes the listener, so that the client cannot reconnect, and every
// connection, both ways. Idempotent.
func (p *scenarioProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dropped {
		return
	}
	p.dropped = true
	p.l.Close()
	for _, c := range p.conns {
		c.Close()
	}
}
