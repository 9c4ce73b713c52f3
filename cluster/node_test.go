package cluster

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// chanNet connects Nodes in memory: one queue and one delivering goroutine per
// node; Send drops a message whose queue is full (never blocks).
type chanNet struct {
	mu    sync.Mutex
	nodes map[uint64]*Node
	queue map[uint64]chan *raftpb.Message
	down  map[uint64]bool
	wg    sync.WaitGroup
	done  chan struct{}
}

type chanEnd struct {
	net *chanNet
	id  uint64
}

func (e chanEnd) Send(msgs []*raftpb.Message) {
	n := e.net
	for _, m := range msgs {
		n.mu.Lock()
		q, down := n.queue[m.GetTo()], n.down[m.GetTo()] || n.down[e.id]
		from := n.nodes[e.id]
		n.mu.Unlock()
		lost := down || q == nil
		if !lost {
			select {
			case q <- proto.Clone(m).(*raftpb.Message):
			default:
				lost = true
			}
		}
		if m.GetType() == raftpb.MsgSnap && from != nil {
			go from.ReportSnapshot(m.GetTo(), lost)
		}
	}
}

func (n *chanNet) add(id uint64, node *Node) {
	q := make(chan *raftpb.Message, 4096)
	n.mu.Lock()
	n.nodes[id], n.queue[id] = node, q
	n.mu.Unlock()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			select {
			case m := <-q:
				node.Receive(m)
			case <-n.done:
				return
			}
		}
	}()
}

// seqApplier publishes the engine's LastSeq for other goroutines.
type seqApplier struct {
	*EngineApplier
	seq atomic.Uint64
}

func (a *seqApplier) ApplyBatch(index uint64, data []byte) error {
	err := a.EngineApplier.ApplyBatch(index, data)
	a.seq.Store(a.Engine().LastSeq())
	return err
}

func (a *seqApplier) Restore(index uint64, data []byte) error {
	err := a.EngineApplier.Restore(index, data)
	a.seq.Store(a.Engine().LastSeq())
	return err
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestNodeRun runs three Nodes with their real tickers over an in-memory
// network: a leader starts serving, its batches reach every node, followers
// refuse proposals, and when the leader stops another one takes over and the
// cluster goes on. No timing is asserted; conditions are awaited.
func TestNodeRun(t *testing.T) {
	net := &chanNet{nodes: map[uint64]*Node{}, queue: map[uint64]chan *raftpb.Message{}, down: map[uint64]bool{},
		done: make(chan struct{})}
	defer func() { close(net.done); net.wg.Wait() }()
	type member struct {
		node   *Node
		app    *seqApplier
		cancel context.CancelFunc
		errc   chan error
		leads  atomic.Int32
	}
	ms := map[uint64]*member{}
	for id := uint64(1); id <= 3; id++ {
		ea, err := NewEngineApplier(simEngineConfig(), 4)
		if err != nil {
			t.Fatal(err)
		}
		m := &member{app: &seqApplier{EngineApplier: ea}, errc: make(chan error, 1)}
		node, err := NewNode(Config{ID: id, Peers: []uint64{1, 2, 3}, Log: NewMemoryLog(), Transport: chanEnd{net, id},
			Applier: m.app, TickInterval: 5 * time.Millisecond, SnapshotEvery: 20, SnapshotMargin: 5,
			OnLeadership: func(l Leadership) {
				if l.Serving {
					m.leads.Add(1)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		m.node = node
		ms[id] = m
		net.add(id, node)
	}
	for _, m := range ms {
		ctx, cancel := context.WithCancel(context.Background())
		m.cancel = cancel
		go func() { m.errc <- m.node.Run(ctx) }()
	}
	serving := func(exclude uint64) *member {
		for id, m := range ms {
			if id != exclude && m.node.Leadership().Serving {
				return m
			}
		}
		return nil
	}
	var gen cmdGen
	gen.r = newTestRand(1)
	seq := uint64(0)
	proposeAll := func(leader *member, live []*member, count int) {
		seq = leader.app.seq.Load()
		want := seq + uint64(count)
		for seq < want {
			var buf []byte
			for range 5 {
				seq++
				c := gen.next(seq, 0)
				buf = AppendCommand(buf, &c)
			}
			if err := leader.node.Propose(context.Background(), buf); err != nil {
				t.Fatalf("propose on the leader: %v", err)
			}
		}
		waitFor(t, "every node to apply the batches", func() bool {
			for _, m := range live {
				if m.app.seq.Load() < want {
					return false
				}
			}
			return true
		})
	}
	var first *member
	waitFor(t, "a serving leader", func() bool { first = serving(0); return first != nil })
	all := []*member{ms[1], ms[2], ms[3]}
	proposeAll(first, all, 100)
	for _, m := range all {
		if m != first {
			if err := m.node.Propose(context.Background(), nil); !errors.Is(err, raft.ErrProposalDropped) {
				t.Fatalf("a follower's Propose: %v, want raft.ErrProposalDropped", err)
			}
			if l := m.node.Leadership(); l.Leader != first.node.ID() || l.Local {
				t.Fatalf("follower %d sees %+v, leader is %d", m.node.ID(), l, first.node.ID())
			}
		}
	}
	// Stop the leader: the other two elect one of themselves and go on.
	net.mu.Lock()
	net.down[first.node.ID()] = true
	net.mu.Unlock()
	first.cancel()
	if err := <-first.errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if err := first.node.Propose(context.Background(), nil); !errors.Is(err, ErrStopped) {
		t.Fatalf("Propose on a stopped node: %v", err)
	}
	var second *member
	waitFor(t, "a new serving leader", func() bool { second = serving(first.node.ID()); return second != nil })
	var live []*member
	for _, m := range all {
		if m != first {
			live = append(live, m)
		}
	}
	proposeAll(second, live, 100)
	if second.leads.Load() == 0 {
		t.Fatal("OnLeadership never reported Serving on the new leader")
	}
	for _, m := range live {
		m.cancel()
		<-m.errc
	}
	if h0, h1 := live[0].app.Engine().StateHash(), live[1].app.Engine().StateHash(); h0 != h1 {
		t.Fatalf("state hashes differ: %016x %016x", h0, h1)
	}
}
