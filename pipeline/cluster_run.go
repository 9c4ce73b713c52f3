package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/transport"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/ringbuffer"
)

// Slot kinds of the cluster inbound ring.
const (
	inVoid    uint8 = iota // claimed by a Submit that then found the node not serving
	inCommand              // a sequenced command
	inMarker               // a new serving term began: propose the leader item
)

// inSlot is a slot of the cluster inbound ring: a command and the serving term
// it was sequenced in.
type inSlot struct {
	cmd  engine.Command
	term uint64
	kind uint8
}

// Slot kinds of the apply ring.
const (
	applyMark       uint8 = iota // an entry with nothing for the matcher (raft's empty entry, a conf change)
	applyCommand                 // cmd
	applyCheckpoint              // seq, hash
	applyLeader                  // node, addr
	applyMember                  // node, addr (added) or removed
	applyRestore                 // data: a cluster snapshot at index
)

// applySlot is a slot of the apply ring, written by the node loop (the
// Applier) and read by the matcher.
type applySlot struct {
	cmd     engine.Command
	index   uint64 // raft index of the entry
	seq     uint64 // checkpoint seq
	hash    uint64 // checkpoint hash
	node    uint64
	addr    string
	data    []byte
	kind    uint8
	last    bool // the entry's last slot
	removed bool // applyMember: node was removed
}

// promotion is the sequencer's view of leadership, published by the node
// loop: serving in term, continuing after lastSeq and lastTime.
type promotion struct {
	serving  bool
	term     uint64
	lastSeq  uint64
	lastTime int64
}

type leaderRecord struct {
	node uint64
	fix  string
}

// Batches handed to raft: at most this many bytes (raft's MaxSizePerMsg is
// 1 MiB; one entry larger than it would still be sent alone).
const maxBatchBytes = 512 << 10

// clusterState is a Pipeline's cluster mode (Options.Cluster).
type clusterState struct {
	p        *Pipeline
	opts     ClusterOptions
	log      logCloser
	skipTo   uint64 // entries up to here were applied by Open
	openMeta cluster.SnapshotMeta

	node   *cluster.Node
	tr     *transport.Transport
	ctx    context.Context
	cancel context.CancelFunc
	runErr error
	done   chan struct{} // closed when the node loop has returned

	in    *ringbuffer.Ring[inSlot]
	pub   *ringbuffer.Publisher[inSlot]
	apply *ringbuffer.Ring[applySlot]

	// Sequencer state, guarded by pub's lock.
	seqTerm  uint64
	nextSeq  uint64
	lastTime int64

	promo     atomic.Pointer[promotion]
	sequenced atomic.Uint64
	announce  chan uint64 // serving terms to announce (node loop -> announcer)

	leader  atomic.Pointer[leaderRecord] // the last leader item applied
	lead    atomic.Pointer[Leadership]   // as last given to OnLeadership
	applied atomic.Uint64                // raft index of the matcher's last entry

	checkpoints chan [2]uint64 // matcher -> proposer
	dropped     atomic.Uint64  // commands not proposed: leadership lost
	restored    chan error     // matcher -> node loop: a restore slot done

	mu      sync.Mutex
	members map[uint64]string // raft addresses (the node loop's copy)

	app *applier
	m   *clusterMatcher
}

// logCloser is the raft log as the pipeline holds it.
type logCloser interface {
	cluster.Log
	Close() error
}

func newClusterState(co ClusterOptions, skipTo uint64, meta cluster.SnapshotMeta) *clusterState {
	c := &clusterState{opts: co, skipTo: skipTo, openMeta: meta, done: make(chan struct{}),
		announce: make(chan uint64, 1), checkpoints: make(chan [2]uint64, 64), restored: make(chan error, 1),
		members: make(map[uint64]string, len(meta.Members))}
	for id, a := range meta.Members {
		c.members[id] = a
	}
	c.promo.Store(&promotion{})
	if meta.Leader != 0 {
		c.leader.Store(&leaderRecord{meta.Leader, meta.LeaderFIX})
	}
	c.lead.Store(&Leadership{})
	c.applied.Store(skipTo)
	return c
}

// check validates the options Open needs.
func (co *ClusterOptions) check() error {
	if co.NodeID == 0 {
		return errors.New("pipeline: ClusterOptions.NodeID must not be 0")
	}
	if _, ok := co.Peers[co.NodeID]; !ok {
		return fmt.Errorf("pipeline: ClusterOptions.Peers has no address for this node (%d)", co.NodeID)
	}
	for id, a := range co.Peers {
		if id == 0 || a == "" {
			return fmt.Errorf("pipeline: ClusterOptions.Peers: node %d has address %q", id, a)
		}
	}
	if len(co.AdvertiseFIX) > cluster.MaxLeaderAddr {
		return fmt.Errorf("pipeline: ClusterOptions.AdvertiseFIX is %d bytes, at most %d", len(co.AdvertiseFIX), cluster.MaxLeaderAddr)
	}
	if co.TickInterval < 0 || co.ElectionTicks < 0 {
		return errors.New("pipeline: ClusterOptions.TickInterval and ElectionTicks must not be negative")
	}
	return nil
}

// startCluster is Start in cluster mode.
func (p *Pipeline) startCluster(rep Reporter, observers []Reporter) error {
	c := p.cl
	o := &p.opts
	var err error
	if c.in, err = ringbuffer.New[inSlot](ringbuffer.Options{Capacity: o.InboundCapacity, Wait: o.Wait}); err != nil {
		return fmt.Errorf("pipeline: inbound ring: %w", err)
	}
	if c.pub, err = ringbuffer.NewPublisher(c.in); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if c.apply, err = ringbuffer.New[applySlot](ringbuffer.Options{Capacity: o.InboundCapacity, Wait: o.Wait}); err != nil {
		return fmt.Errorf("pipeline: apply ring: %w", err)
	}
	if p.out, err = ringbuffer.New[engine.Event](ringbuffer.Options{Capacity: o.OutboundCapacity, Wait: o.Wait}); err != nil {
		return fmt.Errorf("pipeline: outbound ring: %w", err)
	}
	c.lastTime = p.lastTime
	p.rep = rep
	c.m = newClusterMatcher(p)
	var matchConsumer ringbuffer.Consumer = c.m
	if o.MatcherCPU >= 0 {
		p.matcher = ringbuffer.Pinned(o.MatcherCPU, c.m)
		matchConsumer = p.matcher
	}
	c.app = &applier{c: c, lastSeq: c.openMeta.LastSeq, lastTime: c.openMeta.LastTime}
	c.ctx, c.cancel = context.WithCancel(context.Background())

	log := c.opts.Logger
	peers := make([]uint64, 0, len(c.opts.Peers))
	for id := range c.opts.Peers {
		peers = append(peers, id)
	}
	if c.opts.Join {
		peers = nil
	}
	node, err := cluster.NewNode(cluster.Config{
		ID: c.opts.NodeID, Peers: peers, Log: c.log, Transport: (*sender)(c), Applier: c.app,
		ElectionTicks: c.opts.ElectionTicks, TickInterval: c.opts.TickInterval,
		OwnerSnapshots: true, SnapshotMargin: c.opts.snapshotMargin, OnConfChange: c.confChanged, OnLeadership: c.leadershipChanged,
		Logger: raftLogger{log},
	})
	if err != nil {
		c.cancel()
		return fmt.Errorf("pipeline: %w", err)
	}
	c.node = node
	trPeers := make(map[uint64]string)
	c.mu.Lock()
	for id, a := range c.members {
		if id != c.opts.NodeID && a != "" {
			trPeers[id] = a
		}
	}
	c.mu.Unlock()
	handler := node.Receive
	if f := c.opts.testFilter; f != nil {
		handler = func(m *raftpb.Message) {
			if f(m) {
				node.Receive(m)
			}
		}
	}
	tr, err := transport.New(transport.Config{NodeID: c.opts.NodeID, ClusterID: c.opts.ClusterID,
		ListenAddr: c.opts.Peers[c.opts.NodeID], Peers: trPeers, Handler: handler,
		Unreachable: node.ReportUnreachable, SnapshotStatus: node.ReportSnapshot, Logger: log, Seed: c.opts.NodeID})
	if err != nil {
		c.cancel()
		return fmt.Errorf("pipeline: %w", err)
	}
	c.tr = tr

	outConsumers := []ringbuffer.Consumer{&releaser{p: p, rep: rep, main: true}}
	for _, ob := range observers {
		if ob != nil {
			outConsumers = append(outConsumers, &releaser{p: p, rep: ob})
		}
	}
	if err := p.out.Start(outConsumers); err != nil {
		tr.Stop()
		c.cancel()
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := c.apply.Start([]ringbuffer.Consumer{matchConsumer}); err != nil {
		p.out.Close()
		tr.Stop()
		c.cancel()
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := c.in.Start([]ringbuffer.Consumer{&proposer{c: c}}); err != nil {
		c.apply.Close()
		p.out.Close()
		tr.Stop()
		c.cancel()
		return fmt.Errorf("pipeline: %w", err)
	}
	go c.announcer()
	go func() {
		err := node.Run(c.ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			c.runErr = err
			p.fail(err)
			log.Error().Err(err).Uint64("node", c.opts.NodeID).Msg("pipeline: raft node stopped")
		}
		c.promo.Store(&promotion{})
		close(c.done)
	}()
	return nil
}

// sender is the node's cluster.Transport: the TCP transport, behind the test
// filter when one is set.
type sender clusterState

func (s *sender) Send(msgs []*raftpb.Message) {
	c := (*clusterState)(s)
	if f := c.opts.testFilter; f != nil {
		kept := msgs[:0:0]
		for _, m := range msgs {
			if f(m) {
				kept = append(kept, m)
			}
		}
		msgs = kept
	}
	c.tr.Send(msgs)
}

// leadershipChanged runs on the node loop on every change raft reports.
func (c *clusterState) leadershipChanged(l cluster.Leadership) {
	was := c.promo.Load()
	if l.Serving && (!was.serving || was.term != l.Term) {
		c.sequenced.Store(c.app.lastSeq)
		c.promo.Store(&promotion{serving: true, term: l.Term, lastSeq: c.app.lastSeq, lastTime: c.app.lastTime})
		select {
		case c.announce <- l.Term:
		default:
			<-c.announce // replace a stale term not yet announced
			c.announce <- l.Term
		}
		c.opts.Logger.Info().Uint64("node", c.opts.NodeID).Uint64("term", l.Term).Uint64("last_seq", c.app.lastSeq).
			Msg("pipeline: serving as the leader")
	} else if !l.Serving && was.serving {
		c.promo.Store(&promotion{})
		c.opts.Logger.Info().Uint64("node", c.opts.NodeID).Uint64("term", l.Term).Uint64("leader", l.Leader).
			Msg("pipeline: no longer serving")
	}
	c.notify(l)
}

// notify calls OnLeadership when the Leadership (with LeaderFIX) changed. Node
// loop only.
func (c *clusterState) notify(l cluster.Leadership) {
	nl := c.leadership(l)
	if *c.lead.Load() == nl {
		return
	}
	c.lead.Store(&nl)
	if c.opts.OnLeadership != nil {
		c.opts.OnLeadership(nl)
	}
}

func (c *clusterState) leadership(l cluster.Leadership) Leadership {
	nl := Leadership{Leadership: l}
	if l.Leader != 0 && l.Leader == c.opts.NodeID {
		nl.LeaderFIX = c.opts.AdvertiseFIX
	} else if r := c.leader.Load(); r != nil && l.Leader != 0 && r.node == l.Leader {
		nl.LeaderFIX = r.fix
	}
	return nl
}

// confChanged runs on the node loop after raft applied a conf change: the
// transport learns an added member's address and forgets a removed one.
func (c *clusterState) confChanged(index uint64, cc *raftpb.ConfChangeV2, cs *raftpb.ConfState) {
	c.mu.Lock()
	added, removed := applyMembers(c.members, cc)
	c.mu.Unlock()
	for id, a := range added {
		if id == c.opts.NodeID {
			continue
		}
		if err := c.tr.AddPeer(id, a); err != nil {
			c.opts.Logger.Warn().Err(err).Uint64("peer", id).Msg("pipeline: conf change: adding the peer to the transport")
		}
	}
	for _, id := range removed {
		if id != c.opts.NodeID {
			c.tr.RemovePeer(id)
		}
	}
	c.opts.Logger.Info().Uint64("node", c.opts.NodeID).Uint64("index", index).Str("change", cc.String()).
		Uints64("voters", cs.GetVoters()).Msg("pipeline: membership changed")
	if index <= c.skipTo {
		return
	}
	for id, a := range added {
		c.app.publishOne(applySlot{kind: applyMember, index: index, node: id, addr: a})
	}
	for _, id := range removed {
		c.app.publishOne(applySlot{kind: applyMember, index: index, node: id, removed: true})
	}
}

// announcer puts a marker in the inbound ring for each serving term, so that
// the proposer sends the leader item at once rather than with the first order.
func (c *clusterState) announcer() {
	for {
		select {
		case <-c.done:
			return
		case term := <-c.announce:
			seq, slot, err := c.pub.Claim()
			if err != nil {
				return
			}
			slot.kind, slot.term = inMarker, term
			_ = c.pub.Publish(seq)
		}
	}
}

// submit is Submit in cluster mode: only the serving leader sequences, from
// its engine's last committed Seq and Time at promotion.
func (c *clusterState) submit(cmd *engine.Command) error {
	p := c.p
	if p.failed.Load() != nil {
		return ErrStopped
	}
	if !c.promo.Load().serving {
		return ErrNotLeader
	}
	if cmd.ClOrdID.N > engine.MaxIDLen || cmd.OrigClOrdID.N > engine.MaxIDLen {
		return ErrBadCommand
	}
	seq, slot, err := c.pub.Claim()
	if err != nil {
		return ErrStopped
	}
	pr := c.promo.Load()
	if !pr.serving {
		slot.kind = inVoid
		_ = c.pub.Publish(seq)
		return ErrNotLeader
	}
	if pr.term != c.seqTerm {
		c.seqTerm, c.nextSeq = pr.term, pr.lastSeq+1
		c.lastTime = max(c.lastTime, pr.lastTime)
	}
	slot.cmd = *cmd
	slot.cmd.ClOrdID.Canonicalize()
	slot.cmd.OrigClOrdID.Canonicalize()
	slot.cmd.Seq = c.nextSeq
	c.nextSeq++
	t := p.opts.Clock()
	if t < c.lastTime {
		t = c.lastTime // the sequencer's time never goes backwards, across leaders either
	}
	c.lastTime = t
	slot.cmd.Time = t
	slot.kind, slot.term = inCommand, pr.term
	c.sequenced.Store(slot.cmd.Seq)
	return c.pub.Publish(seq)
}

// proposer is the inbound ring's consumer: it turns what it is handed into
// raft entries (one per batch and serving term) and proposes them.
type proposer struct {
	c         *clusterState
	buf       []byte
	term      uint64 // the term of the batch being built
	cmds      int    // commands in buf
	announced uint64 // the last term whose leader item was proposed
	hasLeader bool   // buf holds the leader item
	lostTerm  uint64 // the last term whose commands were dropped (logged once per term)
	lastSeq   uint64 // the last command put in buf
	proposed  uint64 // the last command raft took
}

// throttle waits, before a batch is proposed, while this node's matcher is more
// than half the apply ring behind what raft already took, or until the node
// stops serving the batch's term. Raft would accept up to MaxUncommittedBytes
// (hundreds of thousands of commands) ahead of the matcher; the Node loop
// would then block on the full apply ring and stop ticking and answering its
// peers, turning an overload into elections. The bound keeps the Node loop
// free: back-pressure goes to the inbound ring and Submit instead.
func (pr *proposer) throttle() {
	c := pr.c
	lag := uint64(c.apply.Capacity() / 2)
	for pr.proposed > lag && c.p.matched.Load() < pr.proposed-lag {
		if pr2 := c.promo.Load(); !pr2.serving || pr2.term != pr.term || c.ctx.Err() != nil {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (pr *proposer) Consume(lower, upper int64) {
	c := pr.c
	for s := lower; s <= upper; s++ {
		sl := c.in.Slot(s)
		if sl.kind == inVoid {
			continue
		}
		if sl.term != pr.term {
			pr.flush()
			pr.term, pr.proposed = sl.term, 0 // a new term continues from the committed seq
		}
		if len(pr.buf) == 0 && pr.announced != pr.term {
			pr.buf = cluster.AppendLeader(pr.buf, c.opts.NodeID, c.opts.AdvertiseFIX)
			pr.hasLeader = true
		}
		if sl.kind == inCommand {
			pr.buf = cluster.AppendCommand(pr.buf, &sl.cmd)
			pr.cmds++
			pr.lastSeq = sl.cmd.Seq
			if len(pr.buf) >= maxBatchBytes {
				pr.flush()
			}
		}
	}
	pr.flush()
}

func (pr *proposer) flush() {
	c := pr.c
	if len(pr.buf) == 0 {
		return
	}
	for n := len(c.checkpoints); n > 0; n-- {
		ck := <-c.checkpoints
		pr.buf = cluster.AppendCheckpoint(pr.buf, ck[0], ck[1])
	}
	pr.throttle()
	err := c.node.ProposeIn(c.ctx, pr.term, pr.buf)
	if err == nil {
		if pr.hasLeader {
			pr.announced = pr.term
		}
		pr.proposed = pr.lastSeq
	} else {
		c.dropped.Add(uint64(pr.cmds))
		if pr.cmds > 0 && pr.lostTerm != pr.term {
			pr.lostTerm = pr.term
			c.opts.Logger.Warn().Err(err).Uint64("node", c.opts.NodeID).Uint64("term", pr.term).Int("commands", pr.cmds).
				Msg("pipeline: proposal refused (leadership lost): its commands get no report; clients ask with OrderStatusRequest")
		}
	}
	// raft keeps the proposed slice: the next batch needs a new one.
	pr.buf = make([]byte, 0, min(maxBatchBytes+4096, max(4096, 2*len(pr.buf))))
	pr.cmds, pr.hasLeader = 0, false
}

// applier is the cluster.Applier of the node: on the node loop it decodes each
// committed entry into the apply ring, for the matcher.
type applier struct {
	c        *clusterState
	items    cluster.Items
	cmd      engine.Command
	lastSeq  uint64 // of the last command published
	lastTime int64
}

// ApplyBatch implements cluster.Applier. The entry is checked whole first, so
// a malformed one publishes nothing.
func (a *applier) ApplyBatch(index uint64, data []byte) error {
	c := a.c
	if f := c.p.failed.Load(); f != nil {
		return *f // the matcher found a divergence: stop the node with it
	}
	if index <= c.skipTo {
		return nil // applied by Open
	}
	n := int64(0)
	seq := a.lastSeq
	a.items.Reset(data)
	for a.items.Next() {
		n++
		if a.items.Kind() != cluster.ItemCommand {
			continue
		}
		if err := a.items.Command(&a.cmd); err != nil {
			break
		}
		if a.cmd.Seq <= seq {
			return &cluster.EntryError{Index: index, Offset: a.items.Offset(),
				Reason: fmt.Sprintf("command seq %d does not follow the last applied seq %d", a.cmd.Seq, seq)}
		}
		seq = a.cmd.Seq
	}
	if err := a.items.Err(); err != nil {
		var ee *cluster.EntryError
		if errors.As(err, &ee) {
			ee.Index = index
		}
		return err
	}
	if n == 0 {
		return a.publishOne(applySlot{kind: applyMark, index: index})
	}
	r := c.apply
	a.items.Reset(data)
	for n > 0 {
		k := min(n, r.Capacity()/2)
		hi, err := r.Reserve(k)
		if err != nil {
			return fmt.Errorf("pipeline: apply ring: %w", err)
		}
		lo := hi - k + 1
		for s := lo; s <= hi; s++ {
			a.items.Next()
			sl := r.Slot(s)
			sl.index, sl.last, sl.data, sl.addr = index, false, nil, ""
			switch a.items.Kind() {
			case cluster.ItemCommand:
				sl.kind = applyCommand
				_ = a.items.Command(&sl.cmd) // checked above
				a.lastSeq, a.lastTime = sl.cmd.Seq, sl.cmd.Time
			case cluster.ItemCheckpoint:
				sl.kind = applyCheckpoint
				sl.seq, sl.hash, _ = a.items.Checkpoint()
			case cluster.ItemLeader:
				node, addr, _ := a.items.Leader()
				sl.kind, sl.node, sl.addr = applyLeader, node, string(addr)
				c.leader.Store(&leaderRecord{node, sl.addr})
				c.notify(c.node.Leadership())
			}
		}
		n -= k
		if n == 0 {
			r.Slot(hi).last = true
		}
		if err := r.Commit(lo, hi); err != nil {
			return fmt.Errorf("pipeline: apply ring: %w", err)
		}
	}
	return nil
}

// publishOne publishes one slot, the last of its entry.
func (a *applier) publishOne(s applySlot) error {
	r := a.c.apply
	hi, err := r.Reserve(1)
	if err != nil {
		return fmt.Errorf("pipeline: apply ring: %w", err)
	}
	s.last = true
	*r.Slot(hi) = s
	return r.Commit(hi, hi)
}

// AppendSnapshot implements cluster.Applier; with OwnerSnapshots the Core
// never calls it (the matcher hands snapshots over).
func (a *applier) AppendSnapshot(dst []byte) []byte {
	panic("pipeline: AppendSnapshot called with OwnerSnapshots")
}

// Restore implements cluster.Applier: a snapshot the leader sent (MsgSnap) is
// restored by the matcher, in its order, and the node loop waits for it.
func (a *applier) Restore(index uint64, data []byte) error {
	c := a.c
	if index <= c.skipTo {
		return nil // the Log's snapshot, restored by Open (or older than what it applied)
	}
	meta, _, err := cluster.DecodeSnapshotData(index, data)
	if err != nil {
		return err
	}
	if err := a.publishOne(applySlot{kind: applyRestore, index: index, data: data}); err != nil {
		return err
	}
	select {
	case err = <-c.restored:
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
	if err != nil {
		return err
	}
	a.lastSeq, a.lastTime = meta.LastSeq, meta.LastTime
	if meta.Leader != 0 {
		c.leader.Store(&leaderRecord{meta.Leader, meta.LeaderFIX})
	}
	c.mu.Lock()
	for id, addr := range meta.Members {
		if _, ok := c.members[id]; !ok || c.members[id] == "" {
			c.members[id] = addr
			if id != c.opts.NodeID && addr != "" {
				_ = c.tr.AddPeer(id, addr)
			}
		}
	}
	c.mu.Unlock()
	c.opts.Logger.Info().Uint64("node", c.opts.NodeID).Uint64("index", index).Uint64("last_seq", meta.LastSeq).
		Msg("pipeline: restored the leader's snapshot")
	return nil
}

var _ cluster.Applier = (*applier)(nil)

// raftLogger writes raft's lines to a zerolog.Logger; Panic and Fatal panic
// (the Core turns that into its error).
type raftLogger struct{ l zerolog.Logger }

func (r raftLogger) Debug(v ...any)              { r.l.Debug().Msg("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Debugf(f string, v ...any)   { r.l.Debug().Msgf("raft: "+f, v...) }
func (r raftLogger) Error(v ...any)              { r.l.Error().Msg("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Errorf(f string, v ...any)   { r.l.Error().Msgf("raft: "+f, v...) }
func (r raftLogger) Info(v ...any)               { r.l.Info().Msg("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Infof(f string, v ...any)    { r.l.Info().Msgf("raft: "+f, v...) }
func (r raftLogger) Warning(v ...any)            { r.l.Warn().Msg("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Warningf(f string, v ...any) { r.l.Warn().Msgf("raft: "+f, v...) }
func (r raftLogger) Fatal(v ...any)              { panic("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Fatalf(f string, v ...any)   { panic(fmt.Sprintf("raft: "+f, v...)) }
func (r raftLogger) Panic(v ...any)              { panic("raft: " + fmt.Sprint(v...)) }
func (r raftLogger) Panicf(f string, v ...any)   { panic(fmt.Sprintf("raft: "+f, v...)) }
