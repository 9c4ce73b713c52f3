package replay

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// RaftLog describes a cluster node's raft log as a replay read it.
type RaftLog struct {
	// LastIndex, Commit and Term are the node's raft position: the last
	// entry in its log, the commit index of its last HardState (raised to
	// the snapshot's index as raftlog raises it on recovery) and its term.
	LastIndex, Commit, Term uint64
	// Pending counts the entries after Commit: journaled but not known
	// committed on this node, so not replayed.
	Pending uint64
	// Complete is false when the replay stopped early (StopSeq, StopTime)
	// without ReadToEnd: the fields above describe the log up to the stop.
	Complete bool
	// SnapshotIndex and SnapshotPath are the raft snapshot the replay
	// started from (0 and "": the first entry). Received is set when the
	// node received it from its leader: the log before it is not in its
	// journal, so the replay starts there even without FromSnapshot.
	SnapshotIndex uint64
	SnapshotPath  string
	Received      bool
	// Entries counts the committed entries read, Overwritten the entries a
	// later one replaced (the overwrite rule), Leader the leader items
	// skipped.
	Entries, Overwritten, Leader int
}

// PendingNote says why the entries after the commit index were not replayed
// ("" when there are none).
func (r *RaftLog) PendingNote() string {
	if r.Pending == 0 {
		return ""
	}
	return fmt.Sprintf("%d entries after the last commit index %d: not known committed on this node (not replayed)", r.Pending, r.Commit)
}

// runCluster replays a cluster node's journal: the committed entries of its
// raft log in index order (cluster.OpenJournal: the overwrite rule, entries
// up to the last commit index only), from the first entry or a raft
// snapshot. Checkpoint items are verified like checkpoint records.
func runCluster(opts Options) (Result, error) {
	var res Result
	var expect map[uint64][]expectation
	var err error
	if opts.Verify {
		if expect, err = collectClusterExpectations(opts); err != nil {
			return res, err
		}
	}
	jr, err := openCluster(opts)
	if err != nil {
		return res, err
	}
	defer jr.Close()
	eng := jr.Engine()
	snap := jr.Snapshot()
	res.Raft = &RaftLog{SnapshotIndex: snap.Index, SnapshotPath: snap.Path, Received: snap.Reset}
	if snap.Path != "" {
		res.FromSnapshot = eng.LastSeq()
	}
	if snap.Reset && opts.FromFirstCommand && !opts.FromSnapshot {
		return res, fmt.Errorf("replay: the node received raft snapshot %s (seq %d) from its leader and its journal lacks the log "+
			"before it: it cannot be replayed from the first command (replay another node's data directory)", snap.Path, eng.LastSeq())
	}
	if opts.StopSeq != 0 && eng.LastSeq() > opts.StopSeq {
		return res, fmt.Errorf("replay: cannot stop at seq %d: the replay starts at raft snapshot %s (seq %d), which the node received "+
			"from its leader: the log before it is not in this journal", opts.StopSeq, snap.Path, eng.LastSeq())
	}
	for _, d := range jr.Raft().DamagedSnapshots {
		res.DamagedSnapshots = append(res.DamagedSnapshots, journal.DamagedSnapshot{Path: d.Path, Reason: d.Reason})
	}
	ap := newApplier(opts, eng, expect, &res)
	jdir := datadir.JournalDir(opts.Dir)
	total := journalSize(jdir)
	pos := func() (uint64, int64) { p := jr.Position(); return p.Segment, p.Offset }
	var cmd engine.Command
	stopped := false
	for {
		kind, err := jr.Next(&cmd)
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fmt.Errorf("replay: %w", err)
		}
		if kind != cluster.ItemCommand || stopped {
			continue
		}
		if ap.progress(pos) {
			opts.Progress(segmentBytesBefore(jdir, ap.seg)+ap.off, total)
		}
		stop, err := ap.apply(&cmd)
		if err != nil {
			return res, err
		}
		if stop {
			if stopped = true; !opts.ReadToEnd {
				break
			}
		}
	}
	if opts.Progress != nil {
		opts.Progress(total, total)
	}
	ap.finish()
	rec := jr.Raft()
	res.Raft.LastIndex, res.Raft.Commit, res.Raft.Term = rec.LastIndex, rec.Commit, rec.Term
	res.Raft.Overwritten, res.Raft.Entries, res.Raft.Leader = rec.Overwritten, jr.Entries, jr.Leader
	if res.Raft.Complete = !stopped || opts.ReadToEnd; res.Raft.Complete {
		res.Raft.Pending = jr.Pending()
		res.Torn = jr.Torn()
	}
	return res, nil
}

// openCluster opens the node's journal at the starting point opts asks for.
func openCluster(opts Options) (*cluster.JournalReader, error) {
	maxSeq := opts.StopSeq
	if opts.SnapshotAtOrBefore != 0 {
		maxSeq = opts.SnapshotAtOrBefore
	}
	jr, err := cluster.OpenJournal(cluster.JournalOptions{Dir: opts.Dir, Engine: opts.Engine,
		FromSnapshot: opts.FromSnapshot, MaxSeq: maxSeq})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return jr, nil
}

// collectClusterExpectations reads every checkpoint item of the committed
// entries, every raft snapshot and every engine snapshot file.
func collectClusterExpectations(opts Options) (map[uint64][]expectation, error) {
	m := make(map[uint64][]expectation)
	jr, err := openCluster(opts)
	if err != nil {
		return nil, err
	}
	defer jr.Close()
	var cmd engine.Command
	for {
		kind, err := jr.Next(&cmd)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		if kind != cluster.ItemCheckpoint {
			continue
		}
		seq, hash := jr.Checkpoint()
		idx, off := jr.Where()
		at := jr.Position()
		m[seq] = append(m[seq], expectation{hash: hash, what: "checkpoint",
			where: fmt.Sprintf("seq %d (item at raft index %d byte %d, journal segment %d offset %d)", seq, idx, off, at.Segment, at.Offset)})
	}
	files, err := raftlog.ListSnapshots(datadir.SnapshotDir(opts.Dir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("replay: %w", err)
	}
	for _, f := range files {
		f, snap, err := raftlog.ReadSnapshot(f)
		if err != nil {
			return nil, fmt.Errorf("replay: verify: %w", err)
		}
		eng, err := cluster.RestoreEngine(opts.Engine, f.Index, snap.GetData())
		if err != nil {
			return nil, fmt.Errorf("replay: verify: raft snapshot %s: %w", f.Path, err)
		}
		seq := eng.LastSeq()
		m[seq] = append(m[seq], expectation{hash: eng.StateHash(), what: "raft snapshot", where: f.Path, isSnap: true})
	}
	return m, engineSnapshots(opts, m)
}
