// matchd patch (not upstream QuickFIX/Go): outbound accounting and a way out
// for a session whose peer stopped reading. See PATCH.md.

package quickfix

import (
	"io"
	"sync"
	"sync/atomic"
)

// Outbound counts the messages a session has queued for sending (toSend, then
// the channel to its connection's writer) and those its writer has written to
// the socket or that were dropped unsent (a disconnect, a reset): the
// difference is what the session holds that its peer has not been sent. A
// message the writer has taken from the channel counts as unsent until its
// Write returns (at most maxCoalesced bytes plus one message). Bytes the
// kernel holds in the socket's send buffer count as written.
type Outbound struct {
	queuedMsgs, queuedBytes atomic.Int64
	doneMsgs, doneBytes     atomic.Int64

	// writerWakes is set while a writeLoop serves the session's current
	// channel: it signals wake after each write, so a session whose channel is
	// full waits for it instead of re-signalling itself in a loop.
	writerWakes atomic.Bool
	wake        atomic.Pointer[chan bool]

	mu   sync.Mutex
	conn *Conn // the current connection, nil between connections
}

// Conn is one connection of a session, as Outbound.Conn returns it.
type Conn struct{ c io.Closer }

// Close closes the connection's socket: its reader and writer fail, and the
// session sees a disconnect (OnLogout). Safe to call more than once, and after
// the connection has gone.
func (c *Conn) Close() {
	if c != nil && c.c != nil {
		_ = c.c.Close()
	}
}

// Unsent returns the messages and bytes queued and not yet written.
func (o *Outbound) Unsent() (msgs, bytes int64) {
	dm, db := o.doneMsgs.Load(), o.doneBytes.Load() // done first: never above queued
	return o.queuedMsgs.Load() - dm, o.queuedBytes.Load() - db
}

// Conn returns the session's current connection, or nil.
func (o *Outbound) Conn() *Conn {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.conn
}

// OutboundOf returns the outbound counters of a registered session.
func OutboundOf(sid SessionID) (*Outbound, bool) {
	s, ok := lookupSession(sid)
	if !ok {
		return nil, false
	}
	return &s.out, true
}

// SendLogout queues a Logout(5) with Text(58) for the session's connection
// conn (from Conn), after dropping every message the session has queued and
// not yet handed to the connection's writer (they are in the message store,
// for resends). It waits for the session's send lock, which QuickFIX holds
// through a blocking write of its own (a heartbeat to a peer that does not
// read): call it from a goroutine of its own, and close conn after a grace
// period whatever it does (closing unblocks it; a peer that does not read
// will not read the Logout either). It queues nothing and returns false when
// conn is no longer the session's connection by then.
func SendLogout(sid SessionID, conn *Conn, text string) bool {
	s, ok := lookupSession(sid)
	if !ok || conn == nil {
		return false
	}
	s.sendMutex.Lock()
	defer s.sendMutex.Unlock()
	if s.out.Conn() != conn {
		return false
	}
	msg := NewMessage()
	msg.Header.SetField(tagMsgType, FIXString("5"))
	msg.Body.SetField(tagText, FIXString(text))
	msgBytes, err := s.prepMessageForSend(msg, nil)
	if err != nil {
		s.logError(err)
		return false
	}
	s.dropQueued()
	s.queue(msgBytes)
	s.notifyMessageOut()
	return true
}

// queue appends to toSend and counts it. sendMutex is held.
func (s *session) queue(msg []byte) {
	s.toSend = append(s.toSend, msg)
	s.out.queuedMsgs.Add(1)
	s.out.queuedBytes.Add(int64(len(msg)))
}

// dropped counts messages removed from toSend unsent.
func (o *Outbound) dropped(msgs [][]byte) {
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	o.written(len(msgs), n)
}

func (o *Outbound) written(msgs, bytes int) {
	o.doneMsgs.Add(int64(msgs))
	o.doneBytes.Add(int64(bytes))
}

// writers maps a connection's channel to the Outbound of the session it
// serves, from the session's connect until the writeLoop returns, so that
// writeLoop (started by the acceptor or initiator with the channel alone)
// finds the session's counters.
var writers sync.Map // chan<- []byte -> *Outbound

// connect is called by session.connect, before the connection's writeLoop
// starts.
func (o *Outbound) connect(ch chan<- []byte, wake chan bool) {
	o.wake.Store(&wake)
	writers.Store(ch, o)
}

// attachWriter is called by writeLoop when it starts: it returns the
// Outbound of the session its channel serves and the connection it now
// counts as the session's, or nil.
func attachWriter(ch chan []byte, conn io.Writer) (*Outbound, *Conn) {
	v, ok := writers.Load((chan<- []byte)(ch))
	if !ok {
		return nil, nil
	}
	o := v.(*Outbound)
	c := &Conn{}
	if cl, ok := conn.(io.Closer); ok {
		c.c = cl
	}
	o.mu.Lock()
	o.conn = c
	o.writerWakes.Store(true)
	o.mu.Unlock()
	return o, c
}

// detachWriter is called by writeLoop when it returns. The writer of a newer
// connection may have attached already: then only the channel goes.
func (o *Outbound) detachWriter(ch chan []byte, c *Conn) {
	writers.Delete((chan<- []byte)(ch))
	o.mu.Lock()
	if o.conn == c {
		o.conn = nil
		o.writerWakes.Store(false)
	}
	o.mu.Unlock()
	o.signal() // a session waiting for room retries (and finds no channel)
}

// signal wakes the session's event loop to retry its queued sends.
func (o *Outbound) signal() {
	w := o.wake.Load()
	if w == nil {
		return
	}
	select {
	case *w <- true:
	default:
	}
}
