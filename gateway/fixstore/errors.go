package fixstore

import (
	"errors"

	"github.com/openmatch/matchd/internal/record"
)

var (
	// ErrCorrupt is wrapped by every *CorruptionError that is not a torn
	// tail (internal/record's ErrCorrupt).
	ErrCorrupt = record.ErrCorrupt

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
// a valid one after it, a record of an unknown kind, or a payload whose size
// does not fit its kind. It is internal/record's error (File, Offset,
// Reason), wrapped with the package prefix; Open returns it and modifies
// nothing. errors.Is(err, ErrCorrupt) holds for it.
type CorruptionError = record.CorruptionError
