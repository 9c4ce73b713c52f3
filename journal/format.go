package journal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/openmatch/matchd/internal/record"
)

// RecordType is the one-byte type of a record. Types 1 to MaxUserType belong to
// the caller; the journal stores their payloads as opaque bytes. Type 0 is never
// valid (so zeroed disk blocks never parse as a record) and types above
// MaxUserType are reserved for framing records such as the segment footer.
type RecordType uint8

const (
	// TypeCommand holds one engine command (engine.AppendCommand encoding).
	TypeCommand RecordType = 1
	// TypeCheckpoint holds a checkpoint written by the pipeline (sequence
	// number, state hash, events hash); opaque to the journal.
	TypeCheckpoint RecordType = 2
	// TypeRaftEntry holds one raft log entry (a marshaled raftpb.Entry),
	// written by package cluster/raftlog; opaque to the journal.
	TypeRaftEntry RecordType = 3
	// TypeRaftState holds a raft HardState (a marshaled raftpb.HardState),
	// written by package cluster/raftlog; opaque to the journal.
	TypeRaftState RecordType = 4

	// MaxUserType is the highest record type a caller may append. Types 5 to
	// MaxUserType are free for future use; readers hand them back unchanged.
	MaxUserType RecordType = 127

	// typeMark is a commit mark (format 2): its 8-byte payload is the index
	// of the last record before it, written after the fsync that made the
	// records up to it durable. It is never returned by a Reader.
	typeMark RecordType = 254
	// typeFooter seals a segment. It is never returned by a Reader.
	typeFooter RecordType = 255
)

// String names the record type.
func (t RecordType) String() string {
	switch t {
	case TypeCommand:
		return "command"
	case TypeCheckpoint:
		return "checkpoint"
	case TypeRaftEntry:
		return "raft entry"
	case TypeRaftState:
		return "raft state"
	case typeMark:
		return "commit mark"
	case typeFooter:
		return "footer"
	}
	return fmt.Sprintf("type-%d", uint8(t))
}

const (
	// segmentMagic opens every segment file: "MJNL" read as bytes.
	segmentMagic = "MJNL"
	// formatVersion is the segment format version the Writer writes in the
	// header: 2, with commit marks.
	formatVersion = 2
	// formatV1 is the first format, without commit marks; such segments are
	// still read, with its rules, and never appended to.
	formatV1 = 1

	// headerSize is the length of a segment header:
	// magic(4) version(2) reserved(2) segment(8) firstIndex(8) crc(4).
	headerSize = 28

	// frameHeaderSize is the length of a record's framing before its payload:
	// crc(4) length(4) type(1), internal/record's frame.
	frameHeaderSize = record.HeaderSize

	// footerPayloadSize is the footer's payload: record count(8) chain crc(4).
	footerPayloadSize = 12
	// markPayloadSize is a commit mark's payload: last record index(8).
	markPayloadSize = 8
	// markSize is a commit mark's whole frame.
	markSize = frameHeaderSize + markPayloadSize

	// MaxPayload is the largest payload a record may carry. A length field
	// above it is an impossible length, reported as damage.
	MaxPayload = record.MaxPayload
)

// castagnoli is the CRC-32C table; crc32 uses the CPU instruction with it.
// It is written once by MakeTable and only read afterwards.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentHeader is the decoded header of a segment file.
type segmentHeader struct {
	version    uint16
	segment    uint64
	firstIndex uint64
}

// appendHeader appends the encoded header h to dst.
func appendHeader(dst []byte, h segmentHeader) []byte {
	n := len(dst)
	dst = append(dst, segmentMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, h.version)
	dst = binary.LittleEndian.AppendUint16(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, h.segment)
	dst = binary.LittleEndian.AppendUint64(dst, h.firstIndex)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[n:], castagnoli))
}

// parseHeader decodes a segment header; the string names what is wrong.
func parseHeader(b []byte) (segmentHeader, string) {
	if len(b) < headerSize {
		return segmentHeader{}, "incomplete segment header"
	}
	if string(b[0:4]) != segmentMagic {
		return segmentHeader{}, "bad segment magic"
	}
	if crc32.Checksum(b[:headerSize-4], castagnoli) != binary.LittleEndian.Uint32(b[headerSize-4:]) {
		return segmentHeader{}, "segment header checksum mismatch"
	}
	v := binary.LittleEndian.Uint16(b[4:])
	if v != formatV1 && v != formatVersion {
		return segmentHeader{}, fmt.Sprintf("unsupported format version %d", v)
	}
	h := segmentHeader{
		version:    v,
		segment:    binary.LittleEndian.Uint64(b[8:]),
		firstIndex: binary.LittleEndian.Uint64(b[16:]),
	}
	if h.firstIndex == 0 {
		return segmentHeader{}, "segment header has first index 0"
	}
	return h, ""
}

// validType reports whether t may appear in a segment of format version v.
func validType(t RecordType, v uint16) bool {
	return (t >= 1 && t <= MaxUserType) || t == typeFooter || (t == typeMark && v >= formatVersion)
}

// chainCRC folds a record's checksum into a segment's chain checksum, which
// the footer stores so that a sealed segment missing records is detected.
func chainCRC(chain uint32, recordCRC []byte) uint32 {
	return crc32.Update(chain, castagnoli, recordCRC)
}

// segmentName is the file name of segment n.
func segmentName(n uint64) string {
	return fmt.Sprintf("%020d.log", n)
}

// parseSegmentName returns the segment number of a file name, if it is one.
func parseSegmentName(name string) (uint64, bool) {
	if len(name) != 24 || name[20:] != ".log" {
		return 0, false
	}
	var n uint64
	for i := 0; i < 20; i++ {
		c := name[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (^uint64(0)-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
