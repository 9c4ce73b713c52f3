package datadir

import (
	"errors"
	"fmt"
	"io"

	"github.com/openmatch/matchd/journal"
)

// ErrClusterJournal is wrapped by *ClusterJournalError.
var ErrClusterJournal = errors.New("datadir: a cluster node's journal")

// ClusterJournalError says that a journal holds a cluster node's raft log
// (journal.TypeRaftEntry and TypeRaftState records) where the caller reads a
// single node's commands. Recover refuses such a directory: a node started
// without Peers would append command records to a raft log. Its commands
// are read by package cluster (cluster.OpenJournal, which replay uses),
// since only that package knows the entries' format and datadir is below it.
// errors.Is(err, ErrClusterJournal) holds.
type ClusterJournalError struct {
	// JournalDir is the journal directory.
	JournalDir string
	// Segment and Offset locate the first raft record.
	Segment uint64
	Offset  int64
	// Type is that record's type.
	Type journal.RecordType
}

// Error implements error.
func (e *ClusterJournalError) Error() string {
	return fmt.Sprintf("datadir: the journal in %s is a cluster node's raft log (%s record at segment %d offset %d): "+
		"run matchd with its NodeID and Peers on it, and replay it with cmd/replay",
		e.JournalDir, e.Type, e.Segment, e.Offset)
}

// Unwrap returns ErrClusterJournal.
func (e *ClusterJournalError) Unwrap() error { return ErrClusterJournal }

// IsRaftRecord reports whether t is one of a cluster node's record types.
func IsRaftRecord(t journal.RecordType) bool {
	return t == journal.TypeRaftEntry || t == journal.TypeRaftState
}

// JournalKind says what the journal in dir holds, from its first record:
// cluster is true for a cluster node's raft log (its first record is a raft
// entry or HardState), false for a single node's commands or a journal with
// no record. Which kind the rest is made of is checked by the readers: a
// journal mixing both is an error naming the first record of the other kind
// (CommandReader, cluster.OpenJournal). A missing or empty journal directory
// is an error as for OpenCommands.
func JournalKind(dir string) (cluster bool, err error) {
	r, err := journal.OpenReader(JournalDir(dir))
	if err != nil {
		return false, fmt.Errorf("datadir: %w", err)
	}
	defer r.Close()
	rec, err := r.Next()
	if err != nil {
		if err == io.EOF || errors.Is(err, journal.ErrTornTail) {
			return false, nil
		}
		return false, fmt.Errorf("datadir: %w", err)
	}
	return IsRaftRecord(rec.Type), nil
}
