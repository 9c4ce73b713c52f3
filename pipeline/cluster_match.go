package pipeline

import (
	"fmt"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/engine"
)

// clusterMatcher is the apply ring's consumer: it applies committed commands
// to the engine and forwards their events to the outbound ring, as the
// single-node matcher does; it also compares checkpoint items with its own
// state hashes, restores snapshots a leader sent, and hands a snapshot to the
// node every snapshotEvery entries.
type clusterMatcher struct {
	p      *Pipeline
	c      *clusterState
	events *engine.Events
	meta   cluster.SnapshotMeta // as of index
	index  uint64               // raft index of the last entry applied
	every  uint64               // checkpoint interval (0: none)
	ring   [64]seqHash
	nring  int
	since  uint64 // entries applied since the last snapshot handed over
	snapAt uint64 // entries between snapshots
	dead   bool   // diverged: apply nothing more
}

type seqHash struct{ seq, hash uint64 }

func newClusterMatcher(p *Pipeline) *clusterMatcher {
	c := p.cl
	m := &clusterMatcher{p: p, c: c, events: engine.NewEvents(4096), index: c.skipTo, meta: c.openMeta,
		snapAt: cluster.DefaultSnapshotEvery}
	m.meta.Members = make(map[uint64]string, len(c.openMeta.Members))
	for id, a := range c.openMeta.Members {
		m.meta.Members[id] = a
	}
	if e := p.opts.CheckpointEvery; e > 0 {
		m.every = uint64(e)
	}
	if c.opts.snapshotEvery > 0 {
		m.snapAt = c.opts.snapshotEvery
	}
	return m
}

func (m *clusterMatcher) Consume(lower, upper int64) {
	c := m.c
	r := c.apply
	for s := lower; s <= upper; s++ {
		sl := r.Slot(s)
		if m.dead {
			if sl.kind == applyRestore {
				c.restored <- errStoppedDiverged
			}
			continue
		}
		switch sl.kind {
		case applyCommand:
			m.applyCommand(&sl.cmd)
		case applyCheckpoint:
			m.verify(sl)
		case applyLeader:
			m.meta.Leader, m.meta.LeaderFIX = sl.node, sl.addr
		case applyMember:
			if sl.removed {
				delete(m.meta.Members, sl.node)
			} else {
				m.meta.Members[sl.node] = sl.addr
				// A new member catches up from a snapshot that must hold it in
				// its ConfState (raft ignores one that does not): take one right
				// after this entry, as etcd does for a joining member.
				m.since = m.snapAt
			}
		case applyRestore:
			c.restored <- m.restore(sl.index, sl.data)
			sl.data = nil
			continue
		}
		if sl.last && !m.dead {
			m.index = sl.index
			c.applied.Store(sl.index)
			m.since++
			if m.since >= m.snapAt {
				m.handSnapshot()
			}
		}
	}
}

var errStoppedDiverged = fmt.Errorf("%w: the state diverged", ErrStopped)

func (m *clusterMatcher) applyCommand(cmd *engine.Command) {
	p := m.p
	m.events.Reset()
	p.eng.Apply(cmd, m.events)
	if !p.publishEvents(m.events.Slice()) {
		return // closing
	}
	m.meta.LastSeq, m.meta.LastTime = cmd.Seq, cmd.Time
	if m.every != 0 && cmd.Seq%m.every == 0 {
		h := p.eng.StateHash()
		m.ring[m.nring%len(m.ring)] = seqHash{cmd.Seq, h}
		m.nring++
		select {
		case m.c.checkpoints <- [2]uint64{cmd.Seq, h}:
		default: // the proposer (a follower's: nobody) is behind; skip this one
		}
	}
	p.matched.Store(cmd.Seq)
}

// verify compares a checkpoint item with this node's own hash after its seq;
// a difference stops the pipeline and the node with a *cluster.DivergenceError.
func (m *clusterMatcher) verify(sl *applySlot) {
	p := m.p
	local, found := uint64(0), false
	if sl.seq == p.eng.LastSeq() {
		local, found = p.eng.StateHash(), true
	} else {
		for i := max(0, m.nring-len(m.ring)); i < m.nring; i++ {
			if e := m.ring[i%len(m.ring)]; e.seq == sl.seq {
				local, found = e.hash, true
				break
			}
		}
	}
	if !found || local == sl.hash {
		return // a seq before this node's snapshot or out of its ring: unchecked
	}
	err := &cluster.DivergenceError{Index: sl.index, Seq: sl.seq, Proposer: sl.hash, Local: local}
	m.dead = true
	p.fail(err)
	m.c.opts.Logger.Error().Err(err).Uint64("node", m.c.opts.NodeID).Msg("pipeline: stopping: a determinism bug")
	m.c.cancel()
}

// restore replaces the engine with a snapshot's (a follower the leader sent
// MsgSnap), between the commands before and after it.
func (m *clusterMatcher) restore(index uint64, data []byte) error {
	p := m.p
	meta, engSnap, err := cluster.DecodeSnapshotData(index, data)
	if err != nil {
		return err
	}
	eng, err := engine.Restore(p.opts.Engine, engSnap)
	if err != nil {
		return fmt.Errorf("pipeline: restoring the raft snapshot at index %d: %w", index, err)
	}
	p.eng = eng
	m.meta, m.index, m.nring, m.since = meta, index, 0, 0
	m.c.applied.Store(index)
	p.matched.Store(eng.LastSeq())
	return nil
}

// handSnapshot hands the node a snapshot at the last applied entry; if the
// node is still busy with the previous one, it tries again in half the
// interval.
func (m *clusterMatcher) handSnapshot() {
	data := cluster.AppendSnapshotData(nil, &m.meta, m.p.eng.AppendSnapshot)
	if m.c.node.OfferSnapshot(m.index, data) {
		m.since = 0
	} else {
		m.since = m.snapAt / 2
	}
}
