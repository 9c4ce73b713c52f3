package fixstore

import (
	"errors"
	"fmt"
	"io"
)

// recReader reads records through a buffer with ReadAt (pread), so replay and
// iteration never move the append file's offset and cost one syscall per
// buffer fill, not per record.
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

// record is one record as read; payload aliases the reader's buffer.
type record struct {
	kind    kind
	payload []byte
	next    int64 // offset just past the record, as its header declares
}

// record reads and checks the record at off (off < limit). On statusOK the
// record is complete and valid; on statusShortPayload and statusBadCRC, next
// is where the record would end.
func (r *recReader) record(off int64) (record, status, error) {
	h, err := r.bytes(off, headerSize)
	if err != nil {
		return record{}, 0, err
	}
	if len(h) < headerSize {
		return record{}, statusShortHeader, nil
	}
	k, n, st := checkHeader(h)
	if st != statusOK {
		return record{}, st, nil
	}
	rec := record{kind: k, next: off + headerSize + int64(n)}
	b, err := r.bytes(off, headerSize+n)
	if err != nil {
		return record{}, 0, err
	}
	if len(b) < headerSize+n {
		return rec, statusShortPayload, nil
	}
	if st := checkFrame(b, k); st != statusOK {
		return rec, st, nil
	}
	rec.payload = b[headerSize:]
	return rec, statusOK, nil
}
