package journal

import "errors"

// ReadSnapshot reads and verifies one snapshot file (as listed by ListSnapshots).
// The error says what is wrong with a damaged one.
func ReadSnapshot(info SnapshotInfo) (Snapshot, error) {
	s, reason := readSnapshot(info, true)
	if reason != "" {
		return Snapshot{}, errors.New("journal: snapshot " + info.Path + ": " + reason)
	}
	return s, nil
}
