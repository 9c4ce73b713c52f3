package pipeline

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/stagehist"
	"github.com/openmatch/matchd/journal"
)

// journalMode reads the first record of the journal in dir: raft says it is a
// cluster node's journal (raft entries and states), single a standalone
// pipeline's (commands, checkpoints); neither when it is empty or absent.
func journalMode(dir string) (raftJournal, single bool, err error) {
	r, err := journal.OpenReader(datadir.JournalDir(dir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, journal.ErrEmpty) {
			return false, false, nil
		}
		return false, false, fmt.Errorf("pipeline: %w", err)
	}
	defer r.Close()
	rec, err := r.Next()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, journal.ErrTornTail) {
			return false, false, nil
		}
		return false, false, fmt.Errorf("pipeline: %w", err)
	}
	switch rec.Type {
	case journal.TypeRaftEntry, journal.TypeRaftState:
		return true, false, nil
	default:
		return false, true, nil
	}
}

// errModeRefused names the journal's mode when it is not the one Open runs.
func errModeRefused(dir string, clusterJournal bool) error {
	if clusterJournal {
		return fmt.Errorf("pipeline: the journal in %s is a cluster node's (raft entries): open it with Options.Cluster (converting a journal between cluster and single-node mode is not supported)", datadir.JournalDir(dir))
	}
	return fmt.Errorf("pipeline: the journal in %s is a single-node pipeline's (commands): it cannot become a cluster node's (converting a journal between single-node and cluster mode is not supported; start the node from an empty data directory)", datadir.JournalDir(dir))
}

// openCluster is Open in cluster mode, once the directory is locked: the raft
// log, the engine recovered from the newest raft snapshot, and every committed
// entry after it applied, so that Recovered is the state the node starts in.
func openCluster(opts Options, lock *datadir.DirLock) (*Pipeline, Recovered, error) {
	var rec Recovered
	co := *opts.Cluster
	if err := co.check(); err != nil {
		return nil, rec, err
	}
	if co.ClusterID == 0 {
		co.ClusterID = 1
	}
	opts.Cluster = &co
	if err := os.MkdirAll(datadir.SnapshotDir(opts.Dir), 0o755); err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	if err := datadir.StoreConfig(opts.Dir, opts.Engine); err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	if _, single, err := journalMode(opts.Dir); err != nil {
		return nil, rec, err
	} else if single {
		return nil, rec, errModeRefused(opts.Dir, false)
	}
	if snaps, err := journal.ListSnapshots(datadir.SnapshotDir(opts.Dir)); err == nil && len(snaps) > 0 {
		return nil, rec, fmt.Errorf("pipeline: %s holds single-node engine snapshots (%s): a cluster node starts from an empty data directory (converting is not supported)",
			datadir.SnapshotDir(opts.Dir), snaps[len(snaps)-1].Path)
	}
	log, rrec, err := raftlog.Open(raftlog.Options{JournalDir: datadir.JournalDir(opts.Dir), SnapshotDir: datadir.SnapshotDir(opts.Dir),
		Policy: opts.Durability, SegmentSize: opts.SegmentSize, SnapshotKeep: opts.SnapshotsKept})
	rec.Journal, rec.Raft = rrec.Journal, rrec
	if err != nil {
		return nil, rec, fmt.Errorf("pipeline: %w", err)
	}
	c, err := recoverCluster(opts, log, &rec)
	if err != nil {
		log.Close()
		return nil, rec, err
	}
	p := &Pipeline{opts: opts, lock: lock, eng: c.eng, base: rec.LastSeq, lastTime: c.meta.LastTime, cl: c.state,
		snapDone: make(chan struct{})}
	c.state.p, c.state.log = p, log
	for i := range p.stages {
		p.stages[i] = stagehist.New()
	}
	p.durable.seq.Store(math.MaxUint64) // applied = committed: nothing to gate on
	p.matched.Store(rec.LastSeq)
	p.sent.Store(rec.LastSeq)
	return p, rec, nil
}

type recovered struct {
	eng   *engine.Engine
	meta  cluster.SnapshotMeta
	state *clusterState
}

// recoverCluster restores the engine from the log's snapshot and applies the
// committed entries after it (checkpoints verified, leader items recorded,
// conf changes read for the members' addresses).
func recoverCluster(opts Options, log *raftlog.Log, rec *Recovered) (recovered, error) {
	var r recovered
	co := opts.Cluster
	every := uint64(0)
	if opts.CheckpointEvery > 0 {
		every = uint64(opts.CheckpointEvery)
	}
	app, err := cluster.NewEngineApplier(opts.Engine, every)
	if err != nil {
		return r, err
	}
	r.meta.Members = make(map[uint64]string, len(co.Peers))
	for id, addr := range co.Peers {
		r.meta.Members[id] = addr
	}
	snap, err := log.Snapshot()
	if err != nil {
		return r, fmt.Errorf("pipeline: %w", err)
	}
	snapIndex := snap.GetMetadata().GetIndex()
	if !raft.IsEmptySnap(snap) {
		meta, engSnap, err := cluster.DecodeSnapshotData(snapIndex, snap.GetData())
		if err != nil {
			return r, err
		}
		if err := app.Restore(snapIndex, engSnap); err != nil {
			return r, fmt.Errorf("pipeline: %w", err)
		}
		for id, addr := range co.Peers { // the configuration's addresses win
			meta.Members[id] = addr
		}
		r.meta = meta
		rec.FromSnapshot = app.Engine().LastSeq()
	}
	hs, _, err := log.InitialState()
	if err != nil {
		return r, fmt.Errorf("pipeline: %w", err)
	}
	commit := max(hs.GetCommit(), snapIndex)
	app.OnCommand = func(_ uint64, cmd *engine.Command, _ []engine.Event) {
		rec.Replayed++
		r.meta.LastTime = cmd.Time
	}
	for lo := snapIndex + 1; lo <= commit; {
		ents, err := log.Entries(lo, commit+1, 64<<20)
		if err != nil {
			return r, fmt.Errorf("pipeline: reading raft entries %d to %d: %w", lo, commit, err)
		}
		for _, e := range ents {
			if err := replayEntry(app, e, &r.meta); err != nil {
				return r, fmt.Errorf("pipeline: recovery: %w", err)
			}
		}
		lo += uint64(len(ents))
	}
	app.OnCommand = nil
	if node, fix := app.Leader(); node != 0 {
		r.meta.Leader, r.meta.LeaderFIX = node, fix
	}
	r.eng = app.Engine()
	r.meta.LastSeq = r.eng.LastSeq()
	rec.LastSeq, rec.StateHash, rec.DayOpened = r.meta.LastSeq, r.eng.StateHash(), r.eng.DayOpened()
	rec.RaftApplied = commit
	r.state = newClusterState(*co, commit, r.meta)
	return r, nil
}

// replayEntry applies one committed entry at recovery: a batch to the engine,
// a conf change to the members' addresses (raft re-applies it to its own
// configuration when the node starts).
func replayEntry(app *cluster.EngineApplier, e *raftpb.Entry, meta *cluster.SnapshotMeta) error {
	switch e.GetType() {
	case raftpb.EntryNormal:
		return app.ApplyBatch(e.GetIndex(), e.GetData())
	case raftpb.EntryConfChange:
		cc := &raftpb.ConfChange{}
		if err := proto.Unmarshal(e.GetData(), cc); err != nil {
			return fmt.Errorf("conf change at raft index %d: %w", e.GetIndex(), err)
		}
		applyMembers(meta.Members, cc.AsV2())
	case raftpb.EntryConfChangeV2:
		cc := &raftpb.ConfChangeV2{}
		if err := proto.Unmarshal(e.GetData(), cc); err != nil {
			return fmt.Errorf("conf change at raft index %d: %w", e.GetIndex(), err)
		}
		applyMembers(meta.Members, cc)
	}
	return nil
}

// applyMembers updates the address book with a conf change: an added node's
// address is the change's Context (AddMember puts it there; a change adding
// several nodes at once carries none), a removed node is forgotten.
func applyMembers(members map[uint64]string, cc *raftpb.ConfChangeV2) (added map[uint64]string, removed []uint64) {
	for _, ch := range cc.GetChanges() {
		id := ch.GetNodeId()
		switch ch.GetType() {
		case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode:
			if addr := string(cc.GetContext()); addr != "" && len(cc.GetChanges()) == 1 {
				if members[id] != addr {
					if added == nil {
						added = make(map[uint64]string)
					}
					added[id] = addr
				}
				members[id] = addr
			} else if _, ok := members[id]; !ok {
				members[id] = ""
			}
		case raftpb.ConfChangeRemoveNode:
			if _, ok := members[id]; ok {
				delete(members, id)
				removed = append(removed, id)
			}
		}
	}
	return added, removed
}
