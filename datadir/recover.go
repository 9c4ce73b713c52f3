package datadir

import (
	"errors"
	"io"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// Recovered is the state Recover rebuilt.
type Recovered struct {
	// Engine holds the books as of the last journaled command.
	Engine *engine.Engine
	// FromSnapshot is the Seq of the snapshot recovery started from (0: none).
	FromSnapshot uint64
	// DamagedSnapshots were newer than the one used and failed to verify.
	DamagedSnapshots []journal.DamagedSnapshot
	// Replayed is the number of journaled commands applied after the snapshot.
	Replayed uint64
	// LastSeq is the Seq of the last command applied (or the snapshot's).
	LastSeq uint64
	// LastTime is the Time of the last command replayed, 0 when none was (a
	// snapshot does not record it).
	LastTime int64
	// Torn is set when the journal ends in a torn record: everything before it
	// was applied.
	Torn *journal.TornTailError
}

// Recover restores the newest valid snapshot in dir and applies every
// journaled command after it, through the same engine.Apply the matcher runs;
// the events are discarded (they were released before the crash, or never were
// because their commands were not durable). The journal must exist: the
// pipeline opens (and so creates) it first. If the journal ends before the
// snapshot's Seq (its tail or a segment was lost), Recover refuses with a
// *SnapshotAheadError: continuing would journal new commands after a gap.
// A cluster node's journal is refused with a *ClusterJournalError (a cluster
// node recovers through its raft log: package cluster and cluster/raftlog).
func Recover(dir string, cfg engine.Config) (Recovered, error) {
	var res Recovered
	snap, err := RestoreSnapshot(dir, cfg, 0)
	if err != nil {
		return res, err
	}
	res.Engine, res.FromSnapshot, res.DamagedSnapshots = snap.Engine, snap.Seq, snap.Damaged
	res.LastSeq = snap.Engine.LastSeq()
	cr, err := OpenCommands(dir, res.LastSeq)
	if err != nil {
		if errors.Is(err, journal.ErrEmpty) && res.FromSnapshot > 0 {
			return res, snapshotAhead(dir, snap.Path, snap.Seq, 0)
		}
		return res, err
	}
	defer cr.Close()
	out := engine.NewEvents(1024)
	var cmd engine.Command
	for {
		err := cr.Next(&cmd)
		if err != nil {
			if torn := (*journal.TornTailError)(nil); errors.As(err, &torn) {
				res.Torn = torn
			} else if !errors.Is(err, io.EOF) {
				return res, err
			}
			if res.FromSnapshot > cr.LastJournaled() {
				return res, snapshotAhead(dir, snap.Path, snap.Seq, cr.LastJournaled())
			}
			return res, nil
		}
		out.Reset()
		res.Engine.Apply(&cmd, out)
		res.Replayed++
		res.LastSeq, res.LastTime = cmd.Seq, cmd.Time
	}
}
