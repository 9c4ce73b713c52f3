package fixtest

import (
	"bufio"
	"bytes"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/quickfixgo/quickfix"
)

// ReadFrame reads one FIX message off a raw connection, field by field up to
// and including its CheckSum(10) field, appending to partial (what an earlier
// call read of the same message before it failed, or nil). On an error (EOF,
// a read deadline) it returns what it has read so far with the error, so that
// a caller may keep it and call again after a timeout.
func ReadFrame(r *bufio.Reader, partial []byte) ([]byte, error) {
	for {
		part, err := r.ReadBytes('\x01')
		partial = append(partial, part...)
		if err != nil {
			return partial, err
		}
		if bytes.HasPrefix(part, []byte("10=")) {
			return partial, nil
		}
	}
}

// ParseFrame parses a message ReadFrame returned into Fields.
func ParseFrame(raw []byte) (Fields, error) {
	m := quickfix.NewMessage()
	if err := quickfix.ParseMessage(m, bytes.NewBuffer(raw)); err != nil {
		return nil, errors.New("parse " + strconv.Quote(string(raw)) + ": " + err.Error())
	}
	return FieldsOf(m), nil
}

// InSeqOrder returns the values of bySeq, ExecIDs received keyed by
// MsgSeqNum, in MsgSeqNum order.
func InSeqOrder(bySeq map[int]uint64) []uint64 {
	seqs := slices.Sorted(maps.Keys(bySeq))
	ids := make([]uint64, len(seqs))
	for i, s := range seqs {
		ids[i] = bySeq[s]
	}
	return ids
}
