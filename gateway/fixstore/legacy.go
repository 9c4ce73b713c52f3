package fixstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/openmatch/matchd/internal/fsutil"
)

// Format 1, the store's first, had no file header and its own frame:
//
//	[u32 CRC-32C of bytes 4..][u8 kind][u32 payload length][payload]
//
// Open converts such a log to the current format once (upgrade) and then
// reads only internal/record's frame. The old frame's decoding below exists
// for that conversion alone.

// upgrade returns f if it is a log of the current format. A log of format 1
// is rewritten in the current format under a temporary name, fsynced and
// renamed over the old one (whatever the sync option: the old file is gone
// afterwards), and the new file is returned open, f closed; dropped is the
// old log's torn tail, not carried over. A format-1 log with damage other
// than a torn tail is a *CorruptionError and is left as it was.
func (s *Store) upgrade(f *os.File) (_ *os.File, dropped int64, err error) {
	var h [logHeaderSize]byte
	n, err := f.ReadAt(h[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, 0, fmt.Errorf("fixstore: read %s: %w", s.path, err)
	}
	if n == logHeaderSize && string(h[:len(logMagic)]) == logMagic {
		if h[len(logMagic)] != logVersion {
			f.Close()
			return nil, 0, fmt.Errorf("fixstore: %s: unsupported log format %d", s.path, h[len(logMagic)])
		}
		return f, 0, nil
	}
	dropped, err = s.convertV1(f)
	f.Close()
	if err != nil {
		return nil, 0, err
	}
	f, err = os.OpenFile(s.path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("fixstore: %w", err)
	}
	return f, dropped, nil
}

// convertV1 writes the records of the format-1 log in old as a current log
// and renames it over s.path, returning the bytes of old's torn tail.
func (s *Store) convertV1(old *os.File) (int64, error) {
	fi, err := old.Stat()
	if err != nil {
		return 0, fmt.Errorf("fixstore: %w", err)
	}
	size := fi.Size()
	tmp := s.path + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o660)
	if err != nil {
		return 0, fmt.Errorf("fixstore: convert %s: %w", s.path, err)
	}
	good, err := s.copyV1(old, size, out)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err == nil {
		err = fsutil.SyncDir(filepath.Dir(s.path))
	}
	if err != nil {
		_ = os.Remove(tmp)
		var ce *CorruptionError
		if errors.As(err, &ce) {
			return 0, err
		}
		return 0, fmt.Errorf("fixstore: convert %s from format 1: %w", s.path, err)
	}
	return size - good, nil
}

// copyV1 reads the format-1 records of old (size bytes) and writes them to out
// in the current format, after the file header. It returns the length of
// old's good records; the rest is a torn tail.
func (s *Store) copyV1(old *os.File, size int64, out io.Writer) (int64, error) {
	w := bufio.NewWriterSize(out, replayBufSize)
	in := bufio.NewReaderSize(io.NewSectionReader(old, 0, size), replayBufSize)
	if _, err := w.WriteString(logHeader); err != nil {
		return 0, err
	}
	var hdr [headerSize]byte
	var payload, frame []byte
	off := int64(0)
	for off < size {
		if size-off < headerSize {
			break // torn header; no frame fits after it
		}
		if _, err := io.ReadFull(in, hdr[:]); err != nil {
			return 0, fmt.Errorf("fixstore: read %s: %w", s.path, err)
		}
		k, n := kind(hdr[4]), int64(binary.LittleEndian.Uint32(hdr[5:]))
		if !k.valid() {
			return 0, s.corrupt(off, "unknown record kind (format 1)")
		}
		if n > MaxPayload {
			return 0, s.corrupt(off, "record length above MaxPayload (format 1)")
		}
		if off+headerSize+n > size {
			break // torn payload, unless a valid record starts inside it
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(in, payload); err != nil {
			return 0, fmt.Errorf("fixstore: read %s: %w", s.path, err)
		}
		sum := crc32.Update(crc32.Checksum(hdr[4:], v1Table), v1Table, payload)
		if sum != binary.LittleEndian.Uint32(hdr[:]) {
			if off+headerSize+n != size {
				return 0, s.corrupt(off, "checksum mismatch, with more records after it (format 1)")
			}
			break // a bad last record: torn, unless a valid one starts inside it
		}
		if !k.sizeOK(int(n)) {
			return 0, s.corrupt(off, "payload size wrong for its kind (format 1)")
		}
		frame = appendRecord(frame[:0], k, binary.LittleEndian.Uint64(payload), payload[8:])
		if _, err := w.Write(frame); err != nil {
			return 0, err
		}
		off += headerSize + n
	}
	if off < size {
		// The tail from off is less than one record long: a valid record
		// starting inside it means its own length field is what is damaged.
		tail := make([]byte, size-off)
		if _, err := old.ReadAt(tail, off); err != nil {
			return 0, fmt.Errorf("fixstore: read %s at offset %d: %w", s.path, off, err)
		}
		for i := 1; i+headerSize+8 <= len(tail); i++ {
			if v1FrameAt(tail[i:]) {
				return 0, s.corrupt(off, fmt.Sprintf("bad record, and a valid record follows at offset %d (format 1)", off+int64(i)))
			}
		}
	}
	return off, w.Flush()
}

var v1Table = crc32.MakeTable(crc32.Castagnoli) // read-only once built

// v1FrameAt reports whether a complete, valid format-1 record starts at b[0].
func v1FrameAt(b []byte) bool {
	if len(b) < headerSize+8 {
		return false
	}
	k, n := kind(b[4]), int64(binary.LittleEndian.Uint32(b[5:]))
	if !k.valid() || n > MaxPayload || !k.sizeOK(int(n)) || headerSize+n > int64(len(b)) {
		return false
	}
	return crc32.Checksum(b[4:headerSize+n], v1Table) == binary.LittleEndian.Uint32(b)
}
