package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/raft/v3/raftpb"
)

// acceptLoop accepts peers' connections until Stop closes the listener.
func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	var delay time.Duration
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil {
				return
			}
			// Out of file descriptors and the like: wait, as net/http does, then retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t.cfg.Logger.Warn().Uint64("node", t.cfg.NodeID).Err(err).Dur("retry", delay).Msg("transport: accept")
			select {
			case <-time.After(delay):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		delay = 0
		t.wg.Add(1)
		go t.serve(conn)
	}
}

// serve runs one inbound connection: handshake, then frames until it fails or Stop.
func (t *Transport) serve(conn net.Conn) {
	defer t.wg.Done()
	defer conn.Close()
	stopClose := context.AfterFunc(t.ctx, func() { conn.Close() })
	defer stopClose()
	log := t.cfg.Logger.With().Uint64("node", t.cfg.NodeID).Str("remote", conn.RemoteAddr().String()).Logger()

	conn.SetDeadline(time.Now().Add(t.cfg.DialTimeout))
	var hb [helloSize]byte
	if _, err := io.ReadFull(conn, hb[:]); err != nil {
		log.Warn().Err(err).Msg("transport: no handshake from the connection, closed")
		return
	}
	h, err := parseHello(hb[:])
	if err != nil {
		log.Warn().Err(err).Msg("transport: bad handshake, connection closed")
		return
	}
	log = log.With().Uint64("peer", h.from).Logger()
	code := t.check(h)
	if _, err := conn.Write(appendReply(make([]byte, 0, replySize), code, t.cfg.ClusterID)); err != nil {
		log.Warn().Err(err).Msg("transport: handshake reply")
		return
	}
	if code != codeAccept {
		ev := log.Warn()
		if code == codeClusterID {
			ev = log.Error()
		}
		ev.Uint64("cluster", t.cfg.ClusterID).Uint64("peer_cluster", h.cluster).Uint64("to", h.to).
			Uint8("version", h.version).Msgf("transport: connection refused: %s", codeText(code))
		return
	}
	conn.SetDeadline(time.Time{})
	c := t.register(h, conn)
	if c == nil {
		log.Warn().Msg("transport: connection from a removed peer closed")
		return
	}
	defer t.unregister(h, conn)
	if h.kind == kindSnapshot {
		t.serveSnapshot(conn, h, c, log)
		return
	}
	d := &decoder{r: bufio.NewReaderSize(conn, 64<<10), max: t.cfg.MaxFrameSize}
	for {
		m := new(raftpb.Message)
		if err := t.readMessage(d, h, m); err != nil {
			logReadError(log, err)
			return
		}
		t.cfg.Handler(m)
		c.received.Add(1)
	}
}

// serveSnapshot reads the one MsgSnap of a snapshot connection, hands it to the Handler and
// acknowledges it.
func (t *Transport) serveSnapshot(conn net.Conn, h hello, c *counters, log zerolog.Logger) {
	d := &decoder{r: bufio.NewReaderSize(deadlineReader{conn, t.cfg.WriteTimeout}, 64<<10), max: t.cfg.MaxSnapshotSize}
	m := new(raftpb.Message)
	err := t.readMessage(d, h, m)
	if err == nil && m.GetType() != raftpb.MsgSnap {
		err = fmt.Errorf("%w: %v on a snapshot connection", errFrame, m.GetType())
	}
	if err != nil {
		logReadError(log, err)
		return
	}
	t.cfg.Handler(m)
	c.received.Add(1)
	conn.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
	if _, err := conn.Write(appendReply(make([]byte, 0, replySize), codeAccept, t.cfg.ClusterID)); err != nil {
		log.Warn().Err(err).Msg("transport: snapshot acknowledgement")
	}
}

// deadlineReader renews the read deadline before each read, so that a snapshot of any size
// is bounded by the peer's silence, not by its length.
type deadlineReader struct {
	conn    net.Conn
	timeout time.Duration
}

func (r deadlineReader) Read(b []byte) (int, error) {
	r.conn.SetReadDeadline(time.Now().Add(r.timeout))
	return r.conn.Read(b)
}

// readMessage decodes the next frame into m and checks that it is addressed from the sender
// of the handshake to this node.
func (t *Transport) readMessage(d *decoder, h hello, m *raftpb.Message) error {
	if err := d.next(m); err != nil {
		return err
	}
	if m.GetFrom() != h.from || m.GetTo() != t.cfg.NodeID {
		return fmt.Errorf("%w: %v from %d to %d on the connection from %d to %d",
			errFrame, m.GetType(), m.GetFrom(), m.GetTo(), h.from, t.cfg.NodeID)
	}
	return nil
}

// logReadError logs why an inbound connection ends: a bad frame or a read error is a warning,
// the peer closing between frames (or Stop) is not.
func logReadError(log zerolog.Logger, err error) {
	switch {
	case errors.Is(err, errFrame):
		log.Warn().Err(err).Msg("transport: bad frame, connection closed")
	case err == io.EOF || errors.Is(err, net.ErrClosed):
		log.Debug().Err(err).Msg("transport: inbound connection closed")
	default:
		log.Warn().Err(err).Msg("transport: inbound connection failed")
	}
}

// check decides the reply code to a hello.
func (t *Transport) check(h hello) byte {
	switch {
	case h.version != version:
		return codeBadVersion
	case h.cluster != t.cfg.ClusterID:
		return codeClusterID
	case h.to != t.cfg.NodeID:
		return codeWrongReceiver
	case h.from == 0 || h.from == t.cfg.NodeID:
		return codeBadSender
	case h.kind != kindStream && h.kind != kindSnapshot:
		return codeBadKind
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.removed[h.from] {
		return codeRemovedSender
	}
	return codeAccept
}

// register records an accepted connection and returns its sender's counters, or nil if the
// sender was removed since check. A new stream
// from a sender replaces (closes) its previous one: the peer redialed, and the old
// connection's messages are older than the new one's.
func (t *Transport) register(h hello, conn net.Conn) *counters {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.removed[h.from] {
		return nil
	}
	if h.kind == kindStream {
		if old := t.inbound[h.from]; old != nil {
			old.Close()
		}
		t.inbound[h.from] = conn
	}
	return t.countersLocked(h.from)
}

// unregister forgets conn as its sender's stream.
func (t *Transport) unregister(h hello, conn net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inbound[h.from] == conn {
		delete(t.inbound, h.from)
	}
}
