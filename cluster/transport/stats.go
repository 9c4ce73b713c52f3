package transport

import "sync/atomic"

// counters are one peer's metrics, updated atomically by the goroutines of the transport.
type counters struct {
	sent            atomic.Uint64
	dropped         atomic.Uint64
	received        atomic.Uint64
	reconnects      atomic.Uint64
	snapshotsSent   atomic.Uint64
	snapshotsFailed atomic.Uint64
	connected       atomic.Int32 // writers of this ID connected: 0 or 1, 2 while AddPeer replaces one
}

// PeerStats is a snapshot of one peer's counters. The counters only grow, for the lifetime of
// the Transport (a removed peer keeps its line), as Prometheus counters must.
type PeerStats struct {
	// Sent counts messages written to the peer's stream connection.
	Sent uint64
	// Dropped counts messages to the peer that were not written: queue full, peer down,
	// write failed, frame over MaxFrameSize.
	Dropped uint64
	// Received counts messages from the peer delivered to the Handler.
	Received uint64
	// Reconnects counts outbound stream connections established after the first.
	Reconnects uint64
	// SnapshotsSent and SnapshotsFailed count MsgSnaps by their reported status.
	SnapshotsSent, SnapshotsFailed uint64
	// Connected tells whether the outbound stream connection is up.
	Connected bool
}

// Stats is a snapshot of the transport's counters.
type Stats struct {
	// Peers holds the counters of every peer ever added or heard from, by ID.
	Peers map[uint64]PeerStats
	// UnknownPeerDrops counts messages given to Send for an ID that is not a peer.
	UnknownPeerDrops uint64
}

// Stats returns a snapshot of the counters, for a metrics collector (it allocates; call it
// at scrape time, not per message).
func (t *Transport) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Stats{Peers: make(map[uint64]PeerStats, len(t.counters)), UnknownPeerDrops: t.unknownDrops.Load()}
	for id, c := range t.counters {
		s.Peers[id] = PeerStats{
			Sent:            c.sent.Load(),
			Dropped:         c.dropped.Load(),
			Received:        c.received.Load(),
			Reconnects:      c.reconnects.Load(),
			SnapshotsSent:   c.snapshotsSent.Load(),
			SnapshotsFailed: c.snapshotsFailed.Load(),
			Connected:       c.connected.Load() > 0,
		}
	}
	return s
}

// countersLocked returns the counters of id, creating them; t.mu is held.
func (t *Transport) countersLocked(id uint64) *counters {
	c := t.counters[id]
	if c == nil {
		c = new(counters)
		t.counters[id] = c
	}
	return c
}
