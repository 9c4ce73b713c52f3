package record

import (
	"errors"
	"fmt"
	"io"
)

// defaultBufferSize is a stream Reader's initial buffer; it grows to the
// largest record.
const defaultBufferSize = 64 << 10

// Record is one record read back.
type Record struct {
	// Type is the record's type byte, never 0.
	Type byte
	// Payload aliases the Reader's buffer (or the slice given to NewBytes):
	// it is valid until the next call to Next. Copy it to keep it.
	Payload []byte
	// Offset is the file offset of the record's frame.
	Offset int64
}

// End returns the file offset just past the record's frame.
func (r Record) End() int64 { return r.Offset + HeaderSize + int64(len(r.Payload)) }

// Reader returns the records of a byte slice or a stream in order, checking
// each frame, and tells a torn tail from corruption (see the package doc).
// It is not safe for concurrent use.
type Reader struct {
	file  string
	src   io.Reader // nil when buf is all of the data
	buf   []byte    // buf[:n] holds the data from offset start
	n     int
	pos   int   // index in buf of the next frame
	start int64 // file offset of buf[0]
	eof   bool  // src has no more bytes (always, for a slice)
	err   error // sticky: io.EOF, a *CorruptionError or a read error
}

// NewBytes returns a Reader over b, whose first byte is at file offset offset
// of file (named in errors). Payloads alias b.
func NewBytes(b []byte, file string, offset int64) *Reader {
	return &Reader{file: file, buf: b, n: len(b), start: offset, eof: true}
}

// NewReader returns a Reader over src, whose first byte is at file offset
// offset of file (named in errors). It reads src through a buffer that grows
// to the largest record; to decide whether damage is a torn tail it reads on
// to the first valid frame after it, or to the end of src.
func NewReader(src io.Reader, file string, offset int64) *Reader {
	return &Reader{file: file, src: src, buf: make([]byte, defaultBufferSize), start: offset}
}

// Next returns the next record. At the clean end of the data it returns
// io.EOF; at damage a *CorruptionError (torn tail or corruption, see the
// package doc); if the stream fails, its error. Once Next returns an error it
// keeps returning it.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	avail := r.fill(HeaderSize)
	if r.err != nil {
		return Record{}, r.err
	}
	if avail == 0 {
		r.err = io.EOF
		return Record{}, r.err
	}
	_, n, reason := ParseHeader(r.buf[r.pos : r.pos+avail])
	if reason == "" {
		avail = r.fill(HeaderSize + n)
		if r.err != nil {
			return Record{}, r.err
		}
		typ, payload, size, why := Decode(r.buf[r.pos : r.pos+avail])
		if why == "" {
			rec := Record{Type: typ, Payload: payload, Offset: r.offset()}
			r.pos += size
			return rec, nil
		}
		reason = why
	}
	r.damage(reason)
	return Record{}, r.err
}

// offset is the file offset of buf[pos].
func (r *Reader) offset() int64 { return r.start + int64(r.pos) }

// damage sets r.err for the invalid frame at r.pos: corruption if a valid
// frame starts after it, else a torn tail. It moves r.pos.
func (r *Reader) damage(reason string) {
	off := r.offset()
	for {
		r.pos++
		avail := r.fill(HeaderSize)
		if r.err != nil {
			return
		}
		if avail < HeaderSize {
			break // no frame fits in what is left
		}
		if _, n, bad := ParseHeader(r.buf[r.pos:]); bad == "" {
			if avail = r.fill(HeaderSize + n); r.err != nil {
				return
			}
			if valid(r.buf[r.pos : r.pos+avail]) {
				r.err = &CorruptionError{File: r.file, Offset: off, Reason: reason}
				return
			}
		}
	}
	end := r.start + int64(r.n)
	r.err = &CorruptionError{File: r.file, Offset: off, Reason: reason, TornTail: true, Dropped: end - off}
}

// fill makes buf[pos:pos+want] hold the data there, reading the stream as
// needed, and returns how many of those bytes there are: want, or fewer at the
// end of the data. A read error other than io.EOF sets r.err.
func (r *Reader) fill(want int) int {
	if r.pos+want > r.n && !r.eof {
		if r.pos+want > len(r.buf) {
			// Move the unread bytes to the front, into a larger buffer when
			// want would fill more than half of this one, so that copies
			// stay amortized O(1) per byte read.
			buf := r.buf
			if want > len(buf)/2 {
				buf = make([]byte, 2*want)
			}
			r.n = copy(buf, r.buf[r.pos:r.n])
			r.start += int64(r.pos)
			r.buf, r.pos = buf, 0
		}
		for r.pos+want > r.n && !r.eof {
			m, err := r.src.Read(r.buf[r.n:])
			r.n += m
			if errors.Is(err, io.EOF) {
				r.eof = true
			} else if err != nil {
				r.err = fmt.Errorf("record: read %s at offset %d: %w", r.file, r.start+int64(r.n), err)
				return 0
			}
		}
	}
	return max(0, min(want, r.n-r.pos))
}
