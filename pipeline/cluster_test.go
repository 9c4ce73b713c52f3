package pipeline

import (
	"context"
	"errors"
	"math/rand"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/engine"
)

// The cluster tests run 3 pipelines in one process over real loopback TCP
// transports, each with its own temporary data directory. They wait for
// conditions with generous deadlines, never for a fixed time.

const clusterDeadline = 30 * time.Second

// freeAddrs picks n free loopback ports (listened on and closed: another
// process could take one in between, which the test would report as a failed
// listen).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

type testNode struct {
	id   uint64
	dir  string
	co   ClusterOptions
	p    *Pipeline
	rec  Recovered
	rep  *collector
	cut  *atomic.Bool // partitioned: every raft message to or from it dropped
	open bool
}

type testCluster struct {
	t     *testing.T
	peers map[uint64]string
	nodes map[uint64]*testNode
}

func newTestCluster(t *testing.T, n int) *testCluster {
	addrs := freeAddrs(t, n)
	tc := &testCluster{t: t, peers: map[uint64]string{}, nodes: map[uint64]*testNode{}}
	for i, a := range addrs {
		tc.peers[uint64(i+1)] = a
	}
	for id := range tc.peers {
		tc.nodes[id] = &testNode{id: id, dir: t.TempDir(), cut: new(atomic.Bool)}
	}
	for id := range tc.peers {
		tc.start(id)
	}
	t.Cleanup(func() {
		for _, nd := range tc.nodes {
			if nd.open {
				nd.p.Close()
			}
		}
	})
	return tc
}

func (tc *testCluster) options(nd *testNode) Options {
	cut := nd.cut
	nd.co = ClusterOptions{NodeID: nd.id, Peers: tc.peers, AdvertiseFIX: "127.0.0.1:" + strconv.Itoa(5100+int(nd.id)),
		TickInterval: 5 * time.Millisecond,
		testFilter:   func(*raftpb.Message) bool { return !cut.Load() }}
	return Options{Engine: testConfig(), Dir: nd.dir, MatcherCPU: -1, CheckpointEvery: 16, Cluster: &nd.co}
}

// start opens and starts node id from its data directory.
func (tc *testCluster) start(id uint64) *testNode {
	tc.t.Helper()
	nd := tc.nodes[id]
	p, rec, err := Open(tc.options(nd))
	if err != nil {
		tc.t.Fatalf("node %d: Open: %v", id, err)
	}
	nd.p, nd.rec, nd.rep, nd.open = p, rec, &collector{}, true
	if err := p.Start(nd.rep); err != nil {
		tc.t.Fatalf("node %d: Start: %v", id, err)
	}
	return nd
}

func (tc *testCluster) stop(id uint64) {
	tc.t.Helper()
	nd := tc.nodes[id]
	if err := nd.p.Close(); err != nil {
		tc.t.Fatalf("node %d: Close: %v", id, err)
	}
	nd.open = false
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(clusterDeadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// leader waits for exactly one open, uncut node to serve, and returns it.
func (tc *testCluster) leader() *testNode {
	tc.t.Helper()
	var l *testNode
	waitFor(tc.t, "a serving leader", func() bool {
		l = nil
		for _, nd := range tc.nodes {
			if nd.open && !nd.cut.Load() && nd.p.Leadership().Serving {
				if l != nil {
					return false
				}
				l = nd
			}
		}
		return l != nil
	})
	return l
}

// submit submits commands on nd until n are accepted, numbering ClOrdIDs from k.
func submitN(t *testing.T, nd *testNode, r *rand.Rand, k, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c := randomCommand(r, 1, k+i)
		if err := nd.p.Submit(&c); err != nil {
			t.Fatalf("node %d: Submit %d: %v", nd.id, k+i, err)
		}
	}
}

// converge waits until every open node has matched seq and released every
// event, and checks that their engines and event streams agree.
func (tc *testCluster) converge(seq uint64) {
	tc.t.Helper()
	var ref *testNode
	for _, nd := range tc.nodes {
		if !nd.open {
			continue
		}
		waitFor(tc.t, "node "+strconv.FormatUint(nd.id, 10)+" to apply seq "+strconv.FormatUint(seq, 10), func() bool {
			s := nd.p.Stats()
			return s.Matched >= seq && s.Sent >= seq && s.OutboundUsed == 0
		})
	}
	for _, nd := range tc.nodes {
		if !nd.open {
			continue
		}
		if ref == nil {
			ref = nd
			continue
		}
		if a, b := nd.p.Stats().Matched, ref.p.Stats().Matched; a != b {
			tc.t.Fatalf("node %d matched %d, node %d %d", nd.id, a, ref.id, b)
		}
	}
}

// hashes returns every open node's engine state hash (after Close, or of a
// quiescent node: the test reads it once the matcher is idle).
func events(nd *testNode) []engine.Event {
	nd.rep.mu.Lock()
	defer nd.rep.mu.Unlock()
	return append([]engine.Event(nil), nd.rep.events...)
}

// TestClusterReplicates: a leader is elected; commands submitted on it are
// released on every node with the same events; followers refuse Submit; every
// node's engine ends with the same state hash; Leadership names the leader's
// FIX address everywhere.
func TestClusterReplicates(t *testing.T) {
	tc := newTestCluster(t, 3)
	l := tc.leader()
	r := rand.New(rand.NewSource(1))
	submitN(t, l, r, 0, 500)
	tc.converge(500)
	for _, nd := range tc.nodes {
		if nd == l {
			continue
		}
		c := randomCommand(r, 1, 9999)
		if err := nd.p.Submit(&c); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("node %d (follower): Submit returned %v, want ErrNotLeader", nd.id, err)
		}
		waitFor(t, "the leader's FIX address on a follower", func() bool {
			ld := nd.p.Leadership()
			return ld.Leader == l.id && ld.LeaderFIX == l.co.AdvertiseFIX
		})
	}
	want := events(l)
	if len(want) < 500 {
		t.Fatalf("leader released %d events for 500 commands", len(want))
	}
	for _, nd := range tc.nodes {
		got := events(nd)
		if len(got) != len(want) {
			t.Fatalf("node %d released %d events, leader %d", nd.id, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("node %d event %d: %+v, leader %+v", nd.id, i, got[i], want[i])
			}
		}
	}
	hashes := map[uint64]uint64{}
	for id := range tc.nodes {
		tc.stop(id)
		hashes[id] = tc.nodes[id].p.Engine().StateHash()
	}
	for id, h := range hashes {
		if h != hashes[l.id] {
			t.Fatalf("node %d state hash %x, leader %x", id, h, hashes[l.id])
		}
	}
	st := l.p.ClusterStatus()
	if !st.Enabled || st.Node != l.id || len(st.Members) != 3 {
		t.Fatalf("ClusterStatus %+v", st)
	}
}

var _ = cluster.DefaultTickInterval
var _ = context.Background
var _ sync.Mutex
