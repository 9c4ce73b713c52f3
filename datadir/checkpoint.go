package datadir

import (
	"encoding/binary"
	"fmt"
)

// CheckpointSize is the length of a checkpoint record's payload.
const CheckpointSize = 16

// AppendCheckpoint appends the payload of a journal.TypeCheckpoint record:
// seq u64 | state hash u64, little-endian.
func AppendCheckpoint(dst []byte, seq, stateHash uint64) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	return binary.LittleEndian.AppendUint64(dst, stateHash)
}

// DecodeCheckpoint decodes a checkpoint record's payload.
func DecodeCheckpoint(p []byte) (seq, stateHash uint64, err error) {
	if len(p) != CheckpointSize {
		return 0, 0, fmt.Errorf("datadir: checkpoint record of %d bytes, want %d", len(p), CheckpointSize)
	}
	return binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:]), nil
}
