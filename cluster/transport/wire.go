package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Wire constants; the format is described in doc.go.
const (
	magic        = "MDRT" // first bytes of a hello and of a reply
	version      = 1
	helloSize    = 36
	replySize    = 16
	headerSize   = 8       // frame header: length, CRC-32C
	readChunk    = 1 << 20 // large payloads are read (and buffers grown) this much at a time
	kindStream   = 1       // hello kind: a stream of messages
	kindSnapshot = 2       // hello kind: one MsgSnap, answered by a reply
)

// Reply codes.
const (
	codeAccept         = 0
	codeBadVersion     = 1
	codeClusterID      = 2
	codeWrongReceiver  = 3
	codeBadSender      = 4
	codeRemovedSender  = 5
	codeBadKind        = 6
	codeSnapshotFailed = 7
)

// codeText names a reply code in errors and logs.
func codeText(code byte) string {
	switch code {
	case codeAccept:
		return "accepted"
	case codeBadVersion:
		return "unsupported protocol version"
	case codeClusterID:
		return "cluster ID mismatch"
	case codeWrongReceiver:
		return "wrong receiver ID"
	case codeBadSender:
		return "invalid sender ID"
	case codeRemovedSender:
		return "sender was removed from the cluster"
	case codeBadKind:
		return "unknown connection kind"
	case codeSnapshotFailed:
		return "snapshot rejected"
	}
	return fmt.Sprintf("unknown reply code %d", code)
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// hello opens every connection, from the dialer.
type hello struct {
	version uint8
	kind    uint8
	cluster uint64
	from    uint64
	to      uint64
}

// appendHello appends the wire form of h to b.
func appendHello(b []byte, h hello) []byte {
	start := len(b)
	b = append(b, magic...)
	b = append(b, h.version, h.kind, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, h.cluster)
	b = binary.LittleEndian.AppendUint64(b, h.from)
	b = binary.LittleEndian.AppendUint64(b, h.to)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], crcTable))
}

// parseHello decodes a hello of helloSize bytes.
func parseHello(b []byte) (hello, error) {
	if string(b[:4]) != magic {
		return hello{}, fmt.Errorf("transport: bad handshake magic %q", b[:4])
	}
	if got, want := binary.LittleEndian.Uint32(b[32:]), crc32.Checksum(b[:32], crcTable); got != want {
		return hello{}, fmt.Errorf("transport: handshake checksum mismatch (%#08x, computed %#08x)", got, want)
	}
	return hello{
		version: b[4],
		kind:    b[5],
		cluster: binary.LittleEndian.Uint64(b[8:]),
		from:    binary.LittleEndian.Uint64(b[16:]),
		to:      binary.LittleEndian.Uint64(b[24:]),
	}, nil
}

// appendReply appends the answer to a hello (or to a snapshot) to b.
func appendReply(b []byte, code byte, cluster uint64) []byte {
	b = append(b, magic...)
	b = append(b, version, code, 0, 0)
	return binary.LittleEndian.AppendUint64(b, cluster)
}

// parseReply decodes a reply of replySize bytes: the code and the replier's cluster ID.
func parseReply(b []byte) (code byte, cluster uint64, err error) {
	if string(b[:4]) != magic {
		return 0, 0, fmt.Errorf("transport: bad reply magic %q", b[:4])
	}
	return b[5], binary.LittleEndian.Uint64(b[8:]), nil
}

// appendFrame appends the frame of m to b; the error is proto's (a message it cannot marshal).
func appendFrame(b []byte, m *raftpb.Message) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b, err := proto.MarshalOptions{}.MarshalAppend(b, m)
	if err != nil {
		return b[:start], fmt.Errorf("transport: marshal %v: %w", m.GetType(), err)
	}
	payload := b[start+headerSize:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(payload, crcTable))
	return b, nil
}

// errFrame marks a bad frame (as opposed to a connection error): the reader names it in the
// log line that closes the connection.
var errFrame = errors.New("transport: bad frame")

// decoder reads frames from one connection. Not safe for concurrent use.
type decoder struct {
	r   *bufio.Reader
	hdr [headerSize]byte
	buf []byte // reused payload buffer (proto.Unmarshal copies the bytes it keeps)
	max int
}

// next reads the next frame into m. It returns io.EOF at a clean end between frames, an error
// wrapping errFrame for a frame that is oversized, truncated, fails its CRC or does not
// decode, and the read error otherwise.
func (d *decoder) next(m *raftpb.Message) error {
	if _, err := io.ReadFull(d.r, d.hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: truncated header", errFrame)
		}
		return err
	}
	n := int(binary.LittleEndian.Uint32(d.hdr[:]))
	sum := binary.LittleEndian.Uint32(d.hdr[4:])
	if n > d.max {
		return fmt.Errorf("%w: length %d exceeds the limit %d", errFrame, n, d.max)
	}
	payload, err := d.read(n)
	if err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return fmt.Errorf("%w: truncated payload (length %d)", errFrame, n)
		}
		return err
	}
	if got := crc32.Checksum(payload, crcTable); got != sum {
		return fmt.Errorf("%w: checksum mismatch (header %#08x, computed %#08x, length %d)", errFrame, sum, got, n)
	}
	if err := proto.Unmarshal(payload, m); err != nil {
		return fmt.Errorf("%w: undecodable message (length %d): %v", errFrame, n, err)
	}
	return nil
}

// read returns the next n bytes. A large frame grows the buffer as its bytes arrive, so a
// header that lies about its length costs no more memory than the bytes actually sent.
func (d *decoder) read(n int) ([]byte, error) {
	if n <= cap(d.buf) || n <= readChunk {
		if n > cap(d.buf) {
			d.buf = make([]byte, n)
		}
		b := d.buf[:n]
		_, err := io.ReadFull(d.r, b)
		return b, err
	}
	b := d.buf[:0]
	for len(b) < n {
		k := min(n-len(b), readChunk)
		b = append(b, make([]byte, k)...)
		if _, err := io.ReadFull(d.r, b[len(b)-k:]); err != nil {
			return nil, err
		}
	}
	if n <= 4*readChunk {
		d.buf = b // keep moderate buffers; let snapshot-sized ones go
	}
	return b, nil
}
