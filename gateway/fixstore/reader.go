package fixstore

import (
	"errors"
	"fmt"
	"io"

	"github.com/openmatch/matchd/internal/record"
)

// recReader reads records at given offsets through a buffer with ReadAt
// (pread), so iteration never moves the append file's offset and costs one
// syscall per buffer fill, not per record. Replay reads with a record.Reader.
type recReader struct {
	r      io.ReaderAt
	path   string // for errors
	limit  int64  // bytes at or beyond limit are never read
	buf    []byte // buf[:n] holds the file's bytes from bufOff
	bufOff int64
	n      int
}

func newRecReader(r io.ReaderAt, path string, limit int64, bufSize int) *recReader {
	return &recReader{r: r, path: path, limit: limit, buf: make([]byte, bufSize)}
}

// bytes returns the file's bytes [off, off+want), fewer only where limit comes
// first. The slice is valid until the next call.
func (r *recReader) bytes(off int64, want int) ([]byte, error) {
	if off >= r.bufOff && off+int64(want) <= r.bufOff+int64(r.n) {
		i := int(off - r.bufOff)
		return r.buf[i : i+want], nil
	}
	avail := r.limit - off
	if avail <= 0 {
		return nil, nil
	}
	if int64(want) > avail {
		want = int(avail)
	}
	if want > len(r.buf) {
		r.buf = make([]byte, want)
	}
	m := len(r.buf)
	if int64(m) > avail {
		m = int(avail)
	}
	r.n = 0
	got, err := r.r.ReadAt(r.buf[:m], off)
	if got < m {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the file is shorter than we know it to be
		}
		return nil, fmt.Errorf("fixstore: read %s at offset %d: %w", r.path, off, err)
	}
	r.bufOff, r.n = off, m
	return r.buf[:want], nil
}

// rec is one record as read; payload aliases the reader's buffer.
type rec struct {
	kind    kind
	payload []byte
	next    int64 // offset just past the record
}

// record reads and checks the record at off (off < limit), which replay or
// the store's own write already found valid. reason says what is wrong now,
// if anything.
func (r *recReader) record(off int64) (rec, string, error) {
	h, err := r.bytes(off, headerSize)
	if err != nil {
		return rec{}, "", err
	}
	_, n, reason := record.ParseHeader(h)
	if reason != "" {
		return rec{}, reason, nil
	}
	b, err := r.bytes(off, headerSize+n)
	if err != nil {
		return rec{}, "", err
	}
	typ, payload, size, reason := record.Decode(b)
	if reason != "" {
		return rec{}, reason, nil
	}
	if reason := kind(typ).check(payload); reason != "" {
		return rec{}, reason, nil
	}
	return rec{kind: kind(typ), payload: payload, next: off + int64(size)}, "", nil
}
