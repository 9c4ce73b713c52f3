package cluster

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Leadership is what a node knows of the cluster's leader.
type Leadership struct {
	// Leader is the leader's node ID, 0 while none is known.
	Leader uint64
	// Term is the raft term this node is in.
	Term uint64
	// Local is true while this node is the raft leader.
	Local bool
	// Serving is true once this node is the leader and has applied every entry
	// before its term's first one (raft's empty entry): its engine holds every
	// command an earlier leader got committed, so its sequencer may continue
	// from the engine's LastSeq and its gateway may accept logons. A leader
	// that is not yet Serving must not propose commands.
	Serving bool
}

// Core is one raft node, single-threaded and deterministic: it never reads a
// clock or starts a goroutine. Its caller ticks it, steps it with received
// messages, proposes through it and calls Process to do the I/O raft asks for
// (Log, Transport, Applier). Node runs a Core in production; the simulator
// drives many Cores from one goroutine.
//
// Once a Log, Transport or Applier call fails (or raft panics on a broken
// invariant), the Core is stopped: every later call returns that error.
type Core struct {
	cfg       Config
	rn        *raft.RawNode
	confState *raftpb.ConfState
	// confHist holds the membership before each conf change applied after
	// the last snapshot (oldest first), for a snapshot the owner takes at an
	// index before the latest change (OwnerSnapshots).
	confHist  []confAt
	confGen   uint64 // counts the conf changes applied and snapshots restored
	commit    uint64 // the last HardState's commit index
	applied   uint64
	snapIndex uint64
	term      uint64
	lead      Leadership
	removed   bool
	err       error
}

// NewCore starts a node from cfg.Log: it restores the Applier from the Log's
// snapshot (if any) and lets raft replay the committed entries after it on the
// first Process. An empty Log with Peers is bootstrapped with those voters.
func NewCore(cfg Config) (c *Core, err error) {
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c = &Core{cfg: full}
	log := full.Log
	hs, cs, err := log.InitialState()
	if err != nil {
		return nil, fmt.Errorf("cluster: reading the log's initial state: %w", err)
	}
	snap, err := log.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("cluster: reading the log's snapshot: %w", err)
	}
	last, err := log.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("cluster: reading the log's last index: %w", err)
	}
	if !raft.IsEmptySnap(snap) {
		idx := snap.GetMetadata().GetIndex()
		if err := full.Applier.Restore(idx, snap.GetData()); err != nil {
			return nil, err
		}
		c.applied, c.snapIndex = idx, idx
	}
	c.confState = proto.Clone(cs).(*raftpb.ConfState)
	c.term, c.commit = hs.GetTerm(), hs.GetCommit()
	c.lead.Term = c.term
	rc := &raft.Config{
		ID:                        full.ID,
		ElectionTick:              full.ElectionTicks,
		HeartbeatTick:             full.HeartbeatTicks,
		Storage:                   log,
		Applied:                   c.applied,
		MaxSizePerMsg:             full.MaxSizePerMsg,
		MaxInflightMsgs:           full.MaxInflightMsgs,
		MaxUncommittedEntriesSize: full.MaxUncommittedBytes,
		CheckQuorum:               true,
		PreVote:                   true,
		DisableProposalForwarding: true,
		StepDownOnRemoval:         true,
		Logger:                    full.Logger,
	}
	defer func() {
		if err != nil {
			c = nil
		}
	}()
	defer c.recoverRaft(&err)
	if c.rn, err = raft.NewRawNode(rc); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if raft.IsEmptyHardState(hs) && last == 0 && raft.IsEmptySnap(snap) && len(full.Peers) > 0 {
		peers := make([]raft.Peer, len(full.Peers))
		for i, id := range full.Peers {
			peers[i].ID = id
		}
		if err := c.rn.Bootstrap(peers); err != nil {
			return nil, fmt.Errorf("cluster: bootstrapping the log: %w", err)
		}
	}
	return c, nil
}

// confAt is the membership that held up to (not including) index.
type confAt struct {
	index uint64
	cs    *raftpb.ConfState
}

// recoverRaft turns a raft panic (a broken invariant: raft panics rather than
// returning errors for those) into the Core's error.
func (c *Core) recoverRaft(err *error) {
	if r := recover(); r != nil {
		c.err = fmt.Errorf("cluster: raft: %v", r)
		*err = c.err
	}
}

// ID is the node's raft ID.
func (c *Core) ID() uint64 { return c.cfg.ID }

// Err is the error that stopped the Core, nil while it runs.
func (c *Core) Err() error { return c.err }

// Leadership is the node's view of the leader after the last Process.
func (c *Core) Leadership() Leadership { return c.lead }

// Applied is the raft index of the last entry applied (or snapshot restored).
func (c *Core) Applied() uint64 { return c.applied }

// Removed reports whether a conf change applied here removed this node.
func (c *Core) Removed() bool { return c.removed }

// Commit is the commit index of the last HardState (what this node knows is
// committed).
func (c *Core) Commit() uint64 { return c.commit }

// ConfGen changes whenever the membership may have changed (a conf change
// applied, a snapshot restored), for a caller that caches ConfState.
func (c *Core) ConfGen() uint64 { return c.confGen }

// ConfState is a copy of the membership as of the last applied entry.
func (c *Core) ConfState() *raftpb.ConfState {
	return proto.Clone(c.confState).(*raftpb.ConfState)
}

// Tick advances raft's logical clock by one tick.
func (c *Core) Tick() (err error) {
	if c.err != nil {
		return c.err
	}
	defer c.recoverRaft(&err)
	c.rn.Tick()
	return nil
}

// Step hands raft a message received from a peer. Messages raft refuses (a
// local message type from the network, a response from a node not in the
// configuration) return raft's error without stopping the Core.
func (c *Core) Step(m *raftpb.Message) (err error) {
	if c.err != nil {
		return c.err
	}
	defer c.recoverRaft(&err)
	return c.rn.Step(m)
}

// Propose appends a batch (entry format) to the leader's log. It fails with
// raft.ErrProposalDropped on a node that is not the leader (proposals are not
// forwarded: the leader's sequencer assigns seqs from its engine) or while the
// uncommitted entries exceed MaxUncommittedBytes. Success means appended, not
// committed: a deposed leader's entries may never commit.
func (c *Core) Propose(data []byte) (err error) {
	if c.err != nil {
		return c.err
	}
	defer c.recoverRaft(&err)
	return c.rn.Propose(data)
}

// ProposeConfChange proposes a membership change on the leader (ConfChangeV2:
// several changes at once go through joint consensus, which raft leaves
// automatically). Replacing a dead node is one change adding the new node and
// removing the dead one. It fails with raft.ErrProposalDropped on a follower;
// raft also turns it into an empty entry while an earlier conf change is not
// applied, so callers check ConfState and retry.
func (c *Core) ProposeConfChange(cc *raftpb.ConfChangeV2) (err error) {
	if c.err != nil {
		return c.err
	}
	defer c.recoverRaft(&err)
	return c.rn.ProposeConfChange(cc)
}

// ReportUnreachable tells raft that the last message to id could not be sent
// (the leader then probes it instead of pipelining).
func (c *Core) ReportUnreachable(id uint64) {
	if c.err != nil {
		return
	}
	defer c.recoverRaft(new(error))
	c.rn.ReportUnreachable(id)
}

// ReportSnapshot tells raft whether the MsgSnap sent to id was delivered.
func (c *Core) ReportSnapshot(id uint64, failed bool) {
	if c.err != nil {
		return
	}
	defer c.recoverRaft(new(error))
	st := raft.SnapshotFinish
	if failed {
		st = raft.SnapshotFailure
	}
	c.rn.ReportSnapshot(id, st)
}

// HasReady reports whether Process has work to do.
func (c *Core) HasReady() bool { return c.err == nil && c.rn.HasReady() }

// Process handles every pending Ready, each in the order decision 4 fixes: the
// snapshot, HardState and entries are made durable (Log.ApplySnapshot,
// Log.Save), then the messages are sent, then the snapshot and committed
// entries are applied (normal entries to the Applier, conf changes to raft),
// then raft is told (Advance). It also takes a snapshot every SnapshotEvery
// applied entries and compacts the log, and calls OnLeadership on a change.
func (c *Core) Process() (err error) {
	if c.err != nil {
		return c.err
	}
	defer c.recoverRaft(&err)
	for c.rn.HasReady() {
		rd := c.rn.Ready()
		if err := c.handle(&rd); err != nil {
			c.err = err
			return err
		}
		c.rn.Advance(rd)
	}
	return nil
}

func (c *Core) handle(rd *raft.Ready) error {
	prev := c.lead
	if hs := rd.HardState; hs != nil && !raft.IsEmptyHardState(hs) {
		c.term, c.commit = hs.GetTerm(), hs.GetCommit()
	}
	c.lead.Term = c.term
	if ss := rd.SoftState; ss != nil {
		c.lead.Leader = ss.Lead
		c.lead.Local = ss.RaftState == raft.StateLeader
		if !c.lead.Local {
			c.lead.Serving = false
		}
	}
	// A leader sends first and writes its own log meanwhile (raft thesis
	// §10.2.1; etcd's server does the same with this non-async RawNode): its
	// messages are appends, heartbeats and snapshots for the followers, whose
	// acknowledgements come only after their own fsync, and raft counts the
	// leader's copy of an entry towards a quorum only after Advance, that is
	// after the Save below. So the leader's fsync and the followers' run in
	// parallel instead of in series, and nothing commits (or is applied and
	// acknowledged) before a majority holds it durably. Any other node (a
	// follower's append acknowledgements, a vote) sends only after its Save:
	// those messages promise what is on its disk.
	sendFirst := c.lead.Local
	if sendFirst && len(rd.Messages) > 0 {
		c.cfg.Transport.Send(rd.Messages)
	}
	log := c.cfg.Log
	snap := rd.Snapshot
	hasSnap := snap != nil && !raft.IsEmptySnap(snap)
	if hasSnap {
		if err := log.ApplySnapshot(snap); err != nil {
			return fmt.Errorf("cluster: saving the snapshot at raft index %d: %w", snap.GetMetadata().GetIndex(), err)
		}
	}
	if !raft.IsEmptyHardState(rd.HardState) || len(rd.Entries) > 0 {
		if err := log.Save(rd.HardState, rd.Entries); err != nil {
			return fmt.Errorf("cluster: saving raft state and %d entries: %w", len(rd.Entries), err)
		}
	}
	if !sendFirst && len(rd.Messages) > 0 {
		c.cfg.Transport.Send(rd.Messages)
	}
	if hasSnap {
		idx := snap.GetMetadata().GetIndex()
		if err := c.cfg.Applier.Restore(idx, snap.GetData()); err != nil {
			return err
		}
		c.applied, c.snapIndex = idx, idx
		c.confState = proto.Clone(snap.GetMetadata().GetConfState()).(*raftpb.ConfState)
		c.confHist = c.confHist[:0]
		c.confGen++
	}
	for _, e := range rd.CommittedEntries {
		if err := c.apply(e); err != nil {
			return err
		}
	}
	if len(rd.CommittedEntries) > 0 {
		if err := c.maybeSnapshot(); err != nil {
			return err
		}
	}
	if c.lead != prev && c.cfg.OnLeadership != nil {
		c.cfg.OnLeadership(c.lead)
	}
	return nil
}

func (c *Core) apply(e *raftpb.Entry) error {
	idx := e.GetIndex()
	if idx <= c.applied {
		return nil // covered by a snapshot restored in the same Ready
	}
	switch e.GetType() {
	case raftpb.EntryNormal:
		if err := c.cfg.Applier.ApplyBatch(idx, e.GetData()); err != nil {
			return err
		}
	case raftpb.EntryConfChange:
		cc := &raftpb.ConfChange{}
		if err := proto.Unmarshal(e.GetData(), cc); err != nil {
			return fmt.Errorf("cluster: conf change at raft index %d: %w", idx, err)
		}
		c.applyConfChange(idx, cc)
	case raftpb.EntryConfChangeV2:
		cc := &raftpb.ConfChangeV2{}
		if err := proto.Unmarshal(e.GetData(), cc); err != nil {
			return fmt.Errorf("cluster: conf change at raft index %d: %w", idx, err)
		}
		c.applyConfChange(idx, cc)
	default:
		return fmt.Errorf("cluster: raft entry %d of unknown type %d", idx, e.GetType())
	}
	c.applied = idx
	if c.lead.Local && !c.lead.Serving && e.GetTerm() == c.term {
		c.lead.Serving = true
	}
	return nil
}

func (c *Core) applyConfChange(idx uint64, cc raftpb.ConfChangeI) {
	if c.cfg.OwnerSnapshots {
		c.confHist = append(c.confHist, confAt{idx, c.confState})
	}
	c.confState = c.rn.ApplyConfChange(cc)
	c.confGen++
	c.removed = !contains(c.confState.GetVoters(), c.cfg.ID) && !contains(c.confState.GetLearners(), c.cfg.ID) &&
		!contains(c.confState.GetVotersOutgoing(), c.cfg.ID)
	if c.cfg.OnConfChange != nil {
		c.cfg.OnConfChange(idx, cc.AsV2(), c.confState)
	}
}

func contains(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// maybeSnapshot snapshots the Applier every SnapshotEvery applied entries and
// compacts the log to SnapshotMargin entries before the snapshot.
func (c *Core) maybeSnapshot() error {
	if c.cfg.OwnerSnapshots || c.applied-c.snapIndex < c.cfg.SnapshotEvery {
		return nil
	}
	return c.snapshot(c.applied, c.confState, c.cfg.Applier.AppendSnapshot(nil))
}

// CreateSnapshot records data, the state machine's snapshot taken right after
// the entry at index was applied (OwnerSnapshots: the owner's state machine
// may lag the Core), as the raft snapshot at index with the membership that
// held there, and compacts the log to SnapshotMargin entries before it. An
// index at or below the last snapshot's is ignored; one beyond the applied
// index is an error (and does not stop the Core).
func (c *Core) CreateSnapshot(index uint64, data []byte) (err error) {
	if c.err != nil {
		return c.err
	}
	if index <= c.snapIndex {
		return nil
	}
	if index > c.applied {
		return fmt.Errorf("cluster: snapshot at raft index %d is past the applied index %d", index, c.applied)
	}
	cs := c.confState
	keep := 0
	for i, h := range c.confHist {
		if h.index > index {
			cs = h.cs // the membership before the first change after index
			keep = i
			break
		}
		keep = i + 1
	}
	c.confHist = append(c.confHist[:0], c.confHist[keep:]...)
	if err := c.snapshot(index, cs, data); err != nil {
		c.err = err
		return err
	}
	return nil
}

// snapshot creates the raft snapshot at index and compacts the log.
func (c *Core) snapshot(index uint64, cs *raftpb.ConfState, data []byte) error {
	log := c.cfg.Log
	if _, err := log.CreateSnapshot(index, cs, data); err != nil && !errors.Is(err, raft.ErrSnapOutOfDate) {
		return fmt.Errorf("cluster: creating the snapshot at raft index %d: %w", index, err)
	}
	c.snapIndex = index
	if index <= c.cfg.SnapshotMargin {
		return nil
	}
	compact := index - c.cfg.SnapshotMargin
	first, err := log.FirstIndex()
	if err != nil {
		return fmt.Errorf("cluster: compacting the log: %w", err)
	}
	if compact < first {
		return nil
	}
	if err := log.Compact(compact); err != nil && !errors.Is(err, raft.ErrCompacted) {
		return fmt.Errorf("cluster: compacting the log to raft index %d: %w", compact, err)
	}
	return nil
}
