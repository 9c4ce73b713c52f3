package raftlog

import (
	"errors"
	"fmt"

	"github.com/openmatch/matchd/journal"
)

var (
	// ErrCorrupt is wrapped by every *CorruptionError: the journal's records
	// do not make a raft log (see the package doc for the rules).
	ErrCorrupt = errors.New("raftlog: corrupt raft log")

	// ErrClosed is returned by a Log used after Close.
	ErrClosed = errors.New("raftlog: log closed")
)

// CorruptionError says why the records of the journal do not make a raft log:
// a raft record that does not decode, an entry that leaves a gap, a HardState
// whose term goes back or whose commit index names an entry that is not
// there, a record of a type a raft log does not hold. Segment and Offset
// locate the record in the journal (both 0 when the fault is not one
// record's, e.g. a journal that ends before the snapshot's position).
// errors.Is(err, ErrCorrupt) and errors.Is(err, journal.ErrCorrupt) hold.
type CorruptionError struct {
	// Segment is the journal segment holding the record.
	Segment uint64
	// Offset is the byte offset of the record's frame in that segment file.
	Offset int64
	// Record is the record's index in the journal (0: none).
	Record uint64
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *CorruptionError) Error() string {
	if e.Segment == 0 {
		return "raftlog: corrupt raft log: " + e.Reason
	}
	return fmt.Sprintf("raftlog: corrupt raft log at segment %d offset %d (journal record %d): %s",
		e.Segment, e.Offset, e.Record, e.Reason)
}

// Unwrap returns ErrCorrupt and journal.ErrCorrupt, so that a caller that
// handles journal corruption handles this too.
func (e *CorruptionError) Unwrap() []error { return []error{ErrCorrupt, journal.ErrCorrupt} }

// corruptAt builds a *CorruptionError at rec.
func corruptAt(rec *journal.Record, format string, args ...any) *CorruptionError {
	return &CorruptionError{Segment: rec.Segment, Offset: rec.Offset, Record: rec.Index, Reason: fmt.Sprintf(format, args...)}
}
