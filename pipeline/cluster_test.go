package pipeline

import (
	"context"
	"errors"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/ringbuffer"
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
		TickInterval: 10 * time.Millisecond, ElectionTicks: 30, // no spurious elections on a loaded machine (-race)
		testFilter: func(*raftpb.Message) bool { return !cut.Load() }}
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
			if os.Getenv("CLUSTER_DEBUG") != "" {
				_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
			}
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

// seqsOf returns the Seq of every distinct command nd released, in order.
func seqsOf(nd *testNode) []uint64 {
	var out []uint64
	for _, ev := range events(nd) {
		if len(out) == 0 || out[len(out)-1] != ev.Seq {
			out = append(out, ev.Seq)
		}
	}
	return out
}

// TestClusterFailover: the leader is closed; another node serves and continues
// the Seq with neither gap nor reuse (and its clock never goes back); the old
// leader reopens as a follower, catches up, and every engine ends with the same
// state hash.
func TestClusterFailover(t *testing.T) {
	tc := newTestCluster(t, 3)
	l := tc.leader()
	r := rand.New(rand.NewSource(2))
	submitN(t, l, r, 0, 300)
	tc.converge(300)
	lastTime := events(l)[len(events(l))-1].Time
	tc.stop(l.id)
	l2 := tc.leader()
	if l2 == l {
		t.Fatal("the closed leader still serves")
	}
	submitN(t, l2, r, 300, 200)
	tc.converge(500)
	seqs := seqsOf(l2)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("new leader released seq %d at position %d: gap or reuse (%v...)", s, i, seqs[max(0, i-3):i+1])
		}
	}
	for _, ev := range events(l2)[len(events(l2))-1:] {
		if ev.Time < lastTime {
			t.Fatalf("the new leader's time %d went back before the old leader's %d", ev.Time, lastTime)
		}
	}
	old := tc.start(l.id)
	if old.rec.LastSeq != 300 {
		t.Fatalf("the old leader recovered LastSeq %d, want 300", old.rec.LastSeq)
	}
	waitFor(t, "the old leader to catch up", func() bool { return old.p.Stats().Matched == 500 })
	if ld := old.p.Leadership(); ld.Serving {
		t.Fatalf("the reopened old leader serves: %+v", ld)
	}
	hashes := map[uint64]uint64{}
	for id := range tc.nodes {
		tc.stop(id)
		hashes[id] = tc.nodes[id].p.Engine().StateHash()
	}
	for id, h := range hashes {
		if h != hashes[l2.id] {
			t.Fatalf("node %d state hash %x, leader %x", id, h, hashes[l2.id])
		}
	}
}

// TestClusterPartitionedLeader: a leader cut off from its peers releases
// nothing submitted after the cut (those commands cannot commit), stops
// serving, and the others elect a leader; once healed, the old leader follows
// and every node holds the same events, none of the cut-off commands among them.
func TestClusterPartitionedLeader(t *testing.T) {
	tc := newTestCluster(t, 3)
	l := tc.leader()
	r := rand.New(rand.NewSource(3))
	submitN(t, l, r, 0, 100)
	tc.converge(100)
	before := len(events(l))
	l.cut.Store(true)
	accepted := 0
	for i := 0; ; i++ {
		c := randomCommand(r, 2, i) // owner 2: only the cut-off commands
		err := l.p.Submit(&c)
		if errors.Is(err, ErrNotLeader) {
			break
		}
		if err != nil {
			t.Fatalf("Submit on the cut-off leader: %v", err)
		}
		accepted++
		if accepted == 50 { // then wait for CheckQuorum to depose it
			waitFor(t, "the cut-off leader to stop serving", func() bool { return !l.p.Leadership().Serving })
		}
	}
	l2 := tc.leader()
	if l2 == l {
		t.Fatal("the cut-off node leads")
	}
	submitN(t, l2, r, 100, 100)
	if n := len(events(l)); n != before {
		t.Fatalf("the cut-off leader released %d events after the cut (%d accepted commands)", n-before, accepted)
	}
	l.cut.Store(false)
	tc.converge(200)
	want := events(l2)
	for _, nd := range tc.nodes {
		got := events(nd)
		if len(got) != len(want) {
			t.Fatalf("node %d released %d events, leader %d", nd.id, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("node %d event %d: %+v, leader %+v", nd.id, i, got[i], want[i])
			}
			if got[i].Owner == 2 {
				t.Fatalf("node %d released a command submitted to the cut-off leader: %+v", nd.id, got[i])
			}
		}
	}
}

// TestClusterRestart: all three nodes close and reopen from their data
// directories: each recovers the same LastSeq and state hash before Start, a
// leader serves again and continues after it.
func TestClusterRestart(t *testing.T) {
	tc := newTestCluster(t, 3)
	l := tc.leader()
	r := rand.New(rand.NewSource(4))
	submitN(t, l, r, 0, 400)
	tc.converge(400)
	hashes := map[uint64]uint64{}
	for id := range tc.nodes {
		tc.stop(id)
		hashes[id] = tc.nodes[id].p.Engine().StateHash()
	}
	for id := range tc.nodes {
		nd := tc.start(id)
		if nd.rec.LastSeq != 400 || nd.rec.StateHash != hashes[id] || nd.rec.StateHash != hashes[l.id] {
			t.Fatalf("node %d recovered seq %d hash %x; closed at 400, %x (leader %x)", id, nd.rec.LastSeq, nd.rec.StateHash, hashes[id], hashes[l.id])
		}
		if nd.rec.RaftApplied == 0 || nd.rec.Raft.Snapshot.Index == 0 {
			t.Fatalf("node %d: recovered without the final raft snapshot: %+v", id, nd.rec)
		}
	}
	l = tc.leader()
	submitN(t, l, r, 400, 100)
	tc.converge(500)
	seqs := seqsOf(l)
	if len(seqs) != 100 || seqs[0] != 401 || seqs[99] != 500 {
		t.Fatalf("after the restart the leader released seqs %d..%d (%d)", seqs[0], seqs[len(seqs)-1], len(seqs))
	}
	// A restart without the final snapshot (a crash) replays the raft log:
	// stop one node and delete its raft snapshots.
	var f *testNode
	for _, nd := range tc.nodes {
		if nd != l {
			f = nd
		}
	}
	tc.stop(f.id)
	want := f.p.Engine().StateHash()
	removeRaftSnapshots(t, f.dir)
	nd := tc.start(f.id)
	if nd.rec.LastSeq != 500 || nd.rec.StateHash != want || nd.rec.Replayed != 500 {
		t.Fatalf("replayed %d commands to seq %d hash %x, want 500 to 500 %x", nd.rec.Replayed, nd.rec.LastSeq, nd.rec.StateHash, want)
	}
}

func removeRaftSnapshots(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(datadir.SnapshotDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "raft-") {
			if err := os.Remove(filepath.Join(datadir.SnapshotDir(dir), e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestClusterModeRefusesOtherJournal: a single-node data directory cannot
// become a cluster node's, nor the reverse; each refusal names the mode.
func TestClusterModeRefusesOtherJournal(t *testing.T) {
	single := t.TempDir()
	p, _, err := Open(Options{Engine: testConfig(), Dir: single, MatcherCPU: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	c := randomCommand(rand.New(rand.NewSource(5)), 1, 0)
	if err := p.Submit(&c); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	addrs := freeAddrs(t, 1)
	co := &ClusterOptions{NodeID: 1, Peers: map[uint64]string{1: addrs[0]}}
	if _, _, err := Open(Options{Engine: testConfig(), Dir: single, MatcherCPU: -1, Cluster: co}); err == nil ||
		!strings.Contains(err.Error(), "single-node pipeline's") || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("cluster Open of a single-node directory: %v", err)
	}

	clu := t.TempDir()
	p, _, err = Open(Options{Engine: testConfig(), Dir: clu, MatcherCPU: -1, Cluster: co})
	if err != nil {
		t.Fatal(err)
	}
	mustStart(t, p, nil)
	waitFor(t, "a one-node cluster to serve", func() bool { return p.Leadership().Serving })
	if err := p.Submit(&c); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the command to apply", func() bool { return p.Stats().Matched == 1 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(Options{Engine: testConfig(), Dir: clu, MatcherCPU: -1}); err == nil ||
		!strings.Contains(err.Error(), "cluster node's") || !strings.Contains(err.Error(), "Options.Cluster") {
		t.Fatalf("single-node Open of a cluster directory: %v", err)
	}
	// The directory is still a good cluster node's.
	p, rec, err := Open(Options{Engine: testConfig(), Dir: clu, MatcherCPU: -1, Cluster: co})
	if err != nil || rec.LastSeq != 1 {
		t.Fatalf("reopen: %v, %+v", err, rec)
	}
	p.Close()
}

// TestClusterReplaceMember: node 3 dies for good; node 4 joins from an empty
// data directory (AddMember on the leader), node 3 is removed (RemoveMember).
// The leader's log is compacted behind a snapshot, so node 4 catches up from a
// MsgSnap it restores in its matcher, then from the log; all engines agree.
func TestClusterReplaceMember(t *testing.T) {
	addrs := freeAddrs(t, 4)
	tc := &testCluster{t: t, peers: map[uint64]string{1: addrs[0], 2: addrs[1], 3: addrs[2]}, nodes: map[uint64]*testNode{}}
	t.Cleanup(func() {
		for _, nd := range tc.nodes {
			if nd.open {
				nd.p.Close()
			}
		}
	})
	start := func(id uint64, join bool) *testNode {
		nd := tc.nodes[id]
		if nd == nil {
			nd = &testNode{id: id, dir: t.TempDir(), cut: new(atomic.Bool)}
			tc.nodes[id] = nd
		}
		opts := tc.options(nd)
		nd.co.snapshotEvery, nd.co.snapshotMargin, nd.co.Join = 64, 16, join
		if os.Getenv("CLUSTER_DEBUG") != "" {
			nd.co.Logger = zerolog.New(os.Stderr).With().Uint64("n", id).Logger().Level(zerolog.InfoLevel)
		}
		p, rec, err := Open(opts)
		if err != nil {
			t.Fatalf("node %d: Open: %v", id, err)
		}
		nd.p, nd.rec, nd.rep, nd.open = p, rec, &collector{}, true
		if err := p.Start(nd.rep); err != nil {
			t.Fatalf("node %d: Start: %v", id, err)
		}
		return nd
	}
	for id := uint64(1); id <= 3; id++ {
		start(id, false)
	}
	l := tc.leader()
	r := rand.New(rand.NewSource(6))
	for i := 0; i < 300; i++ { // one entry each: a log long enough to compact
		submitN(t, l, r, i, 1)
		waitFor(t, "the command to apply", func() bool { return l.p.Stats().Matched == uint64(i+1) })
	}
	submitN(t, l, r, 300, 700)
	tc.converge(1000)
	if st := l.p.ClusterStatus(); st.Applied < 300 {
		t.Fatalf("only %d entries for 1000 commands: the test needs a compacted log", st.Applied)
	}
	dead := uint64(3)
	if l.id == 3 {
		dead = 2
	}
	tc.stop(dead)
	delete(tc.nodes, dead)

	peers4 := map[uint64]string{4: addrs[3]}
	for id, a := range tc.peers {
		if id != dead {
			peers4[id] = a
		}
	}
	tc.peers = peers4 // node 4's view: itself and the live members
	n4 := start(4, true)
	ctx, cancel := context.WithTimeout(context.Background(), clusterDeadline)
	defer cancel()
	if err := l.p.AddMember(ctx, 4, addrs[3]); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	if err := l.p.RemoveMember(ctx, dead); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	for _, nd := range tc.nodes {
		if nd != l {
			if err := nd.p.AddMember(ctx, 5, "127.0.0.1:1"); !errors.Is(err, ErrNotLeader) {
				t.Fatalf("AddMember on follower %d: %v, want ErrNotLeader", nd.id, err)
			}
		}
	}
	submitN(t, l, r, 1000, 100)
	tc.converge(1100)
	if st := n4.p.ClusterStatus(); len(st.Members) != 3 || st.Members[4] != addrs[3] || st.Members[dead] != "" {
		t.Fatalf("node 4's members: %+v", st.Members)
	}
	if n := len(seqsOf(n4)); n >= 1100 {
		t.Fatalf("node 4 released %d commands: it replayed the log rather than restoring a snapshot", n)
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
	// Node 4 restarts from its own directory (its snapshot came from the leader).
	nd := start(4, true)
	if nd.rec.LastSeq != 1100 || nd.rec.StateHash != hashes[l.id] {
		t.Fatalf("node 4 recovered seq %d hash %x", nd.rec.LastSeq, nd.rec.StateHash)
	}
}

// TestClusterDivergence: a checkpoint item whose hash is not the state every
// node has (what a determinism bug would produce) stops every node's pipeline
// with a *cluster.DivergenceError, found with errors.As from Stats().Err.
func TestClusterDivergence(t *testing.T) {
	tc := newTestCluster(t, 3)
	l := tc.leader()
	r := rand.New(rand.NewSource(7))
	submitN(t, l, r, 0, 40)
	tc.converge(40)
	ctx, cancel := context.WithTimeout(context.Background(), clusterDeadline)
	defer cancel()
	hash := uint64(0xbad)
	bogus := cluster.AppendCheckpoint(nil, 40, hash)
	if err := l.p.cl.node.ProposeIn(ctx, l.p.Leadership().Term, bogus); err != nil {
		t.Fatal(err)
	}
	for _, nd := range tc.nodes {
		var de *cluster.DivergenceError
		waitFor(t, "node "+strconv.FormatUint(nd.id, 10)+" to stop on the divergence", func() bool {
			return errors.As(nd.p.Stats().Err, &de)
		})
		if de.Seq != 40 || de.Proposer != hash {
			t.Fatalf("node %d: %v", nd.id, de)
		}
		c := randomCommand(r, 1, 100)
		if err := nd.p.Submit(&c); !errors.Is(err, ErrStopped) {
			t.Fatalf("node %d: Submit after the divergence: %v", nd.id, err)
		}
		if err := nd.p.Close(); !errors.As(err, &de) {
			t.Fatalf("node %d: Close: %v", nd.id, err)
		}
		nd.open = false
	}
}

// TestClusterMatcherAllocs: the cluster matcher applies a command (and the
// releaser delivers its events) without allocating, as the single-node one.
func TestClusterMatcherAllocs(t *testing.T) {
	p := &Pipeline{opts: Options{Engine: testConfig()}, cl: newClusterState(ClusterOptions{NodeID: 1}, 0, cluster.SnapshotMeta{})}
	p.cl.p = p
	eng, err := engine.New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	p.eng = eng
	if p.out, err = ringbuffer.New[engine.Event](ringbuffer.Options{Capacity: 1 << 10}); err != nil {
		t.Fatal(err)
	}
	rl := &releaser{p: p, rep: &discard{}, main: true}
	p.durable.seq.Store(^uint64(0))
	if err := p.out.Start([]ringbuffer.Consumer{rl}); err != nil {
		t.Fatal(err)
	}
	defer p.out.Close()
	if p.cl.apply, err = ringbuffer.New[applySlot](ringbuffer.Options{Capacity: 1 << 4}); err != nil {
		t.Fatal(err)
	}
	m := newClusterMatcher(p)
	m.snapAt = 1 << 40
	id, _ := engine.MakeID("x")
	sl := p.cl.apply.Slot(0)
	*sl = applySlot{kind: applyCommand, index: 1, last: true,
		cmd: engine.Command{Kind: engine.KindCancel, Owner: 1, ClOrdID: id, OrigClOrdID: id}}
	seq := uint64(0)
	if a := testing.AllocsPerRun(1000, func() {
		seq++
		sl.cmd.Seq, sl.index = seq, seq
		m.Consume(0, 0)
	}); a != 0 {
		t.Fatalf("cluster matcher: %.1f allocs per command", a)
	}
	waitFor(t, "the releaser", func() bool { return p.sent.Load() == seq })
}

type discard struct{}

func (discard) Deliver(*engine.Event) {}

// TestClusterFailoverUnderLoad: producers submit concurrently to whichever node
// serves while the leader is closed; the committed commands form one sequence
// with no gap and no reuse, and every node released the same events.
func TestClusterFailoverUnderLoad(t *testing.T) {
	tc := newTestCluster(t, 3)
	l := tc.leader()
	ps := map[uint64]*Pipeline{}
	for id, nd := range tc.nodes {
		ps[id] = nd.p
	}
	var stop atomic.Bool
	var accepted atomic.Int64
	done := make(chan struct{})
	for w := 0; w < 3; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			r := rand.New(rand.NewSource(int64(10 + w)))
			for k := 0; !stop.Load(); {
				ok := false
				for _, p := range ps {
					if st := p.Stats(); st.Sequenced > st.Matched+2000 {
						continue // keep the backlog small: the test is about correctness
					}
					c := randomCommand(r, uint32(1+w), k)
					if err := p.Submit(&c); err == nil {
						accepted.Add(1)
						k++
						ok = true
					}
				}
				if !ok {
					time.Sleep(time.Millisecond) // no leader yet: do not starve the nodes
				}
			}
		}()
	}
	waitFor(t, "load before the failover", func() bool { return accepted.Load() > 300 })
	tc.stop(l.id)
	tc.leader()
	at := accepted.Load()
	waitFor(t, "load after the failover", func() bool { return accepted.Load() > at+300 })
	stop.Store(true)
	for range 3 {
		<-done
	}
	tc.start(l.id)
	// A last command on the current leader: once every node applied it, each
	// has applied everything that committed.
	r := rand.New(rand.NewSource(20))
	var last uint64
	waitFor(t, "a last command to be accepted", func() bool {
		ld := tc.leader()
		c := randomCommand(r, 9, 0)
		if ld.p.Submit(&c) != nil {
			return false
		}
		last = ld.p.Stats().Sequenced
		return true
	})
	tc.converge(last)
	var ref *testNode
	for _, nd := range tc.nodes {
		if nd.id != l.id {
			ref = nd
		}
	}
	seqs := seqsOf(ref)
	if len(seqs) == 0 || seqs[len(seqs)-1] != last || seqs[0] != 1 {
		t.Fatalf("node %d released %d commands ending at %v, last %d", ref.id, len(seqs), seqs[max(0, len(seqs)-1):], last)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("node %d released seq %d after %d", ref.id, seqs[i], seqs[i-1])
		}
	}
	want := events(ref)
	for _, nd := range tc.nodes {
		if nd.id == l.id {
			continue // reopened: it released only what it caught up on
		}
		got := events(nd)
		if len(got) != len(want) {
			t.Fatalf("node %d released %d events, node %d %d", nd.id, len(got), ref.id, len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("node %d event %d: %+v, node %d %+v", nd.id, i, got[i], ref.id, want[i])
			}
		}
	}
	hashes := map[uint64]uint64{}
	for id := range tc.nodes {
		tc.stop(id)
		hashes[id] = tc.nodes[id].p.Engine().StateHash()
	}
	for id, h := range hashes {
		if h != hashes[ref.id] {
			t.Fatalf("node %d state hash %x, node %d %x", id, h, ref.id, hashes[ref.id])
		}
	}
}
