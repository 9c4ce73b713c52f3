package cluster

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// ErrStopped is returned by a Node's methods once its Run has returned.
var ErrStopped = errors.New("cluster: node stopped")

// ErrNotServing is returned by ProposeIn when the node is not the Serving
// leader of the term the proposal was sequenced in.
var ErrNotServing = errors.New("cluster: not the serving leader of the proposal's term")

// Status is a Node's progress, as of its last Process.
type Status struct {
	// Commit is the commit index this node knows, Applied the index of the
	// last entry handed to the Applier (or snapshot restored).
	Commit, Applied uint64
	// ConfState is the membership as of Applied (shared: do not modify).
	ConfState *raftpb.ConfState
	// Removed is set once a conf change removed this node.
	Removed bool
}

// Node runs a Core on its own goroutine (Run): it ticks it every TickInterval,
// steps the messages the Transport received (Receive), proposes what other
// goroutines hand it (Propose, ProposeConfChange) and processes every Ready.
// Its methods are safe for concurrent use.
type Node struct {
	core    *Core
	tick    time.Duration
	props   chan *proposal
	recv    chan *raftpb.Message
	reports chan report
	snaps   chan ownerSnapshot
	done    chan struct{}
	lead    atomic.Pointer[Leadership]
	status  atomic.Pointer[Status]
	confGen uint64 // of the ConfState in status (loop only)
	onLead  func(Leadership)
	pool    sync.Pool // of *proposal
	stopErr error     // set before done is closed
}

type proposal struct {
	data []byte
	cc   *raftpb.ConfChangeV2
	term uint64 // ProposeIn: the term the batch was sequenced in (0: any)
	errc chan error
}

type ownerSnapshot struct {
	index uint64
	data  []byte
}

type report struct {
	id          uint64
	snapshot    bool
	unreachable bool
	failed      bool
}

// NewNode builds the node's Core from cfg (see NewCore); Run starts it.
func NewNode(cfg Config) (*Node, error) {
	n := &Node{
		props:   make(chan *proposal, 256),
		recv:    make(chan *raftpb.Message, 1024),
		reports: make(chan report, 256),
		snaps:   make(chan ownerSnapshot, 1),
		done:    make(chan struct{}),
		onLead:  cfg.OnLeadership,
	}
	cfg.OnLeadership = n.leadershipChanged
	core, err := NewCore(cfg)
	if err != nil {
		return nil, err
	}
	n.core, n.tick = core, core.cfg.TickInterval
	n.lead.Store(&Leadership{})
	n.publishStatus()
	n.pool.New = func() any { return &proposal{errc: make(chan error, 1)} }
	return n, nil
}

func (n *Node) leadershipChanged(l Leadership) {
	n.lead.Store(&l)
	if n.onLead != nil {
		n.onLead(l)
	}
}

// ID is the node's raft ID.
func (n *Node) ID() uint64 { return n.core.ID() }

// Leadership is the node's latest view of the leader.
func (n *Node) Leadership() Leadership { return *n.lead.Load() }

// Status is the node's progress as of its last Process (safe from any
// goroutine).
func (n *Node) Status() Status { return *n.status.Load() }

func (n *Node) publishStatus() {
	c := n.core
	st := Status{Commit: c.Commit(), Applied: c.Applied(), Removed: c.Removed()}
	if old := n.status.Load(); old != nil && n.confGen == c.ConfGen() {
		st.ConfState = old.ConfState
	} else {
		st.ConfState, n.confGen = c.ConfState(), c.ConfGen()
	}
	if old := n.status.Load(); old == nil || *old != st {
		n.status.Store(&st)
	}
}

// Run drives the Core until ctx is done (it returns ctx's error) or the Core
// stops (it returns the Core's error, e.g. a *DivergenceError). Call it once.
func (n *Node) Run(ctx context.Context) error {
	err := n.run(ctx)
	n.stopErr = err
	close(n.done)
	return err
}

func (n *Node) run(ctx context.Context) error {
	t := time.NewTicker(n.tick)
	defer t.Stop()
	c := n.core
	if err := c.Process(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := c.Tick(); err != nil {
				return err
			}
		case p := <-n.props:
			n.propose(p)
			n.drainProposals()
		case m := <-n.recv:
			n.step(m)
			n.drainReceived()
		case r := <-n.reports:
			n.reportTo(r)
		case s := <-n.snaps:
			if err := c.CreateSnapshot(s.index, s.data); err != nil && c.Err() != nil {
				return err
			}
		}
		if err := c.Process(); err != nil {
			return err
		}
		n.publishStatus()
	}
}

// drain* take what else is queued, up to a bound, so that one Ready (one Log
// group commit, one Send) covers many proposals and messages.
func (n *Node) drainProposals() {
	for range 64 {
		select {
		case p := <-n.props:
			n.propose(p)
		default:
			return
		}
	}
}

func (n *Node) drainReceived() {
	for range 256 {
		select {
		case m := <-n.recv:
			n.step(m)
		default:
			return
		}
	}
}

func (n *Node) propose(p *proposal) {
	var err error
	if p.cc != nil {
		err = n.core.ProposeConfChange(p.cc)
	} else if l := n.core.Leadership(); p.term != 0 && (!l.Serving || l.Term != p.term) {
		err = ErrNotServing
	} else {
		err = n.core.Propose(p.data)
	}
	p.errc <- err
}

func (n *Node) step(m *raftpb.Message) {
	// A refused message (from a removed node, a local type off the network) is
	// dropped as raft would drop a lost one; a stopped Core shows in Process.
	_ = n.core.Step(m)
}

func (n *Node) reportTo(r report) {
	if r.snapshot {
		n.core.ReportSnapshot(r.id, r.failed)
	}
	if r.unreachable {
		n.core.ReportUnreachable(r.id)
	}
}

// Propose appends a batch (entry format) to the log if this node is the leader:
// it returns once raft took it (nil: appended, not yet committed) or refused
// it (raft.ErrProposalDropped), or when ctx is done or the node stops. Only a
// Serving leader's sequencer should propose commands (see Leadership).
func (n *Node) Propose(ctx context.Context, data []byte) error {
	return n.submit(ctx, data, nil, 0)
}

// ProposeIn is Propose for a batch sequenced while this node was the Serving
// leader of term: the node loop refuses it with ErrNotServing unless it is
// still, in that same term (a batch sequenced from an engine in one term must
// not be appended in another: its seqs could repeat the next term's). Raft
// keeps data: the caller must not reuse it.
func (n *Node) ProposeIn(ctx context.Context, term uint64, data []byte) error {
	if term == 0 {
		return ErrNotServing
	}
	return n.submit(ctx, data, nil, term)
}

// ProposeConfChange proposes a membership change on the leader (see
// Core.ProposeConfChange).
func (n *Node) ProposeConfChange(ctx context.Context, cc *raftpb.ConfChangeV2) error {
	return n.submit(ctx, nil, cc, 0)
}

// OfferSnapshot hands the node loop a snapshot of the state machine taken
// right after the entry at index was applied (Config.OwnerSnapshots), for
// Core.CreateSnapshot. It does not block: false means the previous one is not
// taken yet (or the node stopped), and this one is dropped. The node keeps
// data.
func (n *Node) OfferSnapshot(index uint64, data []byte) bool {
	select {
	case <-n.done:
		return false
	default:
	}
	select {
	case n.snaps <- ownerSnapshot{index, data}:
		return true
	default:
		return false
	}
}

// FinalSnapshot creates the raft snapshot at index (Core.CreateSnapshot) once
// Run has returned (a last snapshot at shutdown); before, it returns an error.
func (n *Node) FinalSnapshot(index uint64, data []byte) error {
	select {
	case <-n.done:
	default:
		return errors.New("cluster: FinalSnapshot while the node runs")
	}
	if n.core.Err() != nil {
		return n.core.Err()
	}
	return n.core.CreateSnapshot(index, data)
}

func (n *Node) submit(ctx context.Context, data []byte, cc *raftpb.ConfChangeV2, term uint64) error {
	p := n.pool.Get().(*proposal)
	p.data, p.cc, p.term = data, cc, term
	select {
	case n.props <- p:
	case <-ctx.Done():
		n.pool.Put(p)
		return ctx.Err()
	case <-n.done:
		n.pool.Put(p)
		return n.stoppedErr()
	}
	// Once queued, Run answers, unless it ends first: then p may still sit in
	// the queue, so it is not put back in the pool.
	select {
	case err := <-p.errc:
		p.data, p.cc, p.term = nil, nil, 0
		n.pool.Put(p)
		return err
	case <-n.done:
		select {
		case err := <-p.errc:
			return err
		default:
			return n.stoppedErr()
		}
	}
}

func (n *Node) stoppedErr() error {
	if n.stopErr != nil && !errors.Is(n.stopErr, context.Canceled) {
		return errors.Join(ErrStopped, n.stopErr)
	}
	return ErrStopped
}

// Receive hands the node a message from a peer (the Transport's handler). It
// blocks while the node's queue is full (back-pressure on that connection) and
// drops the message once the node has stopped.
func (n *Node) Receive(m *raftpb.Message) {
	select {
	case n.recv <- m:
	case <-n.done:
	}
}

// ReportUnreachable tells raft that a message to id could not be sent.
func (n *Node) ReportUnreachable(id uint64) {
	n.queueReport(report{id: id, unreachable: true})
}

// ReportSnapshot tells raft whether the MsgSnap to id was delivered.
func (n *Node) ReportSnapshot(id uint64, failed bool) {
	n.queueReport(report{id: id, snapshot: true, failed: failed})
}

func (n *Node) queueReport(r report) {
	select {
	case n.reports <- r:
	case <-n.done:
	}
}
