package fixstore

import (
	"errors"
	"fmt"
)

var (
	// ErrCorrupt is wrapped by every *CorruptionError.
	ErrCorrupt = errors.New("fixstore: corrupt log")

	// ErrClosed is returned by operations on a closed Store.
	ErrClosed = errors.New("fixstore: store is closed")

	// ErrReset is returned by IterateMessages when Reset or Refresh ran
	// between two of its batches: the file it was reading is gone or was
	// re-read, so the rest of the range cannot be trusted.
	ErrReset = errors.New("fixstore: store was reset or refreshed during IterateMessages")

	// ErrTooLarge is returned by SaveMessage for a message longer than
	// MaxPayload-8 bytes.
	ErrTooLarge = errors.New("fixstore: message larger than MaxPayload-8")
)

// CorruptionError locates damage that is not a torn tail: a bad record with
// data after it, an unknown kind, a length above MaxPayload, or a payload
// whose size does not fit its kind. Open returns it and modifies nothing.
// errors.Is(err, ErrCorrupt) holds for it.
type CorruptionError struct {
	// Path is the log file.
	Path string
	// Offset is the byte offset where the bad record starts.
	Offset int64
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *CorruptionError) Error() string {
	return fmt.Sprintf("fixstore: corrupt log %s at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptionError) Unwrap() error { return ErrCorrupt }
