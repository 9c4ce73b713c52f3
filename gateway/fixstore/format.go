package fixstore

import (
	"encoding/binary"
	"strconv"

	"github.com/openmatch/matchd/internal/record"
)

// MaxPayload bounds a record's payload (internal/record's bound). A header
// declaring more is damage; SaveMessage refuses messages longer than
// MaxPayload-8 (the payload also holds the 8-byte sequence number).
const MaxPayload = record.MaxPayload

// A log is a file header followed by records in internal/record's frame, the
// record type being the kind (see the package doc).
const (
	// logMagic and logVersion open every log of format 2. Format 1, the
	// store's first, had no header and another frame (legacy.go); Open
	// converts it.
	logMagic      = "MFIXLOG"
	logVersion    = 2
	logHeaderSize = 8 // logMagic and the version byte

	headerSize = record.HeaderSize // a record's frame before its payload

	// indexEvery is the spacing of the sparse message index: one entry per
	// indexEvery message records of a run, so a lookup scans at most
	// indexEvery-1 message records (plus the seqnum records between them)
	// before reaching the first one it wants.
	indexEvery = 1024
)

// logHeader is the file header of a log of the current format.
const logHeader = logMagic + "\x02"

// kind is a record's type byte. 0 is never valid, so zeroed blocks never parse.
type kind uint8

const (
	// kindCreationTime: payload i64 unix nanoseconds.
	kindCreationTime kind = 1
	// kindNextSender: payload u64 next sender MsgSeqNum.
	kindNextSender kind = 2
	// kindNextTarget: payload u64 next target MsgSeqNum.
	kindNextTarget kind = 3
	// kindMessage: payload u64 MsgSeqNum followed by the message bytes.
	kindMessage kind = 4
	// kindMessageIncrSender: as kindMessage, and the next sender MsgSeqNum
	// goes up by one (SaveMessageAndIncrNextSenderMsgSeqNum in one record).
	kindMessageIncrSender kind = 5
)

func (k kind) valid() bool { return k >= kindCreationTime && k <= kindMessageIncrSender }

func (k kind) isMessage() bool { return k == kindMessage || k == kindMessageIncrSender }

// sizeOK says whether a payload of n bytes is what the writer makes for k.
func (k kind) sizeOK(n int) bool {
	if k.isMessage() {
		return n >= 8
	}
	return n == 8
}

// check returns why a record with a valid frame is not one the store writes,
// or "".
func (k kind) check(payload []byte) string {
	if !k.valid() {
		return "unknown record kind " + strconv.Itoa(int(k))
	}
	if !k.sizeOK(len(payload)) {
		return "payload size wrong for its kind"
	}
	return ""
}

// appendRecord appends one framed record whose payload is v followed by msg.
// Every kind's payload starts with a 64-bit value (time, seqnum or message
// seqnum), so one encoder serves all of them. The caller bounds len(msg).
func appendRecord(dst []byte, k kind, v uint64, msg []byte) []byte {
	start := len(dst)
	dst = record.Begin(dst, byte(k))
	dst = binary.LittleEndian.AppendUint64(dst, v)
	dst = append(dst, msg...)
	_ = record.Finish(dst[start:]) // a valid kind; len(msg) <= MaxPayload-8
	return dst
}
