// Package pipeline wires the matching engine to the world, LMAX style:
//
//	producers (FIX sessions) --Submit--> inbound ring [Command slots]
//	    group 1, in parallel: journaler (append + group commit)
//	                          matcher   (engine.Apply, pinned)  --> outbound ring [Event slots]
//	                                                  group 1, in parallel: releaser  (Reporter.Deliver)
//	                                                                        observers (each its own Deliver:
//	                                                                                   market data)
//
// Submit serializes the producers (ringbuffer.Publisher) and stamps each command
// with the next sequence number and the sequencer's clock under the same lock, so
// sequence order and timestamp order agree. The journaler appends every command
// and commits once per batch it is handed (group commit: a batch is whatever
// accumulated while the previous commit ran), then publishes the journal's
// durable sequence. The matcher applies commands as soon as they are sequenced;
// it may run ahead of the journal. The releaser hands an event to the Reporter
// only when the durable sequence has reached the event's command (ack gating),
// so a client never sees a report for a command that a crash could lose.
// Observers (Start's extra Reporters, e.g. the market-data feed) are consumers
// of the outbound ring beside the releaser, each on its own goroutine, gated
// on the durable sequence the same way: each sees every event, in order, once
// its command is durable, and none waits for another (the slowest consumer
// only gates the matcher when the ring is full).
//
// Every CheckpointEvery commands the matcher hands the journaler its state hash,
// which the journaler appends as a checkpoint record (see package datadir). Every
// SnapshotEvery commands it serializes the books, and a background goroutine
// writes the snapshot once its sequence is durable (a snapshot must never hold a
// command the journal could lose).
//
// Start-up takes two steps. Open locks the data directory, opens the journal and
// recovers the books (datadir.Recover: the newest valid snapshot, then the
// journal after it); it starts no goroutine, so the caller can build what
// depends on the recovered state (the server's gateway) before any event flows.
// Start then starts the consumers with the Reporter that will receive the events,
// and the sequence continues after the last recovered command. Close releases
// everything, whether or not Start was called.
//
// # Cluster mode
//
// With Options.Cluster the pipeline is one node of a raft cluster (issue 14,
// contract §8; the design is in package cluster's doc). The journal is the
// raft log (package cluster/raftlog) and every node, the leader too, applies
// only committed entries, so there is no durable gate: a report is released
// once its command is committed and applied.
//
//	Submit (serving leader only; ErrNotLeader elsewhere)
//	  --> inbound ring [command + serving term]
//	  --> proposer (one raft entry per batch it is handed: a leader item first in
//	      each serving term, the commands, the checkpoints the matcher handed over;
//	      Node.ProposeIn)
//	  --> cluster.Node loop (raftlog Save, transport Send, committed entries)
//	  --> applier (the Node loop, the apply ring's single writer)
//	  --> apply ring [command | checkpoint | leader | member | restore | mark]
//	  --> matcher (engine.Apply, pinned; compares checkpoints; hands snapshots to the Node)
//	  --> outbound ring [Event slots]
//	  --> releaser (Reporter.Deliver) + observers, as in single-node mode
//
// Followers run the same from the Node on: their Reporter and observers see
// every event. Only a Serving leader (cluster.Leadership.Serving: it leads and
// has applied an entry of its own term) sequences, continuing from the last
// committed command's Seq and Time as its applier decoded them (the time never
// goes backwards across leaders). A batch sequenced in one term is refused if
// the node no longer serves that term when raft would take it; its commands
// get no report and are counted (ClusterStatus.Dropped, one log line per
// term): clients learn their fate with OrderStatusRequest. The first proposal
// of each serving term carries the leader item (node ID, ClusterOptions.
// AdvertiseFIX), which every node records for Leadership().LeaderFIX. The
// proposer holds a batch while the matcher is more than half the apply ring
// behind what raft took (back-pressure reaches Submit through the inbound
// ring): otherwise raft would accept tens of megabytes ahead of the matcher,
// the Node loop would block on the full apply ring, stop ticking and
// answering, and an overload would turn into elections.
// Every CheckpointEvery commands each node's matcher records its state hash and
// hands it to its proposer (only a leader's proposes it); a node whose hash
// differs from a checkpoint item stops with a *cluster.DivergenceError
// (Stats().Err) and its raft node stops.
//
// Snapshots: the engine belongs to the matcher, so the matcher serializes it
// (every 10,000 entries, and right after a member is added, since raft ignores
// a snapshot whose membership lacks the receiver) together with the last
// Seq and Time, the last leader item and the members' raft addresses (format in
// cluster/snapshotdata.go), and offers it to the Node with the raft index of the last
// entry it applied; the Core records it at that index. A snapshot received from
// the leader (MsgSnap) is restored by the matcher in its order (a restore slot
// in the apply ring; the Node loop waits for it). Close takes a final raft
// snapshot at the last applied entry.
//
// Open in cluster mode restores the engine from the newest raft snapshot and
// applies the committed entries after it (up to the HardState's commit index)
// with cluster.EngineApplier, checkpoints verified, so that Recovered is the
// state the node starts in; raft itself starts at the snapshot's index and
// re-delivers those entries, which the applier skips (so that raft re-applies
// their conf changes to its configuration). A single-node journal cannot
// become a cluster node's and the reverse: Open refuses either, naming the
// mode; converting is not supported. StageTiming records only the release
// stage in cluster mode.
package pipeline

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/stagehist"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/ringbuffer"
)

// Reporter receives events, in order, from one goroutine, each only after its
// command is durable. The pointer is valid only during the call.
type Reporter interface {
	Deliver(ev *engine.Event)
}

// Options configure a Pipeline.
type Options struct {
	// Engine sizes the books.
	Engine engine.Config
	// Dir is the data directory (layout in package datadir). Open locks it
	// until Close.
	Dir string
	// Durability is the journal's policy (batch by default).
	Durability journal.Policy
	// SegmentSize of journal segments (0: the journal's default).
	SegmentSize int64
	// Wait is how idle ring consumers wait (ringbuffer.DefaultWait if zero).
	Wait ringbuffer.Wait
	// InboundCapacity and OutboundCapacity are ring sizes in slots (powers of
	// two; defaults 1<<16 and 1<<18).
	InboundCapacity, OutboundCapacity int64
	// MatcherCPU pins the matching goroutine to this CPU (runtime.LockOSThread
	// plus CPU affinity), for a core set aside for it. Negative: not pinned and
	// not locked to a thread either — a locked goroutine that parks (the Block
	// wait strategy) costs an OS-thread hand-off on every wake-up, which measured
	// ~15% of the server's CPU under FIX load on 2 shared cores.
	MatcherCPU int
	// CheckpointEvery is the number of commands between checkpoint records
	// (default 1<<20; negative: none).
	CheckpointEvery int64
	// SnapshotEvery is the number of commands between snapshots (default 1<<22;
	// negative: only at Close). Serializing the books pauses the matcher for
	// about 50 ns per resting order.
	SnapshotEvery int64
	// SnapshotsKept is how many snapshots to keep (default 3).
	SnapshotsKept int
	// Clock returns the sequencer's time in Unix nanoseconds (time.Now if nil).
	Clock func() int64
	// StageTiming records per-stage latency histograms (see StageLatencies). It
	// costs a clock read per batch in the journaler and matcher and per command in
	// Submit and the releaser.
	StageTiming bool
	// JournalFault, when not nil, is called by the journaler before it appends
	// each batch; an error it returns fails the journal as a failed write would
	// (nothing of the batch is written). For fault-injection tests (a disk that
	// fills up); nil in production.
	JournalFault func() error
	// Cluster, when not nil, runs the pipeline as one node of a raft cluster
	// (see the package doc); nil runs a single node.
	Cluster *ClusterOptions

	// noJournal makes the journaler publish each batch as durable without
	// writing it: the unjournaled baseline of BenchmarkPipeline. Tests only.
	noJournal bool
}

// Recovered says what Open found.
type Recovered struct {
	Journal          journal.Recovery
	FromSnapshot     uint64
	DamagedSnapshots []journal.DamagedSnapshot
	Replayed         uint64 // commands replayed after the snapshot
	LastSeq          uint64
	StateHash        uint64
	Torn             *journal.TornTailError
	// DayOpened is the recovered engine's DayOpened: the sequencer time of the
	// first command since the last end of day, 0 if none (the server uses it to
	// catch up an end of day it was down for).
	DayOpened int64
	// Raft is what the raft log's Open found, and RaftApplied the raft index
	// up to which Open applied the committed entries (cluster mode only).
	Raft        raftlog.Recovery
	RaftApplied uint64
}

// Pipeline is a sequencer, journal, matcher and releaser over one data
// directory: recovered by Open, running from Start to Close.
type Pipeline struct {
	opts Options
	lock *datadir.DirLock
	eng  *engine.Engine
	jw   *journal.Writer
	rep  Reporter // set by Start, before the releaser runs; nil discards

	in  *ringbuffer.Ring[engine.Command]
	pub *ringbuffer.Publisher[engine.Command]
	out *ringbuffer.Ring[engine.Event]

	base     uint64 // Seq = base + ring sequence + 1
	lastTime int64  // guarded by the lock of pub (the ring's Publisher)

	durable durableSeq
	matched atomic.Uint64 // last Seq applied
	sent    atomic.Uint64 // last Seq whose events were all delivered
	failed  atomic.Pointer[error]

	checkpoints chan [2]uint64
	snapReq     chan snapJob
	snapFree    chan []byte
	snapDone    chan struct{}
	snapErr     atomic.Pointer[error]

	// journaler is the inbound ring's journaling consumer; Close appends the
	// checkpoints it still holds.
	journaler *journaler

	matcher *ringbuffer.PinnedConsumer // nil unless MatcherCPU >= 0
	cl      *clusterState              // cluster mode (Options.Cluster); nil: a single node
	stages  [stageCount]*stagehist.Hist

	// started is set by Start once the consumers run; Submit refuses commands
	// before (the rings' cursors do not exist yet).
	started atomic.Bool
	life    sync.Mutex // orders Start and Close
	closing bool       // guarded by life: Close has begun
	closed  sync.Once
}

type snapJob struct {
	seq uint64
	buf []byte
}

// ErrBadCommand is returned by Submit for a command that could not be journaled
// faithfully (an ID longer than engine.MaxIDLen).
var ErrBadCommand = errors.New("pipeline: malformed command")

// ErrStopped is returned by Submit after Close or after the journal failed.
var ErrStopped = errors.New("pipeline: stopped")

// ErrNotStarted is returned by Submit before Start.
var ErrNotStarted = errors.New("pipeline: not started")

// ErrJournal and ErrSnapshot say what failed, when the pipeline stops itself
// because storage failed: errors.Is(Err(), ErrJournal) after a failed journal
// append or commit, ErrSnapshot after a failed snapshot. The error keeps its own
// message and its cause (errors.As finds the syscall.Errno, e.g. ENOSPC).
var (
	ErrJournal  = errors.New("pipeline: journal failed")
	ErrSnapshot = errors.New("pipeline: snapshot failed")
)

// storageError is a storage failure of kind ErrJournal or ErrSnapshot.
type storageError struct{ kind, err error }

func (e *storageError) Error() string   { return e.err.Error() }
func (e *storageError) Unwrap() []error { return []error{e.kind, e.err} }

// Open locks the data directory opts.Dir (creating it if needed), stores or
// checks its engine configuration (datadir.StoreConfig), opens the journal
// (truncating a torn tail) and recovers the books from the newest valid
// snapshot and the journal after it. It starts no goroutine: Start does. The
// lock and the journal are held until Close, which must be called either way.
func Open(opts Options) (*Pipeline, Recovered, error) {
	var rec Recovered
	if opts.InboundCapacity == 0 {
		opts.InboundCapacity = 1 << 16
	}
	if opts.OutboundCapacity == 0 {
		opts.OutboundCapacity = 1 << 18
	}
	if opts.CheckpointEvery == 0 {
		opts.CheckpointEvery = 1 << 20
	}
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = 1 << 22
	}
	if opts.SnapshotsKept <= 0 {
		opts.SnapshotsKept = 3
	}
	if opts.Clock == nil {
		opts.Clock = func() int64 { return time.Now().UnixNano() }
	}
	if err := opts.Engine.Validate(); err != nil {
		return nil, rec, err
	}
	lock, err := datadir.Lock(opts.Dir)
	if err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	open := open
	if opts.Cluster != nil {
		open = openCluster
	}
	p, rec, err := open(opts, lock)
	if err != nil {
		_ = lock.Unlock()
		return nil, rec, err
	}
	return p, rec, nil
}

// open is Open once the directory is locked.
func open(opts Options, lock *datadir.DirLock) (*Pipeline, Recovered, error) {
	var rec Recovered
	if err := os.MkdirAll(datadir.SnapshotDir(opts.Dir), 0o755); err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	if err := datadir.StoreConfig(opts.Dir, opts.Engine); err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	// Open the journal first: it truncates a torn tail, so the recovery below
	// reads exactly what the writer will continue from.
	jw, jrec, err := journal.Open(journal.Options{Dir: datadir.JournalDir(opts.Dir), Policy: opts.Durability,
		SegmentSize: opts.SegmentSize, MaxDelay: -1})
	if err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	rec.Journal = jrec
	if raftJournal, _, err := journalMode(opts.Dir); err != nil || raftJournal {
		jw.Close()
		if err == nil {
			err = errModeRefused(opts.Dir, true)
		}
		return nil, rec, err
	}
	res, err := datadir.Recover(opts.Dir, opts.Engine)
	if err != nil {
		jw.Close()
		return nil, rec, fmt.Errorf("pipeline: recovery: %w", err)
	}
	rec.FromSnapshot, rec.DamagedSnapshots, rec.Replayed = res.FromSnapshot, res.DamagedSnapshots, res.Replayed
	rec.LastSeq, rec.StateHash, rec.Torn = res.LastSeq, res.Engine.StateHash(), res.Torn
	rec.DayOpened = res.Engine.DayOpened()

	p := &Pipeline{opts: opts, lock: lock, eng: res.Engine, jw: jw, base: res.LastSeq, lastTime: res.LastTime,
		checkpoints: make(chan [2]uint64, 1024), snapReq: make(chan snapJob, 1), snapFree: make(chan []byte, 1),
		snapDone: make(chan struct{})}
	for i := range p.stages {
		p.stages[i] = stagehist.New()
	}
	p.durable.seq.Store(res.LastSeq)
	p.matched.Store(res.LastSeq)
	p.sent.Store(res.LastSeq)
	p.snapFree <- nil

	if p.in, err = ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: opts.InboundCapacity, Wait: opts.Wait}); err != nil {
		jw.Close()
		return nil, rec, fmt.Errorf("pipeline: inbound ring: %w", err)
	}
	if p.out, err = ringbuffer.New[engine.Event](ringbuffer.Options{Capacity: opts.OutboundCapacity, Wait: opts.Wait}); err != nil {
		jw.Close()
		return nil, rec, fmt.Errorf("pipeline: outbound ring: %w", err)
	}
	if p.pub, err = ringbuffer.NewPublisher(p.in); err != nil {
		jw.Close()
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	p.journaler = &journaler{p: p, last: p.base}
	return p, rec, nil
}

// Start starts the journaler, the matcher, the releaser (which hands every
// event to rep, once its command is durable; nil discards them), one consumer
// per observer (each handed every event the same way, on its own goroutine, in
// parallel with the releaser; nil observers are skipped) and the snapshot
// writer. It may be called once, and not after Close.
func (p *Pipeline) Start(rep Reporter, observers ...Reporter) error {
	p.life.Lock()
	defer p.life.Unlock()
	if p.closing {
		return errors.New("pipeline: Start after Close")
	}
	if p.started.Load() {
		return errors.New("pipeline: Start called twice")
	}
	if p.cl != nil {
		if err := p.startCluster(rep, observers); err != nil {
			return err
		}
		p.started.Store(true)
		return nil
	}
	p.rep = rep
	m := &matcher{p: p, events: engine.NewEvents(4096)}
	var matchConsumer ringbuffer.Consumer = m
	if p.opts.MatcherCPU >= 0 {
		p.matcher = ringbuffer.Pinned(p.opts.MatcherCPU, m)
		matchConsumer = p.matcher
	}
	outConsumers := []ringbuffer.Consumer{&releaser{p: p, rep: rep, main: true}}
	for _, o := range observers {
		if o != nil {
			outConsumers = append(outConsumers, &releaser{p: p, rep: o})
		}
	}
	if err := p.out.Start(outConsumers); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := p.in.Start([]ringbuffer.Consumer{p.journaler, matchConsumer}); err != nil {
		p.out.Close()
		return fmt.Errorf("pipeline: %w", err)
	}
	go p.snapshotter()
	p.started.Store(true)
	return nil
}

// Submit sequences a copy of cmd (its Seq and Time are assigned here) and
// publishes it. Safe for concurrent use; it does not allocate. It blocks while the
// inbound ring is full (back-pressure) and fails once the pipeline is stopping or
// the journal has failed.
func (p *Pipeline) Submit(cmd *engine.Command) error {
	if !p.started.Load() {
		return ErrNotStarted
	}
	if p.cl != nil {
		return p.cl.submit(cmd)
	}
	if p.failed.Load() != nil {
		return ErrStopped
	}
	// What is journaled must decode again at recovery: refuse malformed IDs here.
	if cmd.ClOrdID.N > engine.MaxIDLen || cmd.OrigClOrdID.N > engine.MaxIDLen {
		return ErrBadCommand
	}
	seq, slot, err := p.pub.Claim()
	if err != nil {
		return ErrStopped
	}
	*slot = *cmd
	slot.ClOrdID.Canonicalize()
	slot.OrigClOrdID.Canonicalize()
	slot.Seq = p.base + uint64(seq) + 1
	t := p.opts.Clock()
	if t < p.lastTime {
		t = p.lastTime // the sequencer's time never goes backwards
	}
	p.lastTime = t
	slot.Time = t
	if p.opts.StageTiming && cmd.Received != 0 {
		s := p.stages[stageSequence] // guarded by pub's lock too
		s.Record(t - cmd.Received)
	}
	return p.pub.Publish(seq)
}

// Close stops accepting commands, lets the rings drain (every submitted command
// is journaled, matched and its events delivered), syncs the journal, writes a
// final snapshot, closes everything and unlocks the data directory. It returns
// the first error seen. A pipeline that was opened but never started closes the
// same way (its snapshot then holds the recovered books). Idempotent: later
// calls return nil.
func (p *Pipeline) Close() error {
	var err error
	p.closed.Do(func() {
		p.life.Lock()
		p.closing = true
		started := p.started.Load()
		p.life.Unlock()
		if p.cl != nil {
			err = p.closeCluster(started)
			return
		}
		err = p.pub.Close() // drains and stops the inbound consumers
		if e := p.out.Close(); err == nil {
			err = e
		}
		close(p.snapReq)
		if started {
			<-p.snapDone
		}
		// The journaler has stopped: append the checkpoints it had not picked up.
		if p.failed.Load() == nil {
			p.journaler.appendCheckpoints()
		}
		if e := p.jw.Close(); err == nil {
			err = e
		}
		if f := p.failed.Load(); f != nil && err == nil {
			err = *f
		}
		if e := p.snapErr.Load(); e != nil && err == nil {
			err = *e
		}
		// Everything applied is durable now (the journal is closed cleanly), so a
		// final snapshot is safe and makes the next start fast.
		if err == nil {
			err = p.writeSnapshot(p.eng.LastSeq(), p.eng.AppendSnapshot(nil))
		}
		if e := p.lock.Unlock(); err == nil {
			err = e
		}
	})
	return err
}

// Engine returns the engine. Safe to use before Start and after Close only
// (the matcher owns it while running).
func (p *Pipeline) Engine() *engine.Engine { return p.eng }

// Stats is a consistent-enough view of the pipeline's progress for metrics.
type Stats struct {
	// Sequenced, Durable, Matched and Sent are the last Seq that reached each stage.
	Sequenced, Durable, Matched, Sent uint64
	// InboundUsed and OutboundUsed are ring occupancies in slots.
	InboundUsed, OutboundUsed int64
	// MatcherPinned reports whether the matcher's CPU pin took effect.
	MatcherPinned bool
	// Err is the journal or snapshot failure, if any.
	Err error
}

// Stats reads the progress counters. Safe from any goroutine; before Start
// every stage stands at the last recovered command.
func (p *Pipeline) Stats() Stats {
	if !p.started.Load() { // the rings' cursors and the matcher are set by Start
		return Stats{Sequenced: p.base, Durable: p.base, Matched: p.base, Sent: p.base}
	}
	if p.cl != nil {
		return p.clusterStats()
	}
	s := Stats{Durable: p.durable.seq.Load(), Matched: p.matched.Load(), Sent: p.sent.Load(), MatcherPinned: p.matcher != nil && p.matcher.Pinned()}
	w := p.in.Written()
	s.Sequenced = p.base + uint64(w+1)
	s.InboundUsed = w - p.in.Consumed()
	s.OutboundUsed = p.out.Written() - p.out.Consumed()
	if f := p.failed.Load(); f != nil {
		s.Err = *f
	} else if f := p.snapErr.Load(); f != nil {
		s.Err = *f
	}
	return s
}

func (p *Pipeline) fail(err error) {
	p.failed.CompareAndSwap(nil, &err)
	p.durable.wake()
}

// journaler appends every command and commits once per batch.
type journaler struct {
	p    *Pipeline
	buf  []byte
	last uint64    // Seq of the last command appended
	held [2]uint64 // a checkpoint ahead of last (held[0] == 0: none)
}

func (j *journaler) Consume(lower, upper int64) {
	p := j.p
	if p.failed.Load() != nil {
		return // nothing more becomes durable; Submit refuses new commands
	}
	if p.opts.JournalFault != nil {
		if err := p.opts.JournalFault(); err != nil {
			p.fail(&storageError{ErrJournal, fmt.Errorf("pipeline: journal append: %w", err)})
			return
		}
	}
	if p.opts.noJournal {
		p.durable.publish(p.in.Slot(upper).Seq)
		return
	}
	for s := lower; s <= upper; s++ {
		j.buf = engine.AppendCommand(j.buf[:0], p.in.Slot(s))
		if err := p.jw.Append(journal.TypeCommand, j.buf); err != nil {
			p.fail(&storageError{ErrJournal, fmt.Errorf("pipeline: journal append: %w", err)})
			return
		}
	}
	j.last = p.in.Slot(upper).Seq
	j.appendCheckpoints()
	if err := p.jw.Commit(); err != nil {
		p.fail(&storageError{ErrJournal, fmt.Errorf("pipeline: journal commit: %w", err)})
		return
	}
	p.durable.publish(p.in.Slot(upper).Seq)
	if p.opts.StageTiming {
		p.recordBatch(stageJournal, lower, upper)
	}
}

// recordBatch records now - Time for the commands lower..upper of the inbound
// ring (still held by the calling consumer).
func (p *Pipeline) recordBatch(stage int, lower, upper int64) {
	now := nowNanos()
	s := p.stages[stage]
	s.Lock()
	for q := lower; q <= upper; q++ {
		s.RecordLocked(now - p.in.Slot(q).Time)
	}
	s.Unlock()
}

// appendCheckpoints appends the checkpoints the matcher has handed over, each
// only after its command. The matcher runs ahead of the journal, so a checkpoint
// can arrive before the journaler has appended its command; appended then, a
// crash could keep the checkpoint and lose the command, and the next run would
// give that Seq to another command, whose state the old checkpoint contradicts.
// Such a checkpoint is held until a later batch has appended its command.
// Checkpoints arrive in Seq order, so only the first ahead of last waits.
func (j *journaler) appendCheckpoints() {
	p := j.p
	for {
		c := j.held
		if c[0] == 0 {
			select {
			case c = <-p.checkpoints:
			default:
				return
			}
		}
		if c[0] > j.last {
			j.held = c
			return
		}
		j.held = [2]uint64{}
		j.buf = datadir.AppendCheckpoint(j.buf[:0], c[0], c[1])
		if err := p.jw.Append(journal.TypeCheckpoint, j.buf); err != nil {
			p.fail(&storageError{ErrJournal, fmt.Errorf("pipeline: journal append: %w", err)})
			return
		}
	}
}

// publishEvents copies evs into the outbound ring, reserving in chunks: one
// command can cause more events than the ring holds. It returns false once the
// ring is closing. Only the matcher calls it.
func (p *Pipeline) publishEvents(evs []engine.Event) bool {
	for len(evs) > 0 {
		n := min(int64(len(evs)), p.out.Capacity()/2)
		hi, err := p.out.Reserve(n)
		if err != nil {
			return false
		}
		lo := hi - n + 1
		for i := int64(0); i < n; i++ {
			*p.out.Slot(lo + i) = evs[i]
		}
		_ = p.out.Commit(lo, hi)
		evs = evs[n:]
	}
	return true
}

// matcher applies commands and forwards their events to the outbound ring.
type matcher struct {
	p      *Pipeline
	events *engine.Events
}

func (m *matcher) Consume(lower, upper int64) {
	p := m.p
	for s := lower; s <= upper; s++ {
		cmd := p.in.Slot(s)
		m.events.Reset()
		p.eng.Apply(cmd, m.events)
		if !p.publishEvents(m.events.Slice()) {
			return // closing
		}
		if e := p.opts.CheckpointEvery; e > 0 && cmd.Seq%uint64(e) == 0 {
			select {
			case p.checkpoints <- [2]uint64{cmd.Seq, p.eng.StateHash()}:
			default: // the journaler is behind on checkpoints; skip this one
			}
		}
		if e := p.opts.SnapshotEvery; e > 0 && cmd.Seq%uint64(e) == 0 {
			select {
			case buf := <-p.snapFree:
				p.snapReq <- snapJob{seq: cmd.Seq, buf: p.eng.AppendSnapshot(buf[:0])}
			default: // the previous snapshot is still being written
			}
		}
	}
	p.matched.Store(p.in.Slot(upper).Seq)
	if p.opts.StageTiming {
		p.recordBatch(stageMatch, lower, upper)
	}
}

// releaser hands events to a Reporter once their commands are durable. The
// main one (the Reporter of Start) also publishes Sent and the release stage
// timing; the observers' do neither.
type releaser struct {
	p       *Pipeline
	rep     Reporter // nil discards
	main    bool
	durable uint64
	lastSeq uint64 // for stage timing: the first event of each command
}

func (rl *releaser) Consume(lower, upper int64) {
	p := rl.p
	for s := lower; s <= upper; s++ {
		ev := p.out.Slot(s)
		if ev.Seq > rl.durable {
			rl.durable = p.durable.wait(ev.Seq, &p.failed)
			if ev.Seq > rl.durable {
				return // the journal failed: nothing more may be released
			}
		}
		if rl.rep != nil {
			rl.rep.Deliver(ev)
		}
		if !rl.main {
			continue
		}
		if p.opts.StageTiming && ev.Seq != rl.lastSeq {
			rl.lastSeq = ev.Seq
			st := p.stages[stageRelease]
			st.Record(nowNanos() - ev.Time)
		}
		p.sent.Store(ev.Seq)
	}
}

// snapshotter writes snapshots handed over by the matcher once they are durable
// and on disk. Durable means fsynced under batch and every but only written to
// the OS under none, so it first has the journal fsync what is durable
// (SyncDurable, a no-op but under none): a snapshot must never be ahead of the
// journal a crash of the machine leaves, or recovery would have to refuse
// (datadir.SnapshotAheadError).
func (p *Pipeline) snapshotter() {
	defer close(p.snapDone)
	for job := range p.snapReq {
		if p.durable.wait(job.seq, &p.failed) >= job.seq {
			err := p.jw.SyncDurable()
			if err != nil {
				err = &storageError{ErrSnapshot, fmt.Errorf("pipeline: snapshot at seq %d not written: %w", job.seq, err)}
			} else {
				err = p.writeSnapshot(job.seq, job.buf)
			}
			if err != nil {
				p.snapErr.CompareAndSwap(nil, &err)
			}
		}
		p.snapFree <- job.buf
	}
}

func (p *Pipeline) writeSnapshot(seq uint64, buf []byte) error {
	if seq == 0 {
		return nil
	}
	if err := journal.WriteSnapshotKeep(datadir.SnapshotDir(p.opts.Dir), seq, buf, p.opts.SnapshotsKept); err != nil {
		return &storageError{ErrSnapshot, fmt.Errorf("pipeline: snapshot at seq %d: %w", seq, err)}
	}
	return nil
}

// durableSeq publishes the journal's durable sequence and lets any number of
// waiters (the releaser, each observer, the snapshotter) park until it passes
// a value. A waiter counts itself in waiters under mu before its last check of
// seq and stays counted until it returns; publish stores seq and then, if
// anyone is counted, broadcasts under mu. With sequentially consistent atomics
// either the publisher sees the count (and its broadcast, taken under mu, can
// only land while the waiter is parked in Wait) or the waiter's check sees the
// new seq, so no wake-up is lost however many wait.
type durableSeq struct {
	seq     atomic.Uint64
	waiters atomic.Int32
	mu      sync.Mutex
	cond    *sync.Cond
}

// Polls of durableSeq.wait before it parks: plain loads, then Gosched calls.
const (
	durableSpins  = 64
	durableYields = 8
)

func (d *durableSeq) publish(seq uint64) {
	d.seq.Store(seq)
	d.wake()
}

func (d *durableSeq) wake() {
	if d.waiters.Load() > 0 {
		d.mu.Lock()
		if d.cond != nil {
			d.cond.Broadcast()
		}
		d.mu.Unlock()
	}
}

// wait returns the durable sequence once it is >= seq, or earlier if failed is
// set. It spins briefly, yields a few times, then parks. The wait is either
// short (the journaler is writing the group that holds seq: a few µs with
// durability none) or an fsync (~0.3 ms on our VMs, more under load): yielding
// through an fsync cost ~0.2 ms of CPU per wait, measured as server CPU per
// order at 1k orders/s with batch, 512 µs with 192 yields, so few are made.
func (d *durableSeq) wait(seq uint64, failed *atomic.Pointer[error]) uint64 {
	for i := 0; i < durableSpins+durableYields; i++ {
		if v := d.seq.Load(); v >= seq {
			return v
		}
		if i >= durableSpins {
			runtime.Gosched()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cond == nil {
		d.cond = sync.NewCond(&d.mu)
	}
	d.waiters.Add(1)
	defer d.waiters.Add(-1)
	for {
		if v := d.seq.Load(); v >= seq || failed.Load() != nil {
			return v
		}
		d.cond.Wait()
	}
}
