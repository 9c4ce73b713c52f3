package cluster

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/engine"
)

// simParams shape one simulated run; pickParams draws them from the seed.
type simParams struct {
	nodes      int
	chaosTicks int     // ticks of hostile network and crashes before healing
	drop, dup  float64 // per-message probabilities
	maxDelay   int     // messages take 1..maxDelay ticks
	crash      float64 // per node and tick
	partition  float64 // per tick, when none is active
	replace    bool    // a node dies for good and a new one replaces it
	snapEvery  uint64
	divergent  uint64 // a node whose engine is configured differently (0: none)
}

func pickParams(r *rand.Rand) simParams {
	p := simParams{nodes: 3, chaosTicks: 500 + r.IntN(300), drop: r.Float64() * 0.25, dup: r.Float64() * 0.1,
		maxDelay: 1 + r.IntN(6), crash: 0.002 + r.Float64()*0.004, partition: 0.005 + r.Float64()*0.015,
		replace: r.IntN(3) == 0, snapEvery: uint64(8 + r.IntN(60))}
	if r.IntN(5) == 0 {
		p.nodes = 5
	}
	return p
}

// Limits the simulator asserts (ticks, not wall time).
const (
	simElection = 10
	// simLiveBound is how many ticks after healing a leader must be serving and
	// a new command applied on every live member.
	simLiveBound = 400
	// simSettleBound is how many more ticks every member takes to apply the
	// same index (one heartbeat carries the commit index).
	simSettleBound = 50
)

type simMsg struct {
	at int
	m  *raftpb.Message
}

// simReport is a transport's report to node to about peer: a MsgSnap's outcome
// (snapshot) or that peer is unreachable.
type simReport struct {
	to, peer         uint64
	snapshot, failed bool
}

type canonEntry struct {
	hash uint64
	node uint64
}

type released struct {
	index, hash, node uint64
	tick              int
}

// sim is a cluster in one goroutine: nodes, a hostile network and the checks.
type sim struct {
	seed    uint64
	r       *rand.Rand
	p       simParams
	tick    int
	nodes   []*simNode // nodes[i].id == i+1
	queue   []simMsg
	reports []simReport
	blocked map[[2]uint64]bool
	partEnd int
	calm    bool // healed: no loss, duplication, crashes or partitions
	quiet   bool // no more proposals (settling)

	canon    map[uint64]canonEntry // raft index -> data hash, first node to apply it
	states   map[uint64]uint64     // raft index -> engine state hash after it
	released []released
	gen      cmdGen
	failure  error
	diverged *DivergenceError // the first divergence a node stopped on
	trace    func(format string, args ...any)

	replaceAt, victim, newcomer uint64
	replaced                    bool

	// statistics
	crashes, partitions, snapsRecv, livenessTicks, checked int
}

// simNode is one node: its Log survives crashes, the Core and engine do not.
// It is the Core's Transport and Applier.
type simNode struct {
	s      *sim
	id     uint64
	log    *MemoryLog
	core   *Core
	app    *EngineApplier
	ecfg   engine.Config
	down   bool
	upAt   int
	gone   bool // replaced: never comes back
	joined bool // started with an empty Log and no Peers

	seqTerm, nextSeq, ckptSent uint64
}

func newSim(seed uint64, p simParams) *sim {
	s := &sim{seed: seed, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), p: p,
		blocked: map[[2]uint64]bool{}, canon: map[uint64]canonEntry{}, states: map[uint64]uint64{},
		trace: func(string, ...any) {}}
	s.gen.r = rand.New(rand.NewPCG(seed^0x5555, seed))
	for i := range p.nodes {
		s.addNode(uint64(i+1), false)
	}
	if p.replace {
		s.replaceAt = uint64(p.chaosTicks / 4)
	}
	return s
}

func (s *sim) fail(format string, args ...any) {
	if s.failure == nil {
		s.failure = fmt.Errorf("tick %d: "+format, append([]any{s.tick}, args...)...)
	}
}

func (s *sim) node(id uint64) *simNode {
	if id == 0 || id > uint64(len(s.nodes)) {
		return nil
	}
	return s.nodes[id-1]
}

func (s *sim) up(n *simNode) bool { return n != nil && !n.down && !n.gone }

func (s *sim) addNode(id uint64, joined bool) {
	n := &simNode{s: s, id: id, log: NewMemoryLog(), joined: joined, ecfg: simEngineConfig()}
	if id == s.p.divergent {
		n.ecfg.MaxOrders = 4 // rejects what the others rest: a different state
	}
	s.nodes = append(s.nodes, n)
	s.start(n)
}

func (s *sim) start(n *simNode) {
	app, err := NewEngineApplier(n.ecfg, 3)
	if err != nil {
		s.fail("node %d: %v", n.id, err)
		n.down = true
		return
	}
	n.app, n.seqTerm = app, 0
	cfg := Config{ID: n.id, Log: n.log, Transport: n, Applier: n, ElectionTicks: simElection, HeartbeatTicks: 1,
		SnapshotEvery: s.p.snapEvery, SnapshotMargin: s.p.snapEvery / 2, MaxSizePerMsg: 4 << 10,
		MaxInflightMsgs: 8, MaxUncommittedBytes: 64 << 10}
	if !n.joined {
		for i := range s.p.nodes {
			cfg.Peers = append(cfg.Peers, uint64(i+1))
		}
	}
	core, err := NewCore(cfg)
	if err != nil {
		s.fail("node %d: starting: %v", n.id, err)
		n.down = true
		return
	}
	n.core, n.down = core, false
	s.trace("t%d: node %d up (log %s)", s.tick, n.id, logSpan(n.log))
}

func logSpan(l *MemoryLog) string {
	f, _ := l.FirstIndex()
	la, _ := l.LastIndex()
	return fmt.Sprintf("%d..%d", f, la)
}

func (s *sim) crash(n *simNode) {
	n.core, n.app, n.down = nil, nil, true
	n.upAt = s.tick + 10 + s.r.IntN(150)
	if s.r.IntN(3) == 0 {
		n.upAt = s.tick + 1 + s.r.IntN(5) // a quick reboot
	}
	s.crashes++
	s.trace("t%d: node %d crashed", s.tick, n.id)
}

func dataHash(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// Send implements Transport: each message is lost, delayed, or duplicated.
func (n *simNode) Send(msgs []*raftpb.Message) {
	s := n.s
	for _, m := range msgs {
		if !s.calm && s.r.Float64() < s.p.drop {
			s.lost(m)
			continue
		}
		delay := 1
		if !s.calm {
			delay += s.r.IntN(s.p.maxDelay)
		}
		s.queue = append(s.queue, simMsg{s.tick + delay, proto.Clone(m).(*raftpb.Message)})
		if !s.calm && s.r.Float64() < s.p.dup {
			s.queue = append(s.queue, simMsg{s.tick + 1 + s.r.IntN(s.p.maxDelay), proto.Clone(m).(*raftpb.Message)})
		}
	}
}

// lost is what a transport tells the sender about a message it could not
// deliver: a failed snapshot, and sometimes that the peer is unreachable.
func (s *sim) lost(m *raftpb.Message) {
	if m.GetType() == raftpb.MsgSnap {
		s.reports = append(s.reports, simReport{to: m.GetFrom(), peer: m.GetTo(), snapshot: true, failed: true})
	} else if s.r.IntN(4) == 0 {
		s.reports = append(s.reports, simReport{to: m.GetFrom(), peer: m.GetTo()})
	}
}

// ApplyBatch implements Applier: the engine applies it, then the checks run.
func (n *simNode) ApplyBatch(index uint64, data []byte) error {
	s := n.s
	if err := n.app.ApplyBatch(index, data); err != nil {
		return err
	}
	h := dataHash(data)
	if c, ok := s.canon[index]; !ok {
		s.canon[index] = canonEntry{h, n.id}
	} else if c.hash != h {
		s.fail("node %d applied entry %d with data hash %016x, node %d applied %016x", n.id, index, h, c.node, c.hash)
	}
	s.checkState(n, index)
	if n.core.Leadership().Local {
		s.released = append(s.released, released{index, h, n.id, s.tick})
	}
	return nil
}

func (s *sim) checkState(n *simNode, index uint64) {
	st := n.app.Engine().StateHash()
	if want, ok := s.states[index]; !ok {
		s.states[index] = st
	} else if want != st && s.p.divergent == 0 { // with a divergent node, the checkpoint items must catch it
		s.fail("node %d has state hash %016x after raft index %d, another node had %016x", n.id, st, index, want)
	}
}

// AppendSnapshot implements Applier.
func (n *simNode) AppendSnapshot(dst []byte) []byte { return n.app.AppendSnapshot(dst) }

// Restore implements Applier.
func (n *simNode) Restore(index uint64, data []byte) error {
	if err := n.app.Restore(index, data); err != nil {
		return err
	}
	n.s.snapsRecv++
	n.s.checkState(n, index)
	return nil
}

// step advances the simulation by one tick.
func (s *sim) step() {
	s.tick++
	if !s.calm {
		s.chaos()
	}
	s.deliver()
	for _, n := range s.nodes {
		if s.up(n) && (s.calm || s.r.IntN(20) != 0) { // clocks drift: a node sometimes misses a tick
			s.check(n, n.core.Tick())
		}
	}
	s.propose()
	s.processAll()
	if s.p.replace {
		s.replaceStep()
	}
}

func (s *sim) check(n *simNode, err error) {
	if err != nil && n.core != nil && n.core.Err() != nil {
		var d *DivergenceError
		if errors.As(err, &d) && s.diverged == nil {
			s.diverged = d
		}
		s.fail("node %d stopped: %v", n.id, err)
	}
}

func (s *sim) processAll() {
	for _, n := range s.nodes {
		if !s.up(n) {
			continue
		}
		hs, _, _ := n.log.InitialState()
		vote, term := hs.GetVote(), hs.GetTerm()
		s.check(n, n.core.Process())
		// The moment that tests a vote's durability: right after casting it,
		// crash and come back at once (a candidate may still be collecting).
		if hs, _, _ = n.log.InitialState(); !s.calm && hs.GetVote() != 0 && hs.GetVote() != n.id &&
			(hs.GetVote() != vote || hs.GetTerm() != term) && s.r.IntN(8) == 0 {
			s.crash(n)
			n.upAt = s.tick + 1
		}
	}
}

func (s *sim) deliver() {
	reps := s.reports
	s.reports = nil
	for _, r := range reps {
		if n := s.node(r.to); s.up(n) {
			if r.snapshot {
				n.core.ReportSnapshot(r.peer, r.failed)
			} else {
				n.core.ReportUnreachable(r.peer)
			}
		}
	}
	var due []simMsg
	rest := s.queue[:0]
	for _, m := range s.queue {
		if m.at <= s.tick {
			due = append(due, m)
		} else {
			rest = append(rest, m)
		}
	}
	s.queue = rest
	s.r.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	for _, d := range due {
		m := d.m
		to := s.node(m.GetTo())
		if !s.up(to) || s.blocked[[2]uint64{m.GetFrom(), m.GetTo()}] {
			s.lost(m)
			continue
		}
		err := to.core.Step(m)
		s.check(to, err)
		if m.GetType() == raftpb.MsgSnap {
			s.reports = append(s.reports, simReport{to: m.GetFrom(), peer: m.GetTo(), snapshot: true})
		}
	}
}

// chaos crashes and restarts nodes and starts and heals partitions.
func (s *sim) chaos() {
	for _, n := range s.nodes {
		switch {
		case n.gone:
		case n.down && s.tick >= n.upAt:
			s.start(n)
		case !n.down && s.r.Float64() < s.p.crash:
			s.crash(n)
		}
	}
	if len(s.blocked) > 0 && s.tick >= s.partEnd {
		clear(s.blocked)
		s.trace("t%d: partition healed", s.tick)
	}
	if len(s.blocked) == 0 && s.r.Float64() < s.p.partition {
		s.partitionNow()
	}
}

// partitionNow cuts links: the leader alone, a random minority, one direction
// of random links (asymmetric), or a random split.
func (s *sim) partitionNow() {
	ids := s.memberIDs()
	cut := func(a, b uint64) { s.blocked[[2]uint64{a, b}] = true }
	isolate := func(x uint64) {
		for _, n := range s.nodes {
			if n.id != x {
				cut(x, n.id)
				cut(n.id, x)
			}
		}
	}
	kind := s.r.IntN(4)
	switch kind {
	case 0: // the leader (if any) alone
		x := ids[s.r.IntN(len(ids))]
		for _, n := range s.nodes {
			if s.up(n) && n.core.Leadership().Local {
				x = n.id
			}
		}
		isolate(x)
	case 1: // one side of a split
		s.r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		k := 1 + s.r.IntN(len(ids)-1)
		for _, a := range ids[:k] {
			for _, b := range ids[k:] {
				cut(a, b)
				cut(b, a)
			}
		}
	case 2: // asymmetric: random directed links
		for _, a := range ids {
			for _, b := range ids {
				if a != b && s.r.IntN(3) == 0 {
					cut(a, b)
				}
			}
		}
	case 3: // the leader hears everyone but nobody hears it
		for _, n := range s.nodes {
			if s.up(n) && n.core.Leadership().Local {
				for _, b := range ids {
					if b != n.id {
						cut(n.id, b)
					}
				}
			}
		}
	}
	s.partEnd = s.tick + 20 + s.r.IntN(200)
	s.partitions++
	s.trace("t%d: partition kind %d: %v", s.tick, kind, s.blocked)
}

// memberIDs are the nodes not replaced, down or up.
func (s *sim) memberIDs() []uint64 {
	var ids []uint64
	for _, n := range s.nodes {
		if !n.gone {
			ids = append(ids, n.id)
		}
	}
	return ids
}

// propose hands every serving leader (there may be two: one deposed but not
// yet aware) a batch now and then, as the sequencer would: seqs continue from
// its engine's LastSeq when it starts serving, and a checkpoint of its latest
// recorded state hash rides along.
func (s *sim) propose() {
	if s.quiet {
		return
	}
	for _, n := range s.nodes {
		if !s.up(n) {
			continue
		}
		l := n.core.Leadership()
		if !l.Serving || (!s.calm && s.r.IntN(3) != 0) {
			continue
		}
		s.proposeOn(n, 1+s.r.IntN(4))
	}
}

// proposeOn proposes a batch of k commands on n (a serving leader) and returns
// the last seq, 0 if raft dropped it.
func (s *sim) proposeOn(n *simNode, k int) uint64 {
	l := n.core.Leadership()
	if n.seqTerm != l.Term {
		n.seqTerm, n.nextSeq = l.Term, n.app.Engine().LastSeq()+1
	}
	var buf []byte
	for range k {
		c := s.gen.next(n.nextSeq, s.tick)
		n.nextSeq++
		buf = AppendCommand(buf, &c)
	}
	if seq, h, ok := n.app.LastCheckpoint(); ok && seq > n.ckptSent {
		buf = AppendCheckpoint(buf, seq, h)
		n.ckptSent = seq
	}
	if err := n.core.Propose(buf); err != nil {
		if !errors.Is(err, raft.ErrProposalDropped) {
			s.fail("node %d: propose: %v", n.id, err)
		}
		return 0
	}
	return n.nextSeq - 1
}

// replaceStep kills a node for good at replaceAt, starts a newcomer with an
// empty log, and proposes (and re-proposes) the conf change that swaps them
// until a leader has applied it.
func (s *sim) replaceStep() {
	switch {
	case s.replaced:
		return
	case s.victim == 0 && uint64(s.tick) >= s.replaceAt:
		ids := s.memberIDs()
		v := s.node(ids[s.r.IntN(len(ids))])
		v.core, v.app, v.gone = nil, nil, true
		s.victim = v.id
		s.newcomer = uint64(len(s.nodes) + 1)
		s.addNode(s.newcomer, true)
		s.trace("t%d: node %d gone, node %d joins", s.tick, s.victim, s.newcomer)
	case s.victim != 0 && s.tick%25 == 0:
		for _, n := range s.nodes {
			if !s.up(n) || !n.core.Leadership().Serving {
				continue
			}
			cs := n.core.ConfState()
			if slices.Contains(cs.GetVoters(), s.newcomer) && !slices.Contains(cs.GetVoters(), s.victim) &&
				len(cs.GetVotersOutgoing()) == 0 {
				s.replaced = true
				s.trace("t%d: replacement applied on leader %d: %v", s.tick, n.id, cs)
				return
			}
			cc := &raftpb.ConfChangeV2{Changes: []*raftpb.ConfChangeSingle{
				{Type: raftpb.ConfChangeAddNode.Enum(), NodeId: new(s.newcomer)},
				{Type: raftpb.ConfChangeRemoveNode.Enum(), NodeId: new(s.victim)},
			}}
			if err := n.core.ProposeConfChange(cc); err != nil && !errors.Is(err, raft.ErrProposalDropped) {
				s.fail("node %d: conf change: %v", n.id, err)
			}
		}
	}
}

// run plays the chaos phase, heals everything, and checks liveness and the
// final state.
func (s *sim) run() error {
	for s.tick < s.p.chaosTicks && s.failure == nil {
		s.step()
	}
	if s.failure != nil {
		return s.failure
	}
	s.heal()
	s.liveness()
	if s.failure == nil {
		s.finalChecks()
	}
	return s.failure
}

func (s *sim) heal() {
	s.calm = true
	clear(s.blocked)
	for _, n := range s.nodes {
		if n.down && !n.gone {
			s.start(n)
		}
	}
	s.trace("t%d: healed", s.tick)
}

// liveness: within simLiveBound ticks of healing, a leader serves, a command
// it proposes is applied by every live member (and a pending replacement
// completes); then every member reaches the same applied index.
func (s *sim) liveness() {
	start := s.tick
	var marker uint64
	for {
		if s.tick-start > simLiveBound {
			s.fail("liveness: %d ticks after healing: marker seq %d not applied everywhere (replaced=%v): %s",
				simLiveBound, marker, s.replaced || !s.p.replace, s.describe())
			return
		}
		s.step()
		if s.failure != nil {
			return
		}
		if marker == 0 || s.tick%10 == 0 { // (re)propose until it lands
			for _, n := range s.nodes {
				if s.up(n) && n.core.Leadership().Serving {
					if seq := s.proposeOn(n, 1); seq != 0 {
						marker = seq
					}
				}
			}
		}
		if marker != 0 && (s.replaced || !s.p.replace) && s.allApplied(marker) {
			break
		}
	}
	s.livenessTicks = s.tick - start
	settled := s.tick
	s.quiet = true
	for !s.sameApplied() {
		if s.tick-settled > simSettleBound {
			s.fail("members did not reach the same applied index: %s", s.describe())
			return
		}
		s.step()
		if s.failure != nil {
			return
		}
	}
}

func (s *sim) allApplied(seq uint64) bool {
	for _, n := range s.nodes {
		if !n.gone && (n.core == nil || n.app.Engine().LastSeq() < seq) {
			return false
		}
	}
	return true
}

func (s *sim) sameApplied() bool {
	var idx uint64
	for _, n := range s.nodes {
		if n.gone {
			continue
		}
		if idx == 0 {
			idx = n.core.Applied()
		} else if n.core.Applied() != idx {
			return false
		}
	}
	return true
}

func (s *sim) describe() string {
	out := ""
	for _, n := range s.nodes {
		switch {
		case n.gone:
			out += fmt.Sprintf("[%d gone]", n.id)
		case n.core == nil:
			out += fmt.Sprintf("[%d down]", n.id)
		default:
			l := n.core.Leadership()
			out += fmt.Sprintf("[%d lead=%d term=%d local=%v serving=%v applied=%d seq=%d log=%s conf=%v]", n.id, l.Leader, l.Term,
				l.Local, l.Serving, n.core.Applied(), n.app.Engine().LastSeq(), logSpan(n.log), n.core.ConfState())
		}
	}
	return out
}

// finalChecks: members agree on state and on their committed logs, and every
// released entry is in every member's log at its index.
func (s *sim) finalChecks() {
	var live []*simNode
	for _, n := range s.nodes {
		if !n.gone {
			live = append(live, n)
		}
	}
	h0 := live[0].app.Engine().StateHash()
	for _, n := range live[1:] {
		if h := n.app.Engine().StateHash(); h != h0 {
			s.fail("final state hash of node %d is %016x, node %d has %016x", n.id, h, live[0].id, h0)
		}
	}
	for i, a := range live {
		hsA, _, _ := a.log.InitialState()
		for _, b := range live[i+1:] {
			hsB, _, _ := b.log.InitialState()
			fa, _ := a.log.FirstIndex()
			fb, _ := b.log.FirstIndex()
			for idx := max(fa, fb); idx <= min(hsA.GetCommit(), hsB.GetCommit()); idx++ {
				ea, _ := a.log.Entries(idx, idx+1, 1<<30)
				eb, _ := b.log.Entries(idx, idx+1, 1<<30)
				if len(ea) != 1 || len(eb) != 1 || !proto.Equal(ea[0], eb[0]) {
					s.fail("committed entry %d differs between nodes %d and %d", idx, a.id, b.id)
					return
				}
			}
		}
	}
	for _, rel := range s.released {
		for _, n := range live {
			if n.core.Applied() < rel.index {
				s.fail("entry %d released by node %d at tick %d is past node %d's applied index %d", rel.index, rel.node, rel.tick, n.id, n.core.Applied())
				return
			}
			if f, _ := n.log.FirstIndex(); rel.index < f {
				continue // compacted into the snapshot: the state hashes above cover it
			}
			e, err := n.log.Entries(rel.index, rel.index+1, 1<<30)
			if err != nil || len(e) != 1 || e[0].GetType() != raftpb.EntryNormal || dataHash(e[0].GetData()) != rel.hash {
				s.fail("entry %d released by node %d at tick %d is not in node %d's log", rel.index, rel.node, rel.tick, n.id)
				return
			}
		}
	}
	for _, n := range live {
		c, _ := n.app.Checkpoints()
		s.checked += c
	}
}
