package fixbench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stuckSession is a client that logs on, then sends orders and never reads
// its socket again (a hung process, a paused VM): every report for it piles
// up in the server. Its orders are limit orders priced away from the load's
// (bids at 1.00), IOC, so each one costs the server two reports for this
// session (New, then Canceled) and none for anybody else.
type stuckSession struct {
	id   string
	conn net.Conn
	seq  int
	sent atomic.Int64
}

// stuckRcvBuf is the stuck client's socket receive buffer: small, so the
// server's socket fills at once.
const stuckRcvBuf = 4096

// dialStuck connects and logs on (Logon with 108=30, and the server's Logon
// read back); afterwards nothing is read.
func dialStuck(ctx context.Context, o Options, id string) (*stuckSession, error) {
	d := net.Dialer{Timeout: o.LogonTimeout, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, stuckRcvBuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		return nil, errors.New("fixbench: stuck session " + id + ": " + err.Error())
	}
	s := &stuckSession{id: id, conn: conn}
	logon := "35=A|98=0|108=30|141=Y"
	if o.Username != "" {
		logon += "|553=" + o.Username
	}
	if o.Password != "" {
		logon += "|554=" + o.Password
	}
	if _, err := conn.Write(s.frame(o, logon)); err != nil {
		conn.Close()
		return nil, errors.New("fixbench: stuck session " + id + ": logon: " + err.Error())
	}
	_ = conn.SetReadDeadline(time.Now().Add(o.LogonTimeout))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\x01')
		if err != nil {
			conn.Close()
			return nil, errors.New("fixbench: stuck session " + id + ": no Logon answer: " + err.Error())
		}
		if line == "35=A\x01" {
			break
		}
		if line == "35=5\x01" {
			conn.Close()
			return nil, errors.New("fixbench: stuck session " + id + ": logon refused")
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return s, nil
}

// frame builds a FIX 4.4 message from "35=X|tag=value|..." (MsgType first).
func (s *stuckSession) frame(o Options, body string) []byte {
	s.seq++
	msgType, rest, _ := strings.Cut(body, "|")
	inner := msgType + "\x0149=" + s.id + "\x0156=" + o.Target + "\x0134=" + strconv.Itoa(s.seq) +
		"\x0152=" + time.Now().UTC().Format("20060102-15:04:05.000") + "\x01" + strings.ReplaceAll(rest, "|", "\x01") + "\x01"
	out := []byte("8=FIX.4.4\x019=" + strconv.Itoa(len(inner)) + "\x01" + inner)
	sum := 0
	for _, c := range out {
		sum += int(c)
	}
	return append(out, "10="+strconv.Itoa(1000 + sum%256)[1:]+"\x01"...)
}

// run sends rate orders per second until ctx is done or the socket fails
// (the server logged the session out, or its receive window closed too:
// then the writes block, which is what such a client does).
func (s *stuckSession) run(ctx context.Context, o Options, rate float64) {
	sym := o.Symbols[0]
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	var w bytes.Buffer
	for i := 0; ctx.Err() == nil; i++ {
		next = next.Add(interval)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		w.Reset()
		w.Write(s.frame(o, "35=D|11=s"+strconv.Itoa(i)+"|55="+sym+"|54=1|38=1|40=2|44=1.00|59=3"))
		_ = s.conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := s.conn.Write(w.Bytes()); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // the server stopped reading too: keep trying
			}
			return
		}
		s.sent.Add(1)
	}
}

// stuckClients runs the stuck sessions of a load (Options.StuckSessions).
type stuckClients struct {
	sessions []*stuckSession
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// startStuck logs the stuck sessions on and starts their senders.
func startStuck(ctx context.Context, o Options) (*stuckClients, error) {
	c := &stuckClients{}
	for k := 0; k < o.StuckSessions; k++ {
		s, err := dialStuck(ctx, o, o.SenderPrefix+"STUCK"+strconv.Itoa(k+1))
		if err != nil {
			c.stop()
			return nil, err
		}
		c.sessions = append(c.sessions, s)
	}
	ctx, c.cancel = context.WithCancel(ctx)
	for _, s := range c.sessions {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			s.run(ctx, o, o.StuckRate)
		}()
	}
	return c, nil
}

// stop ends the senders and closes the sockets; it returns the orders sent.
func (c *stuckClients) stop() (sent int64) {
	if c.cancel != nil {
		c.cancel()
	}
	for _, s := range c.sessions {
		s.conn.Close()
	}
	c.wg.Wait()
	for _, s := range c.sessions {
		sent += s.sent.Load()
	}
	return sent
}
