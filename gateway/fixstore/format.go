package fixstore

import (
	"encoding/binary"
	"hash/crc32"
)

// MaxPayload bounds a record's payload. A header declaring more is
// corruption, not a torn tail; SaveMessage refuses messages longer than
// MaxPayload-8 (the payload also holds the 8-byte sequence number).
const MaxPayload = 16 << 20

// Record framing, all integers little-endian:
//
//	[u32 CRC-32C of bytes 4..][u8 kind][u32 payload length][payload]
const (
	headerSize = 9 // CRC (4) + kind (1) + payload length (4)

	// indexEvery is the spacing of the sparse message index: one entry per
	// indexEvery message records of a run, so a lookup scans at most
	// indexEvery-1 message records (plus the seqnum records between them)
	// before reaching the first one it wants.
	indexEvery = 1024
)

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

var castagnoli = crc32.MakeTable(crc32.Castagnoli) // read-only once built

// appendRecord appends one framed record whose payload is v followed by msg.
// Every kind's payload starts with a 64-bit value (time, seqnum or message
// seqnum), so one encoder serves all of them.
func appendRecord(dst []byte, k kind, v uint64, msg []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, byte(k))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(8+len(msg)))
	dst = binary.LittleEndian.AppendUint64(dst, v)
	dst = append(dst, msg...)
	binary.LittleEndian.PutUint32(dst[start:], crc32.Checksum(dst[start+4:], castagnoli))
	return dst
}

// status is the outcome of checking one record.
type status uint8

const (
	statusOK           status = iota
	statusShortHeader         // fewer than headerSize bytes left
	statusBadKind             // kind byte not one of ours
	statusTooLong             // declared length above MaxPayload
	statusShortPayload        // file ends before the declared payload does
	statusBadCRC              // checksum mismatch
	statusBadSize             // checksum fine, payload size wrong for the kind
)

func (s status) String() string {
	switch s {
	case statusOK:
		return "ok"
	case statusShortHeader:
		return "incomplete header"
	case statusBadKind:
		return "unknown record kind"
	case statusTooLong:
		return "record length above MaxPayload"
	case statusShortPayload:
		return "incomplete payload"
	case statusBadCRC:
		return "checksum mismatch"
	case statusBadSize:
		return "payload size wrong for its kind"
	}
	return "unknown status"
}

// checkHeader reads the kind and payload length from h, which holds at least
// headerSize bytes.
func checkHeader(h []byte) (kind, int, status) {
	k := kind(h[4])
	if !k.valid() {
		return k, 0, statusBadKind
	}
	n := binary.LittleEndian.Uint32(h[5:])
	if n > MaxPayload {
		return k, 0, statusTooLong
	}
	return k, int(n), statusOK
}

// checkFrame checks the checksum and payload size of the complete frame b.
func checkFrame(b []byte, k kind) status {
	if crc32.Checksum(b[4:], castagnoli) != binary.LittleEndian.Uint32(b) {
		return statusBadCRC
	}
	if !k.sizeOK(len(b) - headerSize) {
		return statusBadSize
	}
	return statusOK
}

// frameAt reports whether a complete, valid record starts at b[0].
func frameAt(b []byte) bool {
	if len(b) < headerSize+8 {
		return false
	}
	k, n, st := checkHeader(b)
	if st != statusOK || !k.sizeOK(n) || headerSize+n > len(b) {
		return false
	}
	return checkFrame(b[:headerSize+n], k) == statusOK
}
