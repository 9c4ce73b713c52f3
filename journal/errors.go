package journal

import (
	"errors"
	"fmt"
)

var (
	// ErrCorrupt is wrapped by every *CorruptionError: damage that is not a
	// torn tail, which the journal refuses to repair on its own.
	ErrCorrupt = errors.New("journal: corrupt")

	// ErrTornTail is wrapped by *TornTailError: the last segment ends in an
	// incomplete or damaged record with nothing valid after it, the expected
	// result of a crash during a write. Open truncates it; a Reader reports it.
	ErrTornTail = errors.New("journal: torn tail")

	// ErrEmpty is returned by OpenReader for a directory without segments.
	ErrEmpty = errors.New("journal: no segments")

	// ErrLocked is returned by Open when another Writer holds the directory.
	ErrLocked = errors.New("journal: directory is locked by another writer")

	// ErrClosed is returned by a Writer used after Close.
	ErrClosed = errors.New("journal: writer closed")

	// ErrBadType is returned by Append for type 0 or a type above MaxUserType.
	ErrBadType = errors.New("journal: record type not allowed (want 1..127)")

	// ErrTooLarge is returned by Append for a payload above MaxPayload.
	ErrTooLarge = errors.New("journal: payload larger than MaxPayload")

	// ErrNoSnapshot is returned by LatestSnapshot when no snapshot verifies.
	ErrNoSnapshot = errors.New("journal: no valid snapshot")
)

// CorruptionError locates damage that is not a torn tail: a bad checksum,
// impossible length or invalid type with valid data after it, a segment that
// should be sealed but is cut short, a missing segment, or a bad header.
// errors.Is(err, ErrCorrupt) holds for it.
type CorruptionError struct {
	// Segment is the segment number (the file name's number).
	Segment uint64
	// Offset is the byte offset in that segment file where the damaged
	// record or header starts; for a missing segment it is 0.
	Offset int64
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *CorruptionError) Error() string {
	return fmt.Sprintf("journal: corrupt journal at segment %d offset %d: %s", e.Segment, e.Offset, e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptionError) Unwrap() error { return ErrCorrupt }

// TornTailError describes a torn tail of the last segment: everything before
// Offset is good, the Dropped bytes from Offset to the end of the file are not.
// errors.Is(err, ErrTornTail) holds for it.
type TornTailError struct {
	// Segment is the last segment's number.
	Segment uint64
	// Offset is where the torn record (or the torn segment header, at 0) starts:
	// the end of the good data.
	Offset int64
	// Dropped is the number of bytes from Offset to the end of the file.
	Dropped int64
	// Reason says what was wrong with the first bad record.
	Reason string
	// Format is the segment's format version: 2 and later carry commit
	// marks, 1 does not (a torn tail of a format 1 segment may then have
	// been acknowledged: format 1 cannot tell).
	Format uint16
	// Marked is, for Format 2, the index of the last record a commit mark
	// before Offset covers (0: none in this segment). The dropped bytes come
	// after every commit mark the segment holds: see the package doc for
	// what that does and does not prove.
	Marked uint64
}

// Error implements error.
func (e *TornTailError) Error() string {
	return fmt.Sprintf("journal: torn tail at segment %d offset %d (%d bytes): %s; %s", e.Segment, e.Offset, e.Dropped, e.Reason, e.Marks())
}

// Marks says in words what the commit marks tell about the dropped bytes.
func (e *TornTailError) Marks() string {
	if e.Format < formatVersion {
		return fmt.Sprintf("format %d segment, without commit marks", e.Format)
	}
	if e.Marked == 0 {
		return "no commit mark in the segment before it: nothing dropped was marked synced"
	}
	return fmt.Sprintf("after the last commit mark (records through %d were synced): nothing dropped was marked synced", e.Marked)
}

// Unwrap returns ErrTornTail.
func (e *TornTailError) Unwrap() error { return ErrTornTail }
