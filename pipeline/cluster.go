package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/transport"
)

// ClusterOptions run the pipeline as one node of a raft cluster (issue 14,
// contract §8). Options.Cluster nil runs a single node.
type ClusterOptions struct {
	// NodeID is this node's raft ID (not 0).
	NodeID uint64
	// ClusterID must agree on both sides of every raft connection (default 1).
	ClusterID uint64
	// Peers holds the raft host:port of every initial voter, this node's
	// included (it listens on its own).
	Peers map[uint64]string
	// AdvertiseFIX is this node's FIX host:port, advertised through the log
	// when it leads.
	AdvertiseFIX string
	// TickInterval is raft's tick (0: cluster.DefaultTickInterval).
	TickInterval time.Duration
	// ElectionTicks is raft's election timeout in ticks (0:
	// cluster.DefaultElectionTicks).
	ElectionTicks int
	// OnLeadership is called on every change of Leadership, on the node's
	// goroutine; it must not block.
	OnLeadership func(Leadership)
	// Logger receives raft's and the transport's lines (off the hot path).
	Logger zerolog.Logger
	// Join starts a node that a serving leader's AddMember added to a running
	// cluster: its data directory is empty and it is not bootstrapped with
	// Peers as the initial voters (it learns the membership from the leader).
	// Peers must still hold this node's address (to listen on) and should hold
	// the other members' (to answer them before their conf changes reach it).
	Join bool

	// testFilter, when set (tests only), sees every raft message sent or
	// received and drops those it returns false for: a partition.
	testFilter func(m *raftpb.Message) bool
	// snapshotEvery and snapshotMargin override the entries between raft
	// snapshots and those kept before one (tests).
	snapshotEvery, snapshotMargin uint64
}

// Leadership is what this node knows of the cluster's leader.
type Leadership struct {
	cluster.Leadership // Leader, Term, Local, Serving
	// LeaderFIX is the leader's advertised FIX address, "" while unknown.
	LeaderFIX string
}

// ErrNotLeader is returned by Submit, AddMember and RemoveMember on a node that
// is not the serving leader.
var ErrNotLeader = errors.New("pipeline: not the serving leader")

// ClusterStatus is a view of the node's raft state for metrics and HTTP.
type ClusterStatus struct {
	// Enabled is false for a single-node pipeline (every other field zero).
	Enabled bool
	// Node is this node's ID.
	Node uint64
	// Leadership is this node's view of the leader (term, leader ID, Local,
	// Serving, the leader's FIX address).
	Leadership Leadership
	// Commit is the raft commit index this node knows, Applied the index of
	// the last entry its matcher applied.
	Commit, Applied uint64
	// Members are the voters of the current configuration, by ID, with their
	// raft address where known.
	Members map[uint64]string
	// Transport holds the transport's counters.
	Transport transport.Stats
	// Dropped counts the commands this node sequenced that were not proposed
	// because it lost the leadership first: they get no report (clients ask
	// with OrderStatusRequest).
	Dropped uint64
}

// Leadership returns this node's latest view of the leader. A single-node
// pipeline is always its own serving leader.
func (p *Pipeline) Leadership() Leadership {
	if p.cl == nil {
		return Leadership{Leadership: cluster.Leadership{Local: true, Serving: true}}
	}
	c := p.cl
	if !p.started.Load() { // c.node is set before started
		return *c.lead.Load()
	}
	return c.leadership(c.node.Leadership())
}

// ClusterStatus returns the node's raft state (Enabled false for a single
// node). It allocates: call it at scrape time.
func (p *Pipeline) ClusterStatus() ClusterStatus {
	c := p.cl
	if c == nil {
		return ClusterStatus{}
	}
	st := ClusterStatus{Enabled: true, Node: c.opts.NodeID, Leadership: p.Leadership(), Applied: c.applied.Load(),
		Members: make(map[uint64]string)}
	if !p.started.Load() {
		st.Commit = c.skipTo
		for id, a := range c.openMeta.Members {
			st.Members[id] = a
		}
		return st
	}
	ns := c.node.Status()
	st.Commit = ns.Commit
	c.mu.Lock()
	for _, id := range ns.ConfState.GetVoters() {
		st.Members[id] = c.members[id]
	}
	c.mu.Unlock()
	st.Transport = c.tr.Stats()
	st.Dropped = c.dropped.Load()
	return st
}

// AddMember adds node id, reachable at raftAddr, as a voter (a ConfChangeV2
// whose Context carries the address, so every node's transport learns it when
// the change applies). Only the serving leader can: ErrNotLeader otherwise. It
// returns once this node has applied the change, or with ctx's error (the
// change may still apply: check ClusterStatus().Members). The new node starts
// from an empty data directory with ClusterOptions.Join.
func (p *Pipeline) AddMember(ctx context.Context, id uint64, raftAddr string) error {
	if id == 0 || raftAddr == "" {
		return fmt.Errorf("pipeline: AddMember: node %d at %q: need an ID and an address", id, raftAddr)
	}
	cc := &raftpb.ConfChangeV2{Changes: []*raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeAddNode.Enum(), NodeId: new(id)}},
		Context: []byte(raftAddr)}
	return p.changeMembers(ctx, cc, id, true)
}

// RemoveMember removes node id from the voters (a ConfChangeV2). Only the
// serving leader can: ErrNotLeader otherwise. It returns once this node has
// applied the change, or with ctx's error.
func (p *Pipeline) RemoveMember(ctx context.Context, id uint64) error {
	cc := &raftpb.ConfChangeV2{Changes: []*raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeRemoveNode.Enum(), NodeId: new(id)}}}
	return p.changeMembers(ctx, cc, id, false)
}

// Polling interval of AddMember and RemoveMember while the change commits.
const memberPoll = 5 * time.Millisecond

func (p *Pipeline) changeMembers(ctx context.Context, cc *raftpb.ConfChangeV2, id uint64, add bool) error {
	c := p.cl
	if c == nil {
		return errors.New("pipeline: membership changes need cluster mode (Options.Cluster)")
	}
	if !p.started.Load() {
		return ErrNotStarted
	}
	has := func() bool { return slices.Contains(c.node.Status().ConfState.GetVoters(), id) }
	for {
		if has() == add {
			return nil
		}
		if !c.node.Leadership().Serving {
			return ErrNotLeader
		}
		// raft turns a change proposed while another is pending into an empty
		// entry: propose again until it shows.
		if err := c.node.ProposeConfChange(ctx, cc); err != nil {
			if errors.Is(err, raft.ErrProposalDropped) {
				return ErrNotLeader
			}
			return fmt.Errorf("pipeline: membership change: %w", err)
		}
		for range 200 {
			if has() == add {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("pipeline: membership change proposed, not yet applied: %w", ctx.Err())
			case <-c.done:
				return ErrStopped
			case <-time.After(memberPoll):
			}
		}
	}
}

// closeCluster is Close in cluster mode: the proposals in the inbound ring go
// to raft, then the node and the transport stop, the apply and outbound rings
// drain, and a final raft snapshot is taken at the last applied entry.
func (p *Pipeline) closeCluster(started bool) error {
	c := p.cl
	var err error
	if started {
		err = c.pub.Close()
		c.cancel()
		<-c.done
		c.tr.Stop()
		if e := c.apply.Close(); err == nil {
			err = e
		}
		if e := p.out.Close(); err == nil {
			err = e
		}
		if f := p.failed.Load(); f != nil && err == nil {
			err = *f
		}
		if err == nil && c.m.index > c.skipTo {
			data := cluster.AppendSnapshotData(nil, &c.m.meta, p.eng.AppendSnapshot)
			if e := c.node.FinalSnapshot(c.m.index, data); e != nil {
				err = &storageError{ErrSnapshot, fmt.Errorf("pipeline: final raft snapshot at index %d: %w", c.m.index, e)}
			}
		}
	}
	if e := c.log.Close(); err == nil && e != nil {
		err = &storageError{ErrJournal, fmt.Errorf("pipeline: %w", e)}
	}
	if e := p.lock.Unlock(); err == nil {
		err = e
	}
	return err
}

func (p *Pipeline) clusterStats() Stats {
	c := p.cl
	// Sequenced: what this node's sequencer assigned in the term it serves;
	// on a node that does not serve, the last command applied.
	s := Stats{Matched: p.matched.Load(), Sent: p.sent.Load(), MatcherPinned: p.matcher != nil && p.matcher.Pinned()}
	s.Sequenced = s.Matched
	if c.promo.Load().serving {
		s.Sequenced = max(c.sequenced.Load(), s.Matched)
	}
	s.Durable = s.Matched // applied = committed
	s.InboundUsed = c.in.Written() - c.in.Consumed()
	s.OutboundUsed = p.out.Written() - p.out.Consumed()
	if f := p.failed.Load(); f != nil {
		s.Err = *f
	}
	return s
}
