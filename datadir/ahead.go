package datadir

import (
	"errors"
	"fmt"
	"os"

	"github.com/openmatch/matchd/journal"
)

// ErrSnapshotAhead is wrapped by *SnapshotAheadError.
var ErrSnapshotAhead = errors.New("datadir: snapshot ahead of the journal")

// SnapshotAheadError says that a valid snapshot records a later Seq than the
// last command in the journal: the journal lost commands the snapshot holds
// (its tail was cut, a segment deleted, or, before the pipeline synced the
// journal before each snapshot, a crash under durability none). Starting
// anyway would journal new commands after a gap and no replay from the
// journal could pass it, so recovery and replay refuse. errors.Is(err,
// ErrSnapshotAhead) holds for it.
type SnapshotAheadError struct {
	// Snapshot is the snapshot file.
	Snapshot string
	// SnapshotSeq is its sequence number.
	SnapshotSeq uint64
	// JournalDir is the journal directory.
	JournalDir string
	// Segments is the number of segment files in it.
	Segments int
	// JournalLastSeq is the Seq of the journal's last command, 0 if it holds none.
	JournalLastSeq uint64
}

// Error implements error, naming what is missing and what to do.
func (e *SnapshotAheadError) Error() string {
	have := fmt.Sprintf("ends at seq %d", e.JournalLastSeq)
	if e.JournalLastSeq == 0 {
		have = "holds no command"
	}
	return fmt.Sprintf("datadir: snapshot %s is at seq %d, but the journal in %s (%d segment files) %s: "+
		"commands %d to %d are missing from the journal. Refusing to continue: restore the journal's missing "+
		"segments from a backup, or, knowingly, move the snapshot away (see docs/SERVER.md, Recovery)",
		e.Snapshot, e.SnapshotSeq, e.JournalDir, e.Segments, have, e.JournalLastSeq+1, e.SnapshotSeq)
}

// Unwrap returns ErrSnapshotAhead.
func (e *SnapshotAheadError) Unwrap() error { return ErrSnapshotAhead }

// CheckSnapshots returns a *SnapshotAheadError if the newest snapshot in dir
// that verifies is at a later Seq than lastSeq, the Seq of the last command
// the journal holds (CommandReader.LastJournaled once it reached the end).
// Damaged snapshots are not considered: RestoreSnapshot skips them too.
func CheckSnapshots(dir string, lastSeq uint64) error {
	infos, err := journal.ListSnapshots(SnapshotDir(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("datadir: %w", err)
	}
	for i := len(infos) - 1; i >= 0 && infos[i].Seq > lastSeq; i-- { // newest first
		if _, err := journal.ReadSnapshot(infos[i]); err != nil {
			continue
		}
		return snapshotAhead(dir, infos[i].Path, infos[i].Seq, lastSeq)
	}
	return nil
}

// snapshotAhead builds the error, counting the journal's segment files.
func snapshotAhead(dir, path string, seq, lastSeq uint64) error {
	e := &SnapshotAheadError{Snapshot: path, SnapshotSeq: seq, JournalDir: JournalDir(dir), JournalLastSeq: lastSeq}
	entries, _ := os.ReadDir(e.JournalDir)
	for _, ent := range entries {
		if n := ent.Name(); len(n) == 24 && n[20:] == ".log" {
			e.Segments++
		}
	}
	return e
}
