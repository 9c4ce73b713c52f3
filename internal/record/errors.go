package record

import (
	"errors"
	"strconv"
)

var (
	// ErrCorrupt is wrapped by a *CorruptionError that is not a torn tail:
	// damage with valid records after it, which a store must not repair on
	// its own.
	ErrCorrupt = errors.New("record: corrupt")

	// ErrTornTail is wrapped by a *CorruptionError with TornTail set: the
	// data ends in an incomplete or damaged record with nothing valid after
	// it, what a crash during an append leaves.
	ErrTornTail = errors.New("record: torn tail")
)

// CorruptionError locates data that is not a valid frame. Callers take it
// with errors.As; errors.Is(err, ErrTornTail) or errors.Is(err, ErrCorrupt)
// tell the two cases apart, as does TornTail.
type CorruptionError struct {
	// File names the data, as given to NewReader or NewBytes.
	File string
	// Offset is the file offset where the damaged record starts; for a torn
	// tail it is the end of the good data.
	Offset int64
	// Reason says what is wrong, e.g. "bad checksum".
	Reason string
	// TornTail is set when nothing valid follows Offset.
	TornTail bool
	// Dropped is, for a torn tail, the number of bytes from Offset to the end
	// of the data.
	Dropped int64
}

// Error implements error: "record: <file>: bad checksum at offset 81920", or
// "record: <file>: torn tail at offset 81920 (12 bytes): bad checksum".
func (e *CorruptionError) Error() string {
	if e.TornTail {
		return "record: " + e.File + ": torn tail at offset " + strconv.FormatInt(e.Offset, 10) +
			" (" + strconv.FormatInt(e.Dropped, 10) + " bytes): " + e.Reason
	}
	return "record: " + e.File + ": " + e.Reason + " at offset " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns ErrTornTail or ErrCorrupt.
func (e *CorruptionError) Unwrap() error {
	if e.TornTail {
		return ErrTornTail
	}
	return ErrCorrupt
}
