package transport

import (
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// TestExchangeKeepsOrder: three nodes send thousands of messages to each other; every message
// arrives, in the order sent per peer, and the goroutines are gone after Stop.
func TestExchangeKeepsOrder(t *testing.T) {
	before := runtime.NumGoroutine()
	const n = 3000
	nodes := []*node{startNode(t, 1, 7, "", nil), startNode(t, 2, 7, "", nil), startNode(t, 3, 7, "", nil)}
	connect(t, nodes...)
	payload := make([]byte, 100)
	for i := uint64(1); i <= n; i += 50 {
		for _, a := range nodes {
			var batch []*raftpb.Message
			for j := i; j < i+50 && j <= n; j++ {
				for _, b := range nodes {
					if a != b {
						batch = append(batch, app(a.cfg.NodeID, b.cfg.NodeID, j, payload))
					}
				}
			}
			a.Send(batch)
		}
	}
	for _, b := range nodes {
		for _, a := range nodes {
			if a == b {
				continue
			}
			waitFor(t, b.String()+" receiving from "+a.String(), func() bool { return len(b.rec.from(a.cfg.NodeID)) >= n })
			got := b.rec.from(a.cfg.NodeID)
			if len(got) != n {
				t.Fatalf("%v got %d messages from %v, want %d", b, len(got), a, n)
			}
			checkInOrder(t, got, 1)
			if s := a.Stats().Peers[b.cfg.NodeID]; s.Sent != n || s.Dropped != 0 || !s.Connected {
				t.Errorf("%v stats for %v: %+v, want %d sent, none dropped, connected", a, b, s, n)
			}
			if s := b.Stats().Peers[a.cfg.NodeID]; s.Received != n {
				t.Errorf("%v stats for %v: %+v, want %d received", b, a, s, n)
			}
			if u := a.rec.unreachableCount(b.cfg.NodeID); u != 0 {
				t.Errorf("%v reported %v unreachable %d times", a, b, u)
			}
		}
	}
	for _, a := range nodes {
		a.Stop()
	}
	checkNoLeak(t, before)
}

// stuckPeer accepts connections, accepts their handshake and then never reads: a live host
// whose process hangs. It returns its address.
func stuckPeer(t *testing.T, cluster, id uint64) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			hb := make([]byte, helloSize)
			if _, err := io.ReadFull(c, hb); err != nil {
				continue
			}
			c.Write(appendReply(nil, codeAccept, cluster))
		}
	}()
	return ln.Addr().String()
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestDeadPeerDoesNotBlockOthers: with one peer never listening and one that accepts but
// never reads, Send keeps returning, the live peer receives everything in order, and the
// other two see their messages dropped and are reported unreachable.
func TestDeadPeerDoesNotBlockOthers(t *testing.T) {
	a := startNode(t, 1, 7, "", nil)
	b := startNode(t, 2, 7, "", nil)
	if err := a.AddPeer(2, b.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPeer(3, deadAddr(t)); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPeer(4, stuckPeer(t, 7, 4)); err != nil {
		t.Fatal(err)
	}
	const live = 2000
	const total = 3 * DefaultQueueSize // enough to overflow the queues of the dead peers
	big := make([]byte, 64<<10)        // fills the stuck peer's socket buffers
	for i := uint64(1); i <= total; i++ {
		msgs := []*raftpb.Message{app(1, 3, i, nil), app(1, 4, i, big)}
		if i <= live {
			msgs = append(msgs, app(1, 2, i, nil))
		}
		a.Send(msgs)
	}
	waitFor(t, "node 2 receiving", func() bool { return len(b.rec.from(1)) >= live })
	checkInOrder(t, b.rec.from(1), 1)
	waitFor(t, "drops and Unreachable for peers 3 and 4", func() bool {
		s := a.Stats().Peers
		return s[3].Dropped > 0 && s[4].Dropped > 0 && a.rec.unreachableCount(3) > 0 && a.rec.unreachableCount(4) > 0
	})
	s := a.Stats().Peers
	if s[2].Dropped != 0 || a.rec.unreachableCount(2) != 0 {
		t.Errorf("live peer: %+v, unreachable %d times", s[2], a.rec.unreachableCount(2))
	}
	if s[3].Sent != 0 || s[3].Connected {
		t.Errorf("never-listening peer: %+v", s[3])
	}
	if s[4].Sent+s[4].Dropped > total {
		t.Errorf("stuck peer: %+v, more than the %d messages given", s[4], total)
	}
	// The stuck peer's writer is blocked in a write: Stop must still return.
	a.Stop()
}

// TestPeerRestart: a peer that stops and comes back on the same address is redialed and
// receives the messages sent after it is back, in order.
func TestPeerRestart(t *testing.T) {
	a := startNode(t, 1, 7, "", func(c *Config) { c.BackoffMax = 50 * time.Millisecond })
	b := startNode(t, 2, 7, "", nil)
	addr := b.Addr().String()
	connect(t, a, b)
	var index uint64
	send := func(k int) {
		for range k {
			index++
			a.Send([]*raftpb.Message{app(1, 2, index, nil)})
		}
	}
	send(100)
	waitFor(t, "first messages", func() bool { return len(b.rec.from(1)) == 100 })
	b.Stop()
	waitFor(t, "node 1 seeing node 2 down", func() bool {
		send(1)
		return a.rec.unreachableCount(2) > 0 && !a.Stats().Peers[2].Connected
	})
	b2 := startNode(t, 2, 7, addr, nil)
	waitFor(t, "the restarted node 2 receiving", func() bool {
		send(1)
		return len(b2.rec.from(1)) > 0
	})
	first := b2.rec.from(1)[0].GetIndex()
	send(500)
	waitFor(t, "later messages", func() bool { return b2.rec.from(1)[len(b2.rec.from(1))-1].GetIndex() == index })
	checkInOrder(t, b2.rec.from(1), first)
	if s := a.Stats().Peers[2]; s.Reconnects == 0 || !s.Connected {
		t.Errorf("stats after the restart: %+v", s)
	}
}

// TestClusterIDMismatch: nodes of different clusters refuse each other, and both log it as an
// error.
func TestClusterIDMismatch(t *testing.T) {
	a := startNode(t, 1, 7, "", nil)
	b := startNode(t, 2, 8, "", nil)
	connect(t, a, b)
	waitFor(t, "refusals logged", func() bool {
		a.Send([]*raftpb.Message{app(1, 2, 1, nil)})
		return contains(a.log.String(), `"level":"error"`, "cluster ID mismatch: ours 7, peer 2's 8") &&
			contains(b.log.String(), `"level":"error"`, "connection refused: cluster ID mismatch", `"peer_cluster":7`)
	})
	if got := b.rec.from(1); len(got) != 0 {
		t.Errorf("node 2 received %d messages from another cluster", len(got))
	}
	if a.rec.unreachableCount(2) == 0 || a.Stats().Peers[2].Connected {
		t.Errorf("node 1: unreachable %d times, stats %+v", a.rec.unreachableCount(2), a.Stats().Peers[2])
	}
}
