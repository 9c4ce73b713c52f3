package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

const (
	flushSize    = 256 << 10 // a batch is written once it holds this many bytes
	keepBatchCap = 4 << 20   // a batch buffer grown past this by a big message is let go
)

// peer is the outbound side of one peer: a bounded queue and the writer goroutine that owns
// the stream connection to it.
type peer struct {
	t      *Transport
	id     uint64
	addr   string
	c      *counters
	queue  chan *raftpb.Message
	ctx    context.Context // cancelled by RemovePeer, AddPeer's replacement, or Stop
	cancel context.CancelFunc
	rng    *rand.Rand // back-off jitter; used by the writer goroutine only
	snap   atomic.Bool
	batch  []byte
}

func newPeer(t *Transport, id uint64, addr string, c *counters) *peer {
	p := &peer{
		t:     t,
		id:    id,
		addr:  addr,
		c:     c,
		queue: make(chan *raftpb.Message, t.cfg.QueueSize),
		rng:   rand.New(rand.NewPCG(t.cfg.Seed, id)),
	}
	p.ctx, p.cancel = context.WithCancel(t.ctx)
	return p
}

// run is the writer goroutine: dial, stream until the connection fails, back off, redial.
func (p *peer) run() {
	defer p.t.wg.Done()
	log := p.t.cfg.Logger.With().Uint64("node", p.t.cfg.NodeID).Uint64("peer", p.id).Str("addr", p.addr).Logger()
	backoff := p.t.cfg.BackoffMin
	connects := 0
	lastErr := ""
	for {
		conn, err := p.t.dial(p.ctx, p.id, p.addr, kindStream)
		if err != nil {
			if p.ctx.Err() != nil {
				return
			}
			// The first failure and every new reason are worth a line; the same reason
			// again, once per back-off, is not.
			switch {
			case errors.Is(err, errRefusedCluster):
				log.Error().Err(err).Msg("transport: peer refused the connection")
			case err.Error() != lastErr:
				log.Warn().Err(err).Msg("transport: cannot connect to peer")
			default:
				log.Debug().Err(err).Msg("transport: cannot connect to peer")
			}
			lastErr = err.Error()
			p.t.unreachable(p.id)
			p.drain()
			if !p.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, p.t.cfg.BackoffMax)
			continue
		}
		if connects > 0 {
			p.c.reconnects.Add(1)
		}
		connects++
		lastErr = ""
		p.c.connected.Add(1)
		log.Info().Msg("transport: connected to peer")
		wrote, err := p.stream(conn)
		p.c.connected.Add(-1)
		conn.Close()
		if p.ctx.Err() != nil {
			return
		}
		log.Warn().Err(err).Msg("transport: lost the connection to peer")
		p.t.unreachable(p.id)
		if wrote {
			backoff = p.t.cfg.BackoffMin
		} else if !p.sleep(backoff) { // a peer that accepts and drops us at once waits too
			return
		} else {
			backoff = min(2*backoff, p.t.cfg.BackoffMax)
		}
	}
}

// stream writes queued messages to conn until a write fails, the peer closes it or the peer
// is stopped; wrote tells whether at least one batch went out.
func (p *peer) stream(conn net.Conn) (wrote bool, err error) {
	// The peer never writes on a stream after its reply: a read returning is the peer
	// closing (or a protocol error); it closes conn, which fails the next write.
	dead := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := conn.Read(b[:])
		if err == nil {
			err = errors.New("transport: peer wrote on a stream connection")
		} else if err == io.EOF {
			err = errors.New("transport: peer closed the connection")
		}
		dead <- err
		conn.Close()
	}()
	stopClose := context.AfterFunc(p.ctx, func() { conn.Close() })
	defer func() {
		stopClose()
		conn.Close()
		<-dead // the reader has returned: no goroutine outlives stream
	}()
	max := p.t.cfg.MaxFrameSize
	for {
		var m *raftpb.Message
		select {
		case m = <-p.queue:
		case err := <-dead:
			dead <- err
			return wrote, err
		case <-p.ctx.Done():
			return wrote, p.ctx.Err()
		}
		p.batch = p.batch[:0]
		n := 0
		for {
			n += p.add(m, max)
			if len(p.batch) >= flushSize {
				break
			}
			select {
			case m = <-p.queue:
				continue
			default:
			}
			break
		}
		if len(p.batch) == 0 {
			continue
		}
		conn.SetWriteDeadline(time.Now().Add(p.t.cfg.WriteTimeout))
		_, err := conn.Write(p.batch)
		if cap(p.batch) > keepBatchCap {
			p.batch = nil
		}
		if err != nil {
			p.c.dropped.Add(uint64(n))
			select {
			case rerr := <-dead: // the peer closed first: that is the reason
				dead <- rerr
				err = rerr
			default:
			}
			return wrote, fmt.Errorf("transport: write: %w", err)
		}
		p.c.sent.Add(uint64(n))
		wrote = true
	}
}

// add appends the frame of m to the batch and returns 1, or drops m and returns 0.
func (p *peer) add(m *raftpb.Message, max int) int {
	start := len(p.batch)
	b, err := appendFrame(p.batch, m)
	if err == nil && len(b)-start-headerSize > max {
		err = fmt.Errorf("transport: %v of %d bytes exceeds MaxFrameSize %d", m.GetType(), len(b)-start-headerSize, max)
	}
	if err != nil {
		p.batch = b[:start]
		p.c.dropped.Add(1)
		p.t.cfg.Logger.Warn().Uint64("node", p.t.cfg.NodeID).Uint64("peer", p.id).Err(err).Msg("transport: message dropped")
		p.t.unreachable(p.id)
		return 0
	}
	p.batch = b
	return 1
}

// drain drops the messages queued while the peer is down: they would be stale by the time
// it is back (raft resends what matters), and they hold memory.
func (p *peer) drain() {
	for {
		select {
		case <-p.queue:
			p.c.dropped.Add(1)
		default:
			return
		}
	}
}

// sleep waits a jittered d, in [d/2, d]; false if the peer was stopped meanwhile.
func (p *peer) sleep(d time.Duration) bool {
	if half := d / 2; half > 0 {
		d = half + time.Duration(p.rng.Int64N(int64(half)+1))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// errRefusedCluster marks a refusal for a cluster ID mismatch (logged as an error: a
// misconfiguration, not an outage).
var errRefusedCluster = errors.New("transport: cluster ID mismatch")

// dial connects to peer id at addr and completes the handshake for a connection of kind.
func (t *Transport) dial(ctx context.Context, id uint64, addr string, kind byte) (net.Conn, error) {
	d := net.Dialer{Timeout: t.cfg.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: dial: %w", err)
	}
	stopClose := context.AfterFunc(ctx, func() { conn.Close() })
	defer stopClose()
	conn.SetDeadline(time.Now().Add(t.cfg.DialTimeout))
	h := hello{version: version, kind: kind, cluster: t.cfg.ClusterID, from: t.cfg.NodeID, to: id}
	if _, err := conn.Write(appendHello(make([]byte, 0, helloSize), h)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("transport: handshake: %w", err)
	}
	var rb [replySize]byte
	if _, err := io.ReadFull(conn, rb[:]); err != nil {
		conn.Close()
		return nil, fmt.Errorf("transport: handshake reply: %w", err)
	}
	code, cluster, err := parseReply(rb[:])
	if err == nil && code != codeAccept {
		err = fmt.Errorf("transport: peer %d refused the connection: %s", id, codeText(code))
		if code == codeClusterID {
			err = fmt.Errorf("%w: ours %d, peer %d's %d", errRefusedCluster, t.cfg.ClusterID, id, cluster)
		}
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}
