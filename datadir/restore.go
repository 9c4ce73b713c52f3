package datadir

import (
	"errors"
	"fmt"
	"os"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// Restored is the engine RestoreSnapshot built.
type Restored struct {
	// Engine holds the books as the snapshot had them (empty without one).
	Engine *engine.Engine
	// Seq is the snapshot's sequence number, 0 when none was usable.
	Seq uint64
	// Path is the snapshot's file ("" when none was usable).
	Path string
	// Damaged lists the newer snapshots that were skipped, each with its reason.
	Damaged []journal.DamagedSnapshot
}

// RestoreSnapshot builds an engine from the newest snapshot in dir that
// verifies, restores under cfg and holds the Seq its name says, skipping those
// after maxSeq when maxSeq is not 0. Without a usable snapshot the engine is
// fresh (Seq 0): the journal then has to be replayed from its first command. A
// missing snapshot directory is not an error.
func RestoreSnapshot(dir string, cfg engine.Config, maxSeq uint64) (Restored, error) {
	var res Restored
	infos, err := journal.ListSnapshots(SnapshotDir(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return res, fmt.Errorf("datadir: %w", err)
	}
	for i := len(infos) - 1; i >= 0; i-- { // newest first
		info := infos[i]
		if maxSeq != 0 && info.Seq > maxSeq {
			continue
		}
		eng, reason := restoreOne(cfg, info)
		if reason != "" {
			res.Damaged = append(res.Damaged, journal.DamagedSnapshot{Path: info.Path, Seq: info.Seq, Reason: reason})
			continue
		}
		res.Engine, res.Seq, res.Path = eng, info.Seq, info.Path
		return res, nil
	}
	if res.Engine, err = engine.New(cfg); err != nil {
		return res, fmt.Errorf("datadir: %w", err)
	}
	return res, nil
}

// restoreOne reads one snapshot into an engine, or says why it cannot be used.
func restoreOne(cfg engine.Config, info journal.SnapshotInfo) (*engine.Engine, string) {
	snap, err := journal.ReadSnapshot(info)
	if err != nil {
		return nil, err.Error()
	}
	eng, err := engine.Restore(cfg, snap.Payload)
	if err != nil {
		return nil, err.Error()
	}
	if eng.LastSeq() != info.Seq {
		return nil, fmt.Sprintf("snapshot content is at seq %d", eng.LastSeq())
	}
	return eng, ""
}
