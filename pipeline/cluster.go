package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

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
}

var errClusterTODO = errors.New("pipeline: cluster mode not implemented yet")

// Leadership returns this node's latest view of the leader. A single-node
// pipeline is always its own serving leader.
func (p *Pipeline) Leadership() Leadership {
	return Leadership{Leadership: cluster.Leadership{Local: true, Serving: true}}
}

// ClusterStatus returns the node's raft state (Enabled false for a single
// node). It allocates: call it at scrape time.
func (p *Pipeline) ClusterStatus() ClusterStatus { return ClusterStatus{} }

// AddMember adds node id, reachable at raftAddr, as a voter (a ConfChangeV2
// whose Context carries the address, so every node's transport learns it).
// Only the serving leader can: ErrNotLeader otherwise.
func (p *Pipeline) AddMember(ctx context.Context, id uint64, raftAddr string) error {
	return errClusterTODO
}

// RemoveMember removes node id from the voters (a ConfChangeV2). Only the
// serving leader can: ErrNotLeader otherwise.
func (p *Pipeline) RemoveMember(ctx context.Context, id uint64) error {
	return errClusterTODO
}
