package replay_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// testCluster is a deterministic in-process cluster of cluster.Cores, each
// over a raftlog.Log in its own data directory (the directories replay then
// reads), driven from the test goroutine: a queue of messages as the
// network, nodes that can be cut off, crashed (the Log closed: the
// directory is the disk) and restarted. Modelled on cluster's simulator.
type testCluster struct {
	t     *testing.T
	cfg   engine.Config
	nodes []*testNode
	queue []*raftpb.Message
	cut   map[uint64]bool // messages from or to these nodes are lost
	gen   testGen
	every uint64 // SnapshotEvery
	marg  uint64 // SnapshotMargin
	// wrap makes the raft snapshots' data the pipeline's cluster snapshot
	// (cluster.AppendSnapshotData) instead of the bare engine snapshot.
	wrap bool
}

// wrapApplier is an EngineApplier whose snapshots are cluster snapshots, as
// the pipeline's are.
type wrapApplier struct {
	*cluster.EngineApplier
}

func (w wrapApplier) AppendSnapshot(dst []byte) []byte {
	e := w.Engine()
	return cluster.AppendSnapshotData(dst, &cluster.SnapshotMeta{LastSeq: e.LastSeq(), Leader: 1, LeaderFIX: "127.0.0.1:5101",
		Members: map[uint64]string{1: "127.0.0.1:7101"}}, e.AppendSnapshot)
}

// testNode is one node: its data directory survives a crash, the Core and
// the engine do not.
type testNode struct {
	c    *testCluster
	id   uint64
	dir  string
	log  *raftlog.Log
	core *cluster.Core
	app  *cluster.EngineApplier

	seqTerm, nextSeq, ckptSent uint64
}

func newTestCluster(t *testing.T, n int, seed uint64, snapEvery, snapMargin uint64, wrap bool) *testCluster {
	c := &testCluster{t: t, cfg: testConfig(), cut: map[uint64]bool{}, every: snapEvery, marg: snapMargin, wrap: wrap,
		gen: testGen{r: rand.New(rand.NewPCG(seed, seed^0x9e37))}}
	root := t.TempDir()
	for i := range n {
		nd := &testNode{c: c, id: uint64(i + 1), dir: filepath.Join(root, "node"+strconv.Itoa(i+1))}
		if err := os.MkdirAll(nd.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := datadir.StoreConfig(nd.dir, c.cfg); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, nd)
	}
	for _, nd := range c.nodes {
		c.start(nd)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			if nd.log != nil {
				nd.log.Close()
			}
		}
	})
	return c
}

func (c *testCluster) start(nd *testNode) {
	c.t.Helper()
	log, _, err := raftlog.Open(raftlog.Options{JournalDir: datadir.JournalDir(nd.dir), SnapshotDir: datadir.SnapshotDir(nd.dir),
		Policy: journal.PolicyNone})
	if err != nil {
		c.t.Fatalf("node %d: %v", nd.id, err)
	}
	app, err := cluster.NewEngineApplier(c.cfg, 3)
	if err != nil {
		c.t.Fatal(err)
	}
	var peers []uint64
	for _, o := range c.nodes {
		peers = append(peers, o.id)
	}
	var ap cluster.Applier = app
	if c.wrap {
		ap = wrapApplier{app}
	}
	core, err := cluster.NewCore(cluster.Config{ID: nd.id, Peers: peers, Log: log, Transport: nd, Applier: ap,
		ElectionTicks: 10, HeartbeatTicks: 1, SnapshotEvery: c.every, SnapshotMargin: c.marg})
	if err != nil {
		c.t.Fatalf("node %d: %v", nd.id, err)
	}
	nd.log, nd.core, nd.app, nd.seqTerm = log, core, app, 0
}

// crash loses the node's Core and engine; its directory stays.
func (c *testCluster) crash(nd *testNode) {
	if err := nd.log.Close(); err != nil {
		c.t.Fatal(err)
	}
	nd.log, nd.core, nd.app = nil, nil, nil
}

func (c *testCluster) crashAll() {
	for _, nd := range c.nodes {
		if nd.core != nil {
			c.crash(nd)
		}
	}
}

// Send implements cluster.Transport.
func (nd *testNode) Send(msgs []*raftpb.Message) {
	for _, m := range msgs {
		nd.c.queue = append(nd.c.queue, proto.Clone(m).(*raftpb.Message))
	}
}

// deliver hands every queued message to its destination (lost if either
// end is cut off or down) and processes every node.
func (c *testCluster) deliver() {
	q := c.queue
	c.queue = nil
	for _, m := range q {
		to := c.node(m.GetTo())
		if to == nil || to.core == nil || c.cut[m.GetFrom()] || c.cut[m.GetTo()] {
			continue
		}
		if err := to.core.Step(m); err != nil && to.core.Err() != nil {
			c.t.Fatalf("node %d: %v", to.id, err)
		}
	}
	c.process()
}

func (c *testCluster) process() {
	for _, nd := range c.nodes {
		if nd.core != nil {
			if err := nd.core.Process(); err != nil {
				c.t.Fatalf("node %d: %v", nd.id, err)
			}
		}
	}
}

// step ticks every node that is up and delivers.
func (c *testCluster) step() {
	for _, nd := range c.nodes {
		if nd.core != nil {
			if err := nd.core.Tick(); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	c.deliver()
}

func (c *testCluster) node(id uint64) *testNode {
	if id == 0 || id > uint64(len(c.nodes)) {
		return nil
	}
	return c.nodes[id-1]
}

// leader steps until a node that is up and not cut off serves.
func (c *testCluster) leader() *testNode {
	c.t.Helper()
	for range 2000 {
		for _, nd := range c.nodes {
			if nd.core != nil && !c.cut[nd.id] && nd.core.Leadership().Serving {
				return nd
			}
		}
		c.step()
	}
	c.t.Fatal("no leader serves after 2000 ticks")
	return nil
}

// propose proposes a batch of k commands on nd (a serving leader), with a
// checkpoint item of its latest recorded state hash, as the sequencer does.
func (c *testCluster) propose(nd *testNode, k int) {
	c.t.Helper()
	l := nd.core.Leadership()
	if nd.seqTerm != l.Term {
		nd.seqTerm, nd.nextSeq = l.Term, nd.app.Engine().LastSeq()+1
	}
	var buf []byte
	for range k {
		cmd := c.gen.next(nd.nextSeq)
		nd.nextSeq++
		buf = cluster.AppendCommand(buf, &cmd)
	}
	if seq, h, ok := nd.app.LastCheckpoint(); ok && seq > nd.ckptSent {
		buf = cluster.AppendCheckpoint(buf, seq, h)
		nd.ckptSent = seq
	}
	if err := nd.core.Propose(buf); err != nil && !errors.Is(err, raft.ErrProposalDropped) {
		c.t.Fatal(err)
	}
}

// run proposes on the serving leader and steps, rounds times.
func (c *testCluster) run(rounds int) *testNode {
	var ld *testNode
	for range rounds {
		ld = c.leader()
		c.propose(ld, 1+c.gen.r.IntN(4))
		c.step()
	}
	return ld
}

// settle steps until every node that is up has applied the same index.
func (c *testCluster) settle() {
	c.t.Helper()
	for range 500 {
		c.step()
		var idx uint64
		same := true
		for _, nd := range c.nodes {
			if nd.core == nil {
				continue
			}
			if idx == 0 {
				idx = nd.core.Applied()
			} else if nd.core.Applied() != idx {
				same = false
			}
		}
		if same {
			return
		}
	}
	c.t.Fatal("nodes did not reach the same applied index")
}

// testGen makes random commands: new orders around a mid price, cancels
// and replaces of earlier ClOrdIDs, now and then a status request.
type testGen struct {
	r *rand.Rand
	n int
}

func (g *testGen) id(k int) engine.ID {
	id, _ := engine.MakeID("c" + strconv.Itoa(k))
	return id
}

func (g *testGen) next(seq uint64) engine.Command {
	r := g.r
	c := engine.Command{Seq: seq, Time: 1_700_000_000_000_000_000 + int64(seq)*1_000_000, Owner: 1 + r.Uint32N(2),
		Symbol: r.Uint32N(2), Side: engine.Side(1 + r.IntN(2)), Type: engine.Limit, Price: 95 + r.Int64N(11), Qty: 1 + r.Int64N(9)}
	g.n++
	c.ClOrdID = g.id(g.n)
	switch x := r.IntN(100); {
	case x < 65 || g.n < 3:
		c.Kind = engine.KindNew
	case x < 85:
		c.Kind = engine.KindCancel
		c.OrigClOrdID = g.id(1 + r.IntN(g.n-1))
	case x < 97:
		c.Kind = engine.KindReplace
		c.OrigClOrdID = g.id(1 + r.IntN(g.n-1))
	default:
		c.Kind = engine.KindStatus
		c.OrigClOrdID = g.id(1 + r.IntN(g.n-1))
	}
	return c
}
