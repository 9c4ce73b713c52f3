package cluster

import (
	"errors"
	"fmt"

	"github.com/openmatch/matchd/engine"
)

// Applier is the state machine a Core applies committed entries to. A Core
// calls it from one goroutine (the Node's loop), in raft index order.
type Applier interface {
	// ApplyBatch applies the normal entry at raft index index, whose data is a
	// batch in the entry format (entry.go; raft's own empty entries have no
	// items). An error stops the Core: the state is not rolled back, and the
	// node must not go on (a divergence or a malformed entry).
	ApplyBatch(index uint64, data []byte) error
	// AppendSnapshot appends the applied state to dst, for a raft snapshot at
	// the index last applied.
	AppendSnapshot(dst []byte) []byte
	// Restore replaces the state with a snapshot's (taken by AppendSnapshot on
	// some node) at raft index index.
	Restore(index uint64, data []byte) error
}

// DivergenceError stops a node whose engine state hash differs from the one a
// checkpoint item carries: the same committed commands produced different
// states, a determinism bug (contract §8, issue 14).
type DivergenceError struct {
	// Index is the raft index of the entry holding the checkpoint item.
	Index uint64
	// Seq is the command after which the hashes were taken.
	Seq uint64
	// Proposer is the hash in the checkpoint (the proposing leader's state).
	Proposer uint64
	// Local is this node's state hash after Seq.
	Local uint64
}

// Error implements error.
func (e *DivergenceError) Error() string {
	return fmt.Sprintf("cluster: state diverged: checkpoint at raft index %d says state hash %016x after seq %d, this node has %016x",
		e.Index, e.Proposer, e.Seq, e.Local)
}

// checkpointRing is how many recent (seq, state hash) pairs an EngineApplier
// keeps for the checkpoint items that follow them in later entries.
const checkpointRing = 64

type seqHash struct{ seq, hash uint64 }

// EngineApplier is the Applier over an engine.Engine: every node's matcher in
// cluster mode (decision 2: it sees committed entries only). After every
// command whose Seq is a multiple of CheckpointEvery it records the engine's
// StateHash; the leader's sequencer puts that pair in a later batch as a
// checkpoint item (LastCheckpoint), and every node that reaches the item
// compares it with its own record, stopping with a *DivergenceError when they
// differ. It also refuses a command whose Seq does not exceed the last one
// (engine.Command.Seq is strictly increasing).
//
// Once warm, ApplyBatch allocates nothing (the events buffer has grown to the
// largest burst).
type EngineApplier struct {
	cfg    engine.Config
	eng    *engine.Engine
	events *engine.Events
	cmd    engine.Command
	items  Items
	every  uint64
	ring   [checkpointRing]seqHash
	nring  int // pairs recorded since the last Restore (the ring holds the last min(nring, checkpointRing))
	index  uint64

	checked, unchecked int

	leader    uint64 // the last ItemLeader applied
	leaderFIX string

	// OnCommand, if not nil, is called after each command is applied, with its
	// events (aliasing a buffer reused for the next command).
	OnCommand func(index uint64, cmd *engine.Command, events []engine.Event)
}

// NewEngineApplier returns an applier over a new engine built from cfg, that
// records a state hash every checkpointEvery seqs (0: never).
func NewEngineApplier(cfg engine.Config, checkpointEvery uint64) (*EngineApplier, error) {
	eng, err := engine.New(cfg)
	if err != nil {
		return nil, err
	}
	return &EngineApplier{cfg: cfg, eng: eng, events: engine.NewEvents(256), every: checkpointEvery}, nil
}

// Engine is the applier's engine (read it only from the goroutine that applies).
func (a *EngineApplier) Engine() *engine.Engine { return a.eng }

// Index is the raft index of the last entry applied or restored.
func (a *EngineApplier) Index() uint64 { return a.index }

// LastCheckpoint is the most recent (seq, state hash) pair recorded, for the
// leader to propose as a checkpoint item; ok is false when there is none.
func (a *EngineApplier) LastCheckpoint() (seq, stateHash uint64, ok bool) {
	if a.nring == 0 {
		return 0, 0, false
	}
	p := a.ring[(a.nring-1)%checkpointRing]
	return p.seq, p.hash, true
}

// Leader is the last leader item applied (node 0: none since the start or the
// last Restore). It never reaches the engine.
func (a *EngineApplier) Leader() (node uint64, fixAddr string) { return a.leader, a.leaderFIX }

// Checkpoints counts the checkpoint items compared (and found equal) and those
// this node could not compare: it had restored a snapshot taken after the seq,
// or the seq had left its ring of recent pairs.
func (a *EngineApplier) Checkpoints() (checked, unchecked int) { return a.checked, a.unchecked }

// ApplyBatch implements Applier. The entry is checked whole (framing and
// command encodings) before any command is applied, so a malformed entry
// changes nothing.
func (a *EngineApplier) ApplyBatch(index uint64, data []byte) error {
	a.items.Reset(data)
	for a.items.Next() {
		if a.items.Kind() == ItemCommand {
			if err := a.items.Command(&a.cmd); err != nil {
				break
			}
		}
	}
	if err := a.items.Err(); err != nil {
		var ee *EntryError
		if errors.As(err, &ee) {
			ee.Index = index
		}
		return err
	}
	a.items.Reset(data)
	for a.items.Next() {
		switch a.items.Kind() {
		case ItemCommand:
			_ = a.items.Command(&a.cmd) // checked above
			if err := a.apply(index); err != nil {
				return err
			}
		case ItemCheckpoint:
			seq, hash, _ := a.items.Checkpoint()
			if err := a.verify(index, seq, hash); err != nil {
				return err
			}
		case ItemLeader:
			node, addr, _ := a.items.Leader()
			if node != a.leader || string(addr) != a.leaderFIX {
				a.leader, a.leaderFIX = node, string(addr)
			}
		}
	}
	a.index = index
	return nil
}

func (a *EngineApplier) apply(index uint64) error {
	c := &a.cmd
	if last := a.eng.LastSeq(); c.Seq <= last {
		return &EntryError{Index: index, Offset: a.items.Offset(),
			Reason: fmt.Sprintf("command seq %d does not follow the last applied seq %d", c.Seq, last)}
	}
	a.events.Reset()
	a.eng.Apply(c, a.events)
	if a.every != 0 && c.Seq%a.every == 0 {
		a.ring[a.nring%checkpointRing] = seqHash{c.Seq, a.eng.StateHash()}
		a.nring++
	}
	if a.OnCommand != nil {
		a.OnCommand(index, c, a.events.Slice())
	}
	return nil
}

func (a *EngineApplier) verify(index, seq, hash uint64) error {
	last := a.eng.LastSeq()
	if seq > last {
		return &EntryError{Index: index, Offset: a.items.Offset(),
			Reason: fmt.Sprintf("checkpoint for seq %d, past the last applied seq %d", seq, last)}
	}
	local, found := uint64(0), false
	if seq == last {
		local, found = a.eng.StateHash(), true
	} else {
		for i := max(0, a.nring-checkpointRing); i < a.nring; i++ {
			if p := a.ring[i%checkpointRing]; p.seq == seq {
				local, found = p.hash, true
				break
			}
		}
	}
	if !found {
		a.unchecked++
		return nil
	}
	if local != hash {
		return &DivergenceError{Index: index, Seq: seq, Proposer: hash, Local: local}
	}
	a.checked++
	return nil
}

// AppendSnapshot implements Applier with the engine's snapshot encoding.
func (a *EngineApplier) AppendSnapshot(dst []byte) []byte { return a.eng.AppendSnapshot(dst) }

// Restore implements Applier: the engine is rebuilt from the snapshot, and the
// ring of recorded pairs starts empty.
func (a *EngineApplier) Restore(index uint64, data []byte) error {
	eng, err := RestoreEngine(a.cfg, index, data)
	if err != nil {
		return err
	}
	a.eng, a.index, a.nring = eng, index, 0
	a.leader, a.leaderFIX = 0, ""
	return nil
}

var _ Applier = (*EngineApplier)(nil)
