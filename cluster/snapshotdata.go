package cluster

import (
	"fmt"

	"github.com/openmatch/matchd/engine"
)

// RestoreEngine rebuilds the engine from the data of a raft snapshot at raft
// index index (what Applier.AppendSnapshot wrote; EngineApplier writes the
// engine's own snapshot encoding). It is the one decoder of that data:
// EngineApplier.Restore and the journal reader (OpenJournal, used by replay)
// both call it, so a change of the snapshot's format is made here.
func RestoreEngine(cfg engine.Config, index uint64, data []byte) (*engine.Engine, error) {
	eng, err := engine.Restore(cfg, data)
	if err != nil {
		return nil, fmt.Errorf("cluster: restoring the snapshot at raft index %d: %w", index, err)
	}
	return eng, nil
}
