package cluster

import (
	"errors"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Defaults of Config (see the package doc for why).
const (
	DefaultElectionTicks       = 10
	DefaultHeartbeatTicks      = 1
	DefaultTickInterval        = 10 * time.Millisecond
	DefaultSnapshotEvery       = 10_000
	DefaultSnapshotMargin      = 5_000
	DefaultMaxSizePerMsg       = 1 << 20
	DefaultMaxInflightMsgs     = 256
	DefaultMaxUncommittedBytes = 64 << 20
)

// Config configures a Core (and the Node that runs one). Zero fields take the
// defaults above.
type Config struct {
	// ID is this node's raft ID (not 0).
	ID uint64
	// Peers are the IDs of the initial voters, this node's included. They are
	// used only to bootstrap an empty Log; a node joining an existing cluster
	// (after a conf change added it) starts with an empty Log and no Peers.
	Peers []uint64
	// Log is the node's raft log (its disk).
	Log Log
	// Transport sends this node's messages.
	Transport Transport
	// Applier is the state machine committed entries are applied to.
	Applier Applier

	// ElectionTicks and HeartbeatTicks are raft's ElectionTick and
	// HeartbeatTick: a follower that hears nothing from a leader for a
	// randomized [ElectionTicks, 2*ElectionTicks) ticks campaigns.
	ElectionTicks, HeartbeatTicks int
	// TickInterval is the duration of one tick in Node.Run (a Core is ticked by
	// its caller).
	TickInterval time.Duration
	// SnapshotEvery is the number of applied entries between two snapshots.
	SnapshotEvery uint64
	// SnapshotMargin is how many entries before a snapshot's index Compact keeps,
	// so that a follower that lags by less catches up from the log rather than
	// by a snapshot transfer.
	SnapshotMargin uint64
	// MaxSizePerMsg bounds the entries of one MsgApp (bytes).
	MaxSizePerMsg uint64
	// MaxInflightMsgs bounds the MsgApps sent to a follower and not yet
	// acknowledged (the pipelining window).
	MaxInflightMsgs int
	// MaxUncommittedBytes bounds the leader's uncommitted entries; past it a
	// proposal fails with raft.ErrProposalDropped (back-pressure on the
	// sequencer while a quorum is slow or lost).
	MaxUncommittedBytes uint64

	// OwnerSnapshots, when true, stops the Core from taking snapshots itself
	// (Applier.AppendSnapshot every SnapshotEvery entries): the owner, whose
	// state machine runs on another goroutine, hands them over at the index
	// they were taken (Core.CreateSnapshot, Node.OfferSnapshot). SnapshotEvery
	// is then the owner's to apply.
	OwnerSnapshots bool
	// OnConfChange, if not nil, is called (on the goroutine that drives the
	// Core) after each conf change entry is applied to raft, with the entry's
	// index, the change (a ConfChange is given as its ConfChangeV2) and the
	// membership after it. It must not block.
	OnConfChange func(index uint64, cc *raftpb.ConfChangeV2, cs *raftpb.ConfState)

	// OnLeadership, if not nil, is called (on the goroutine that drives the
	// Core) whenever Leadership changes. It must not block.
	OnLeadership func(Leadership)
	// Logger receives raft's own log lines; nil discards them (library code
	// never prints). Its Panic and Fatal methods must not return.
	Logger raft.Logger
}

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.ID == 0 {
		return d, errors.New("cluster: Config.ID must not be 0")
	}
	if d.Log == nil || d.Transport == nil || d.Applier == nil {
		return d, errors.New("cluster: Config needs a Log, a Transport and an Applier")
	}
	for _, p := range d.Peers {
		if p == 0 {
			return d, errors.New("cluster: Config.Peers holds node ID 0")
		}
	}
	if d.ElectionTicks == 0 {
		d.ElectionTicks = DefaultElectionTicks
	}
	if d.HeartbeatTicks == 0 {
		d.HeartbeatTicks = DefaultHeartbeatTicks
	}
	if d.HeartbeatTicks < 0 || d.ElectionTicks <= d.HeartbeatTicks {
		return d, errors.New("cluster: Config.ElectionTicks must exceed HeartbeatTicks (> 0)")
	}
	if d.TickInterval == 0 {
		d.TickInterval = DefaultTickInterval
	}
	if d.TickInterval < 0 {
		return d, errors.New("cluster: Config.TickInterval is negative")
	}
	if d.SnapshotEvery == 0 {
		d.SnapshotEvery = DefaultSnapshotEvery
	}
	if d.SnapshotMargin == 0 {
		d.SnapshotMargin = DefaultSnapshotMargin
	}
	if d.MaxSizePerMsg == 0 {
		d.MaxSizePerMsg = DefaultMaxSizePerMsg
	}
	if d.MaxInflightMsgs == 0 {
		d.MaxInflightMsgs = DefaultMaxInflightMsgs
	}
	if d.MaxInflightMsgs < 0 {
		return d, errors.New("cluster: Config.MaxInflightMsgs is negative")
	}
	if d.MaxUncommittedBytes == 0 {
		d.MaxUncommittedBytes = DefaultMaxUncommittedBytes
	}
	if d.Logger == nil {
		d.Logger = discardLogger{}
	}
	return d, nil
}
