package transport

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"go.etcd.io/raft/v3/raftpb"
)

// Transport carries raft messages to and from the peers of one node over TCP. Its methods are
// safe for concurrent use.
type Transport struct {
	cfg    Config
	ln     net.Listener
	ctx    context.Context // cancelled by Stop: closes every connection, stops every dial
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// peers is the current immutable map of outbound peers, replaced whole by AddPeer and
	// RemovePeer, so that Send takes no lock.
	peers        atomic.Pointer[map[uint64]*peer]
	stopped      atomic.Bool
	unknownDrops atomic.Uint64

	mu       sync.Mutex // guards the fields below and the replacement of peers
	counters map[uint64]*counters
	inbound  map[uint64]net.Conn // the current inbound stream connection of each sender
	removed  map[uint64]bool     // senders refused since RemovePeer
}

// New listens on cfg.ListenAddr and starts one writer per peer. Stop releases everything.
func New(cfg Config) (*Transport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("transport: listen: %w", err)
	}
	t := &Transport{
		cfg:      cfg,
		ln:       ln,
		counters: make(map[uint64]*counters),
		inbound:  make(map[uint64]net.Conn),
		removed:  make(map[uint64]bool),
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	peers := make(map[uint64]*peer, len(cfg.Peers))
	t.peers.Store(&peers)
	t.mu.Lock()
	for id, addr := range cfg.Peers {
		t.addPeerLocked(id, addr)
	}
	t.mu.Unlock()
	t.wg.Add(1)
	go t.acceptLoop()
	t.cfg.Logger.Info().Uint64("node", cfg.NodeID).Str("addr", ln.Addr().String()).Msg("transport: listening")
	return t, nil
}

// Addr returns the address the transport listens on.
func (t *Transport) Addr() net.Addr { return t.ln.Addr() }

// Send queues each message for its peer (m.To) and returns without waiting for the network.
// A message to a peer whose queue is full, or to an unknown peer, is dropped and Unreachable
// is reported (raft retransmits). A MsgSnap goes on a connection of its own and is answered by
// SnapshotStatus. Send keeps the messages (it does not copy them): the caller must not change
// them afterwards, as raft does not.
func (t *Transport) Send(msgs []*raftpb.Message) {
	if t.stopped.Load() {
		return
	}
	peers := *t.peers.Load()
	var reported uint64 // the last peer told Unreachable by this call, to report each once
	for _, m := range msgs {
		to := m.GetTo()
		p := peers[to]
		if p == nil {
			t.unknownDrops.Add(1)
			if to != reported {
				reported = to
				t.unreachable(to)
			}
			continue
		}
		if m.GetType() == raftpb.MsgSnap {
			p.sendSnapshot(m)
			continue
		}
		select {
		case p.queue <- m:
		default:
			p.c.dropped.Add(1)
			if to != reported {
				reported = to
				t.unreachable(to)
			}
		}
	}
}

// AddPeer starts sending to peer id at addr. If id is already a peer at another address, its
// writer is replaced (the queued messages are dropped). A peer removed earlier is accepted
// again.
func (t *Transport) AddPeer(id uint64, addr string) error {
	if id == 0 || id == t.cfg.NodeID {
		return fmt.Errorf("transport: AddPeer: invalid peer ID %d", id)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped.Load() {
		return fmt.Errorf("transport: AddPeer %d: transport stopped", id)
	}
	if p := (*t.peers.Load())[id]; p != nil {
		if p.addr == addr {
			return nil
		}
		p.cancel()
	}
	delete(t.removed, id)
	t.addPeerLocked(id, addr)
	return nil
}

// RemovePeer stops sending to peer id, closes the connections to and from it, and refuses its
// connections from now on (until AddPeer). It does not wait for the peer's goroutines (Stop
// does).
func (t *Transport) RemovePeer(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removed[id] = true
	if c := t.inbound[id]; c != nil {
		c.Close()
		delete(t.inbound, id)
	}
	old := *t.peers.Load()
	p := old[id]
	if p == nil {
		return
	}
	p.cancel()
	peers := make(map[uint64]*peer, len(old))
	for k, v := range old {
		if k != id {
			peers[k] = v
		}
	}
	t.peers.Store(&peers)
}

// Stop closes the listener and every connection, and waits for the transport's goroutines,
// including Handler calls in progress. Messages still queued are dropped. Later calls to
// Send do nothing; Stop may be called more than once.
func (t *Transport) Stop() {
	t.mu.Lock()
	if t.stopped.Swap(true) {
		t.mu.Unlock()
		t.wg.Wait()
		return
	}
	t.cancel()
	t.ln.Close()
	t.mu.Unlock()
	t.wg.Wait()
	t.cfg.Logger.Info().Uint64("node", t.cfg.NodeID).Msg("transport: stopped")
}

// addPeerLocked starts the writer of peer id; t.mu is held.
func (t *Transport) addPeerLocked(id uint64, addr string) {
	p := newPeer(t, id, addr, t.countersLocked(id))
	old := *t.peers.Load()
	peers := make(map[uint64]*peer, len(old)+1)
	for k, v := range old {
		peers[k] = v
	}
	peers[id] = p
	t.peers.Store(&peers)
	t.wg.Add(1)
	go p.run()
}

// unreachable reports id to the Unreachable callback, if any.
func (t *Transport) unreachable(id uint64) {
	if f := t.cfg.Unreachable; f != nil {
		f(id)
	}
}

// snapshotStatus reports a MsgSnap's outcome to the SnapshotStatus callback, if any.
func (t *Transport) snapshotStatus(id uint64, failed bool) {
	if f := t.cfg.SnapshotStatus; f != nil {
		f(id, failed)
	}
}
