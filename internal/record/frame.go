package record

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

const (
	// HeaderSize is the length of a frame before its payload:
	// crc(4) length(4) type(1).
	HeaderSize = 9

	// MaxPayload is the largest payload a record may carry; a length field
	// above it is an impossible length.
	MaxPayload = 16 << 20
)

var (
	// ErrBadType is returned by Append and Finish for record type 0.
	ErrBadType = errors.New("record: type 0 is not a record type")

	// ErrTooLarge is returned by Append and Finish for a payload above
	// MaxPayload.
	ErrTooLarge = errors.New("record: payload larger than MaxPayload")
)

// castagnoli is the CRC-32C table; crc32 uses the CPU instruction with it.
// MakeTable returns the package's shared table, which is only read.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum returns the CRC-32C (Castagnoli) of b, the checksum of every frame,
// for stores that checksum their own headers the same way.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Append appends one framed record of type typ and the given payload to dst
// and returns the extended slice. It allocates only if dst lacks room. On
// error dst is returned unchanged.
func Append(dst []byte, typ byte, payload []byte) ([]byte, error) {
	if typ == 0 {
		return dst, ErrBadType
	}
	if len(payload) > MaxPayload {
		return dst, ErrTooLarge
	}
	start := len(dst)
	dst = Begin(dst, typ)
	dst = append(dst, payload...)
	seal(dst[start:])
	return dst, nil
}

// Begin appends the header of a record of type typ whose payload the caller
// appends next, for payloads built in place; Finish then completes it:
//
//	start := len(buf)
//	buf = record.Begin(buf, typ)
//	buf = binary.LittleEndian.AppendUint64(buf, v)
//	buf = append(buf, msg...)
//	err := record.Finish(buf[start:])
func Begin(dst []byte, typ byte) []byte {
	return append(dst, 0, 0, 0, 0, 0, 0, 0, 0, typ)
}

// Finish fills in the length and checksum of rec, a record begun with Begin
// followed by its whole payload. It fails, leaving rec as it is, if rec is
// shorter than a header, its type is 0 or its payload exceeds MaxPayload.
func Finish(rec []byte) error {
	if len(rec) < HeaderSize || rec[8] == 0 {
		return ErrBadType
	}
	if len(rec)-HeaderSize > MaxPayload {
		return ErrTooLarge
	}
	seal(rec)
	return nil
}

// seal writes the length and CRC of the valid-sized record rec.
func seal(rec []byte) {
	binary.LittleEndian.PutUint32(rec[4:], uint32(len(rec)-HeaderSize))
	binary.LittleEndian.PutUint32(rec, crc32.Checksum(rec[4:], castagnoli))
}

// ParseHeader decodes the header at the start of b: the record's type and
// payload length. reason is empty if the header is plausible (enough bytes,
// type not 0, length at most MaxPayload), else it names what is wrong; the
// checksum is not checked (see Decode).
func ParseHeader(b []byte) (typ byte, length int, reason string) {
	if len(b) < HeaderSize {
		return 0, 0, "incomplete record header"
	}
	n := binary.LittleEndian.Uint32(b[4:])
	if n > MaxPayload {
		return 0, 0, "impossible record length " + itoa(uint64(n))
	}
	if b[8] == 0 {
		return 0, 0, "invalid record type 0"
	}
	return b[8], int(n), ""
}

// Decode checks the frame at the start of b and returns its type, its payload
// (aliasing b) and its total size. reason is empty for a valid frame, else it
// names what is wrong.
func Decode(b []byte) (typ byte, payload []byte, size int, reason string) {
	typ, n, reason := ParseHeader(b)
	if reason != "" {
		return 0, nil, 0, reason
	}
	if n > len(b)-HeaderSize {
		return 0, nil, 0, "record of " + itoa(uint64(n)) + " bytes runs past the end of the data"
	}
	size = HeaderSize + n
	if crc32.Checksum(b[4:size], castagnoli) != binary.LittleEndian.Uint32(b) {
		return 0, nil, 0, "bad checksum"
	}
	return typ, b[HeaderSize:size], size, ""
}

// valid reports whether a valid frame starts at b[0]: Decode without reasons.
func valid(b []byte) bool {
	if len(b) < HeaderSize || b[8] == 0 {
		return false
	}
	n := binary.LittleEndian.Uint32(b[4:])
	if n > MaxPayload || int(n) > len(b)-HeaderSize {
		return false
	}
	return crc32.Checksum(b[4:HeaderSize+int(n)], castagnoli) == binary.LittleEndian.Uint32(b)
}

// itoa formats n without fmt, so that Decode's reasons cost no interface calls.
func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
