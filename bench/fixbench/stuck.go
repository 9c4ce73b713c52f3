package fixbench

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openmatch/matchd/internal/rcvbuf"
)

// stuckSession is a client that logs on, then sends orders and never reads
// its socket again (a hung process, a paused VM): every report for it piles
// up in the server. Its orders are limit orders priced away from the load's
// (bids at 1.00), IOC, so each one costs the server two reports for this
// session (New, then Canceled) and none for anybody else.
type stuckSession struct {
	id  string
	seq int

	mu   sync.Mutex // conn: replaced by run, closed by stop
	conn net.Conn

	sent, logouts atomic.Int64
}

// stuckRcvBuf is the stuck client's socket receive buffer: small, so the
// server's socket fills at once.
const stuckRcvBuf = 4096

// dialStuck logs a stuck session on.
func dialStuck(ctx context.Context, o Options, id string) (*stuckSession, error) {
	s := &stuckSession{id: id}
	if err := s.logon(ctx, o); err != nil {
		return nil, err
	}
	return s, nil
}

// logon connects with a small receive buffer and logs on (108=30, 141=Y: a
// stuck client that comes back resets its sequence numbers), reading the
// server's Logon; afterwards nothing is read.
func (s *stuckSession) logon(ctx context.Context, o Options) error {
	id := s.id
	d := rcvbuf.Dialer(stuckRcvBuf, o.LogonTimeout)
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		return errors.New("fixbench: stuck session " + id + ": " + err.Error())
	}
	s.mu.Lock()
	s.conn, s.seq = conn, 0
	s.mu.Unlock()
	logon := "35=A|98=0|108=30|141=Y"
	if o.Username != "" {
		logon += "|553=" + o.Username
	}
	if o.Password != "" {
		logon += "|554=" + o.Password
	}
	if _, err := conn.Write(s.frame(o, logon)); err != nil {
		conn.Close()
		return errors.New("fixbench: stuck session " + id + ": logon: " + err.Error())
	}
	_ = conn.SetReadDeadline(time.Now().Add(o.LogonTimeout))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\x01')
		if err != nil {
			conn.Close()
			return errors.New("fixbench: stuck session " + id + ": no Logon answer: " + err.Error())
		}
		if line == "35=A\x01" {
			break
		}
		if line == "35=5\x01" {
			conn.Close()
			return errors.New("fixbench: stuck session " + id + ": logon refused")
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return nil
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

// run sends rate orders per second until ctx is done. When the server
// closes the connection (it logged the session out as a slow consumer), the
// client logs on again and goes on not reading.
func (s *stuckSession) run(ctx context.Context, o Options, rate float64) {
	sym := o.Symbols[0]
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for i := 0; ctx.Err() == nil; i++ {
		next = next.Add(interval)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		s.mu.Lock()
		conn := s.conn
		s.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := conn.Write(s.frame(o, "35=D|11=s"+strconv.Itoa(i)+"|55="+sym+"|54=1|38=1|40=2|44=1.00|59=3")); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // the server stopped reading too: keep trying
			}
			conn.Close()
			s.logouts.Add(1)
			for ctx.Err() == nil && s.logon(ctx, o) != nil {
				time.Sleep(100 * time.Millisecond)
			}
			next = time.Now()
			continue
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

// stop ends the senders and closes the sockets; it returns the orders sent
// and the times the server disconnected a stuck session.
func (c *stuckClients) stop() (sent, logouts int64) {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
	for _, s := range c.sessions {
		s.mu.Lock()
		s.conn.Close()
		s.mu.Unlock()
		sent += s.sent.Load()
		logouts += s.logouts.Load()
	}
	return sent, logouts
}
