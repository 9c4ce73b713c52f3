package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/openmatch/matchd/internal/record"
)

// Record is one record read back from the journal.
type Record struct {
	// Type is the record type given to Append.
	Type RecordType
	// Payload aliases the Reader's buffer: it is valid until the next call
	// to Next. Copy it to keep it.
	Payload []byte
	// Index is the record's position in the whole journal, counting from the
	// first segment's first index (1 for a journal that was never pruned).
	Index uint64
	// Segment is the number of the segment file holding the record.
	Segment uint64
	// Offset is the byte offset of the record's frame in that file.
	Offset int64
}

// Reader iterates over every record of a journal directory in order, checking
// every checksum, the segment chain and each sealed segment's footer. It sees
// the segment files that existed when it was opened. It holds one whole
// segment in memory at a time and no open files.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	src  func(n uint64, buf []byte) ([]byte, error) // loads a segment into buf
	segs []uint64                                   // segment numbers found, ascending
	si   int                                        // index in segs of the loaded segment, -1 before the first
	buf  []byte                                     // the loaded segment's bytes
	rr   *record.Reader                             // frames of buf after the header
	off  int                                        // read position in buf

	seg        uint64 // loaded segment's number
	version    uint16 // loaded segment's format version
	marked     uint64 // index a commit mark of the loaded segment covers (0: none yet)
	next       uint64 // index of the next record
	count      uint64 // records read from the loaded segment
	chain      uint32 // chain checksum of the loaded segment's records
	sealed     bool   // the loaded segment's footer was read
	done       bool   // the loaded segment is exhausted
	headerTorn bool   // the last segment's header is torn (see TornTailError)
	err        error  // sticky: io.EOF, *TornTailError or *CorruptionError
}

// OpenReader opens the journal in dir for reading. A missing directory is an
// error satisfying errors.Is(err, fs.ErrNotExist); a directory holding no
// segment files is an error satisfying errors.Is(err, ErrEmpty).
func OpenReader(dir string) (*Reader, error) {
	r, err := newReader(dir)
	if err != nil {
		return nil, err
	}
	if len(r.segs) == 0 {
		return nil, fmt.Errorf("%w in directory %s", ErrEmpty, dir)
	}
	return r, nil
}

// newReader lists the segments of dir; unlike OpenReader it accepts none.
func newReader(dir string) (*Reader, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("journal: directory %s does not exist: %w", dir, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("journal: list segments: %w", err)
	}
	r := &Reader{src: dirSource(dir), si: -1}
	for _, e := range entries {
		if n, ok := parseSegmentName(e.Name()); ok && !e.IsDir() {
			r.segs = append(r.segs, n)
		}
	}
	slices.Sort(r.segs)
	return r, nil
}

// Next returns the next record. At the clean end of the journal it returns
// io.EOF. If the last segment ends in a torn tail it returns, after every good
// record, a *TornTailError (errors.Is(err, ErrTornTail)): the records returned
// so far are exactly those Open would keep, and a caller replaying a crashed
// journal may treat it as the end. Damage anywhere else is a *CorruptionError
// (errors.Is(err, ErrCorrupt)) returned after every good record before it; it
// must not be treated as the end. Once Next returns an error it keeps
// returning that error.
func (r *Reader) Next() (Record, error) {
	for r.err == nil {
		if r.si < 0 || r.done {
			if r.si+1 >= len(r.segs) {
				r.err = io.EOF
				break
			}
			r.load(r.si + 1)
			continue
		}
		if rec, ok := r.frame(); ok {
			return rec, nil
		}
	}
	return Record{}, r.err
}

// Close releases the Reader's buffer. It never fails.
func (r *Reader) Close() error {
	r.buf = nil
	if r.err == nil {
		r.err = errors.New("journal: reader closed")
	}
	return nil
}

// load reads segment r.segs[i] and checks its header and its place in the chain.
func (r *Reader) load(i int) {
	n := r.segs[i]
	last := i == len(r.segs)-1
	if i > 0 && n != r.segs[i-1]+1 {
		r.err = &CorruptionError{Segment: r.segs[i-1] + 1, Reason: fmt.Sprintf(
			"segment file missing (segment %d is followed by segment %d)", r.segs[i-1], n)}
		return
	}
	r.si, r.seg, r.off = i, n, 0
	r.count, r.chain, r.sealed, r.done, r.headerTorn = 0, 0, false, false, false
	r.version, r.marked = 0, 0
	buf, err := r.src(n, r.buf)
	if err != nil {
		r.err = err
		return
	}
	r.buf = buf
	h, bad := parseHeader(r.buf)
	if bad != "" {
		// A crash while a new segment's header was being written leaves a
		// short or garbled header and nothing else.
		if last && len(r.buf) <= headerSize {
			r.headerTorn = true
			r.err = &TornTailError{Segment: n, Dropped: int64(len(r.buf)), Reason: bad, Format: formatVersion}
			return
		}
		r.err = &CorruptionError{Segment: n, Reason: bad}
		return
	}
	if h.segment != n {
		r.err = &CorruptionError{Segment: n, Reason: fmt.Sprintf("header names segment %d", h.segment)}
		return
	}
	if i > 0 && h.firstIndex != r.next {
		r.err = &CorruptionError{Segment: n, Reason: fmt.Sprintf(
			"segment starts at record %d, expected %d: records are missing", h.firstIndex, r.next)}
		return
	}
	r.next = h.firstIndex
	r.version = h.version
	r.off = headerSize
	r.rr = record.NewBytes(r.buf[headerSize:], segmentName(n), headerSize)
}

// dirSource returns a function that reads segment n of dir into buf, reusing
// its capacity.
func dirSource(dir string) func(n uint64, buf []byte) ([]byte, error) {
	return func(n uint64, buf []byte) ([]byte, error) {
		f, err := os.Open(filepath.Join(dir, segmentName(n)))
		if err != nil {
			return buf, fmt.Errorf("journal: open segment %d: %w", n, err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return buf, fmt.Errorf("journal: stat segment %d: %w", n, err)
		}
		size := int(st.Size())
		if cap(buf) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(f, buf); err != nil {
			return buf, fmt.Errorf("journal: read segment %d: %w", n, err)
		}
		return buf, nil
	}
}

// frame decodes the frame at r.off. It returns a record, or false after
// reaching the segment's end or setting r.err.
func (r *Reader) frame() (Record, bool) {
	last := r.si == len(r.segs)-1
	rec, err := r.rr.Next()
	if err == io.EOF {
		if last {
			r.done = true
			return Record{}, false
		}
		r.err = &CorruptionError{Segment: r.seg, Offset: int64(r.off),
			Reason: "segment ends without a footer: a sealed segment was truncated"}
		return Record{}, false
	}
	if err != nil {
		var ce *record.CorruptionError
		if !errors.As(err, &ce) { // NewBytes does no I/O; nothing else is returned
			r.err = fmt.Errorf("journal: segment %d: %w", r.seg, err)
		} else if ce.TornTail && last {
			r.err = &TornTailError{Segment: r.seg, Offset: ce.Offset, Dropped: ce.Dropped, Reason: ce.Reason,
				Format: r.version, Marked: r.marked}
		} else {
			r.err = &CorruptionError{Segment: r.seg, Offset: ce.Offset, Reason: ce.Reason}
		}
		return Record{}, false
	}
	off, size, typ := int(rec.Offset), int(rec.End()-rec.Offset), RecordType(rec.Type)
	if !validType(typ, r.version) {
		r.err = &CorruptionError{Segment: r.seg, Offset: rec.Offset, Reason: fmt.Sprintf("invalid record type %d", uint8(typ))}
		return Record{}, false
	}
	if typ == typeFooter {
		bad := r.checkFooter(rec.Payload)
		if bad == "" && off+size != len(r.buf) {
			bad = fmt.Sprintf("%d bytes after the segment footer", len(r.buf)-off-size)
		}
		if bad != "" {
			r.err = &CorruptionError{Segment: r.seg, Offset: rec.Offset, Reason: bad}
			return Record{}, false
		}
		r.off += size
		r.sealed, r.done = true, true
		return Record{}, false
	}
	if typ == typeMark {
		if bad := r.checkMark(rec.Payload); bad != "" {
			r.err = &CorruptionError{Segment: r.seg, Offset: rec.Offset, Reason: bad}
			return Record{}, false
		}
		r.off += size
		return Record{}, false
	}
	r.chain = chainCRC(r.chain, r.buf[off:off+4])
	r.count++
	out := Record{Type: typ, Payload: rec.Payload, Index: r.next, Segment: r.seg, Offset: rec.Offset}
	r.next++
	r.off += size
	return out, true
}

// checkMark checks a commit mark: it must cover exactly the records before
// it, so a record lost before a mark (or a mark out of place) is corruption.
func (r *Reader) checkMark(p []byte) string {
	if len(p) != markPayloadSize {
		return fmt.Sprintf("commit mark payload of %d bytes", len(p))
	}
	idx := binary.LittleEndian.Uint64(p)
	if r.count == 0 || idx != r.next-1 {
		return fmt.Sprintf("commit mark for record %d follows record %d", idx, r.next-1)
	}
	r.marked = idx
	return ""
}

// checkFooter compares a footer's payload with what was read.
func (r *Reader) checkFooter(p []byte) string {
	if len(p) != footerPayloadSize {
		return fmt.Sprintf("footer payload of %d bytes", len(p))
	}
	count, chain := binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint32(p[8:])
	if count != r.count {
		return fmt.Sprintf("footer counts %d records, segment holds %d", count, r.count)
	}
	if chain != r.chain {
		return "footer chain checksum mismatch"
	}
	return ""
}
