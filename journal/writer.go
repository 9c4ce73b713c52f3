package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openmatch/matchd/internal/fsutil"
	"github.com/openmatch/matchd/internal/record"
)

const (
	// DefaultSegmentSize is the size at which a segment is sealed.
	DefaultSegmentSize = 64 << 20
	// DefaultMaxDelay bounds how long a record may wait in the Writer's
	// buffer for a Commit; see Options.MaxDelay.
	DefaultMaxDelay = time.Millisecond
	// maxDelayStride is how many records Append adds between checks of
	// the MaxDelay bound.
	maxDelayStride = 8
	// lockName is the lock file Open holds in the directory.
	lockName = "LOCK"
	// defaultBufferSize is the group buffer's initial capacity.
	defaultBufferSize = 64 << 10
)

// Options configures a Writer.
type Options struct {
	// Dir is the journal directory; Open creates it if needed.
	Dir string
	// Policy is the durability policy; the zero value is PolicyBatch.
	Policy Policy
	// SegmentSize is the size in bytes at which a segment is sealed and a new
	// one begun (checked after each group, so a segment may exceed it by one
	// group). 0 means DefaultSegmentSize.
	SegmentSize int64
	// MaxDelay bounds how long a record may sit in the buffer while the
	// caller keeps appending without committing. Append reads the clock when
	// it opens a group and then when adding every 8th record of the group;
	// if the group's first record is MaxDelay old or older, it commits the
	// group (and so, under batch, fsyncs it) before adding the record. A
	// record thus waits at most MaxDelay plus the time the caller takes to
	// append 8 more. 0 means DefaultMaxDelay; a negative value turns the bound
	// off (and the clock reads it costs). The Writer has no timer: a caller
	// that stops appending must call Commit.
	MaxDelay time.Duration
	// BufferSize is the initial capacity in bytes of the group buffer; it grows
	// to the largest group and is then reused. 0 means 64 KiB.
	BufferSize int

	// truncate replaces truncateTail in tests, to make it fail.
	truncate func(f *os.File, off int64) error
}

// Recovery describes what Open found and repaired, for the caller to log.
type Recovery struct {
	// Segments is the number of segment files found.
	Segments int
	// NextIndex is the index the next appended record gets.
	NextIndex uint64
	// Truncated is true if a torn tail was cut off the last segment; Segment,
	// Offset, Dropped and Reason then describe it (see TornTailError).
	Truncated bool
	// Segment is the segment that was truncated.
	Segment uint64
	// Offset is the new length of that segment file, the end of good data.
	Offset int64
	// Dropped is the number of bytes removed.
	Dropped int64
	// Reason says what was wrong with the first dropped record and, in
	// words, what the commit marks tell about it (TornTailError.Marks).
	Reason string
	// Format and Marked say what the commit marks tell about the dropped
	// bytes (see TornTailError).
	Format uint16
	// Marked is the index of the last record a commit mark before the torn
	// tail covers (0: none in the segment).
	Marked uint64
	// Sealed is set when Open sealed a format 1 last segment to append to a
	// new segment in the current format.
	Sealed bool
}

// String summarises the recovery in one line.
func (r Recovery) String() string {
	if !r.Truncated {
		return fmt.Sprintf("journal: %d segments, clean, next record %d", r.Segments, r.NextIndex)
	}
	return fmt.Sprintf("journal: %d segments, torn tail truncated at segment %d offset %d (%d bytes dropped: %s), next record %d",
		r.Segments, r.Segment, r.Offset, r.Dropped, r.Reason, r.NextIndex)
}

// Writer appends records to a journal. Its methods must be called from one
// goroutine, except DurableIndex, which any goroutine may call.
type Writer struct {
	dir      string
	policy   Policy
	segLimit int64
	maxDelay time.Duration
	now      func() time.Time // time.Now; replaced by tests
	truncate func(f *os.File, off int64) error

	lock     *os.File // holds the directory's flock; nil where unsupported
	f        *os.File // current segment; replaced only with fmu held
	fmu      sync.Mutex
	seg      uint64 // current segment number
	segSize  int64  // bytes in the current segment file
	segCount uint64 // records in the current segment, buffered ones included
	chain    uint32 // chain checksum of those records

	buf        []byte    // framed records of the open group
	pending    int       // records in buf
	groupStart time.Time // when the first record in buf was appended
	next       uint64    // index the next Append assigns
	dirty      bool      // written since the last fsync
	marked     uint64    // index the last commit mark written covers
	mark       [markSize]byte
	syncs      uint64 // fsyncs of segment files, for tests
	err        error  // sticky: a failed write or sync, or ErrClosed

	// durable is read by other goroutines; the padding keeps it off the
	// cache lines the fields above dirty on every Append.
	_       [64]byte
	durable atomic.Uint64
	synced  atomic.Uint64         // last index fsynced, see SyncedIndex
	syncErr atomic.Pointer[error] // a failed SyncDurable, reported by Sync
	_       [40]byte
}

// Open opens or creates the journal in opts.Dir for appending. It takes an
// exclusive lock on the directory (ErrLocked if another Writer holds it), then
// reads and checks every existing segment, which costs a read of the whole
// journal. A torn tail of the last segment is truncated
// and described in the Recovery; any other damage is returned as a
// *CorruptionError and nothing is modified.
func Open(opts Options) (*Writer, Recovery, error) {
	if opts.Dir == "" {
		return nil, Recovery{}, errors.New("journal: Options.Dir is empty")
	}
	if opts.Policy > PolicyEvery {
		return nil, Recovery{}, fmt.Errorf("journal: unknown durability policy %d", opts.Policy)
	}
	if opts.SegmentSize < 0 {
		return nil, Recovery{}, fmt.Errorf("journal: negative SegmentSize %d", opts.SegmentSize)
	}
	if opts.SegmentSize == 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.MaxDelay == 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = defaultBufferSize
	}
	if opts.truncate == nil {
		opts.truncate = truncateTail
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, Recovery{}, fmt.Errorf("journal: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, Recovery{}, err
	}
	w, rec, err := open(opts)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, rec, err
	}
	w.lock = lock
	return w, rec, nil
}

// open is Open once the directory is locked.
func open(opts Options) (*Writer, Recovery, error) {
	r, err := newReader(opts.Dir)
	if err != nil {
		return nil, Recovery{}, err
	}
	for err == nil {
		_, err = r.Next()
	}
	rec := Recovery{Segments: len(r.segs)}
	var torn *TornTailError
	if err != io.EOF && !errors.As(err, &torn) {
		return nil, rec, err
	}
	w := &Writer{
		dir:      opts.Dir,
		policy:   opts.Policy,
		segLimit: opts.SegmentSize,
		maxDelay: opts.MaxDelay,
		now:      time.Now,
		truncate: opts.truncate,
		buf:      make([]byte, 0, opts.BufferSize),
	}
	if err := w.resume(r, torn); err != nil {
		return nil, rec, err
	}
	if torn != nil {
		rec.Truncated = true
		rec.Segment, rec.Offset, rec.Dropped = torn.Segment, torn.Offset, torn.Dropped
		rec.Reason = torn.Reason + "; " + torn.Marks()
		rec.Format, rec.Marked = torn.Format, torn.Marked
	}
	// A format 1 segment takes no commit marks: seal it (with the footer
	// format 1 always had) and continue in a new segment.
	if w.seg == r.seg && r.version == formatV1 {
		if err := w.roll(); err != nil {
			if w.f != nil {
				w.f.Close()
			}
			return nil, rec, fmt.Errorf("journal: seal format 1 segment %d: %w", r.seg, err)
		}
		rec.Sealed = true
	}
	// Records kept after the last commit mark (a crash came between their
	// write and their mark) are recovered, so replayed and maybe reported:
	// fsync and mark them now, so that later damage to them is corruption.
	if w.segCount > 0 && w.marked < w.next-1 {
		err := w.sync(w.next - 1)
		if err == nil {
			err = w.writeMark(w.next - 1)
		}
		if err != nil {
			w.f.Close()
			return nil, rec, fmt.Errorf("journal: mark recovered records of segment %d: %w", w.seg, err)
		}
	}
	rec.NextIndex = w.next
	w.durable.Store(w.next - 1)
	w.synced.Store(w.next - 1)
	return w, rec, nil
}

// resume positions w after the last good record the Reader found.
func (w *Writer) resume(r *Reader, torn *TornTailError) error {
	switch {
	case len(r.segs) == 0:
		w.next = 1
		return w.create(1, 1, true)
	case r.headerTorn:
		first := r.next
		if r.si == 0 {
			if r.seg != 1 {
				return &CorruptionError{Segment: r.seg, Reason: "segment header torn and no earlier segment gives its first index"}
			}
			first = 1
		}
		w.next = first
		return w.create(r.seg, first, false)
	case r.sealed:
		w.next = r.next
		return w.create(r.seg+1, r.next, true)
	}
	f, err := os.OpenFile(filepath.Join(w.dir, segmentName(r.seg)), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if torn != nil {
		if err := w.truncate(f, int64(r.off)); err != nil {
			f.Close()
			return fmt.Errorf("journal: truncate torn tail of segment %d at offset %d: %w", r.seg, r.off, err)
		}
	}
	w.f, w.seg, w.segSize = f, r.seg, int64(r.off)
	w.segCount, w.chain, w.next, w.marked = r.count, r.chain, r.next, r.marked
	return nil
}

// truncateTail cuts f at off and fsyncs it: how Open removes a torn tail
// unless a test gave Options.truncate.
func truncateTail(f *os.File, off int64) error {
	if err := f.Truncate(off); err != nil {
		return err
	}
	return f.Sync()
}

// Append adds a record to the open group, copying payload. It does no I/O
// unless the MaxDelay bound makes it commit the group first, and allocates
// nothing once the buffer has grown to the largest group.
func (w *Writer) Append(typ RecordType, payload []byte) error {
	if w.err != nil {
		return w.err
	}
	if typ == 0 || typ > MaxUserType {
		return ErrBadType
	}
	if len(payload) > MaxPayload {
		return ErrTooLarge
	}
	// A clock read costs about twice a record's framing, so the MaxDelay
	// bound reads it when a group opens and then on every 8th record only.
	if w.maxDelay > 0 {
		if w.pending == 0 {
			w.groupStart = w.now()
		} else if w.pending%maxDelayStride == 0 {
			if now := w.now(); now.Sub(w.groupStart) >= w.maxDelay {
				if err := w.Commit(); err != nil {
					return err
				}
				w.groupStart = now
			}
		}
	}
	n := len(w.buf)
	w.buf, _ = record.Append(w.buf, byte(typ), payload) // type and size checked above
	w.chain = chainCRC(w.chain, w.buf[n:n+4])
	w.segCount++
	w.pending++
	w.next++
	return nil
}

// Commit ends the open group: it writes the buffered records and makes them
// durable according to the policy, then advances DurableIndex. It seals the
// segment and starts the next one once the segment has reached SegmentSize.
// After an error the Writer is unusable: Close it and Open again, which
// truncates whatever part of the group reached the disk.
func (w *Writer) Commit() error {
	if w.err != nil {
		return w.err
	}
	if w.pending == 0 {
		return nil
	}
	var err error
	if w.policy == PolicyEvery {
		err = w.writeEach()
	} else {
		err = w.writeGroup()
	}
	if err == nil && w.segSize >= w.segLimit {
		err = w.roll()
	}
	if err != nil {
		return w.fail(err)
	}
	return nil
}

// Sync commits the open group, fsyncs everything written so far (records,
// which only PolicyNone leaves unsynced, and commit marks) and writes the
// commit mark for records that fsync covered, if any. That mark is fsynced
// by the next Commit under batch or every, or by the next Sync or Close.
func (w *Writer) Sync() error {
	if err := w.Commit(); err != nil {
		return err
	}
	if e := w.syncErr.Load(); e != nil {
		return w.fail(*e)
	}
	if w.dirty {
		if err := w.sync(w.next - 1); err != nil {
			return w.fail(err)
		}
		if err := w.writeMark(w.next - 1); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// SyncDurable fsyncs every record DurableIndex covers, for a caller that
// must never get ahead of what a machine crash keeps (a snapshot): under
// PolicyNone a durable record is only written to the OS. Under batch and
// every durable records are already fsynced and it does nothing. Unlike the
// other methods it is safe to call from any goroutine, concurrently with
// Append and Commit; it writes no commit mark (the next Sync or Close
// does). A failure is returned and also makes the Writer's next Sync and
// Close fail.
func (w *Writer) SyncDurable() error {
	if w.policy != PolicyNone {
		return nil
	}
	w.fmu.Lock()
	defer w.fmu.Unlock()
	if w.f == nil {
		return ErrClosed
	}
	// Records up to d were written to the OS before durable was stored, to
	// this segment or to an earlier one, which roll fsynced before it made
	// this one current (under fmu).
	d := w.durable.Load()
	if err := w.f.Sync(); err != nil {
		err = fmt.Errorf("journal: segment %d: %w", w.seg, err)
		w.syncErr.CompareAndSwap(nil, &err)
		return err
	}
	storeMax(&w.synced, d)
	return nil
}

// SyncedIndex returns the index of the last record known to be fsynced
// (under batch and every, DurableIndex; under PolicyNone only what Sync,
// SyncDurable, a segment roll or Open made durable). Safe from any goroutine.
func (w *Writer) SyncedIndex() uint64 { return w.synced.Load() }

// storeMax raises a to v unless it is already higher.
func storeMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if old >= v || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// DurableIndex returns the index of the last record made durable under the
// policy (written to the OS for PolicyNone, fsynced otherwise), or the index
// before the first record if there is none. It is safe to call from any
// goroutine, e.g. to hold back reports until their command is durable.
func (w *Writer) DurableIndex() uint64 { return w.durable.Load() }

// NextIndex returns the index the next Append will give its record.
func (w *Writer) NextIndex() uint64 { return w.next }

// Close commits the open group, fsyncs and closes the segment. It returns the
// Writer's earlier error, if any.
func (w *Writer) Close() error {
	if w.err == ErrClosed {
		return ErrClosed
	}
	err := w.Sync()
	if err == nil && w.dirty { // the last commit mark: a clean stop leaves every record marked
		if serr := w.sync(w.next - 1); serr != nil {
			err = w.fail(serr)
		}
	}
	w.fmu.Lock()
	if w.f != nil {
		if cerr := w.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("journal: %w", cerr)
		}
		w.f = nil
	}
	w.fmu.Unlock()
	if w.lock != nil {
		w.lock.Close()
		w.lock = nil
	}
	w.err = ErrClosed
	return err
}

// writeGroup writes the whole group with one write, fsyncing under batch.
func (w *Writer) writeGroup() error {
	if _, err := w.f.WriteAt(w.buf, w.segSize); err != nil {
		return err
	}
	w.segSize += int64(len(w.buf))
	w.buf = w.buf[:0]
	w.pending = 0
	w.dirty = true
	if w.policy == PolicyBatch {
		if err := w.sync(w.next - 1); err != nil {
			return err
		}
		// The mark goes to the OS before DurableIndex releases any report,
		// so a crash of the process cannot lose it; it reaches the disk
		// with the next fsync.
		if err := w.writeMark(w.next - 1); err != nil {
			return err
		}
	}
	w.durable.Store(w.next - 1)
	return nil
}

// writeMark writes a commit mark for the records up to idx, all fsynced,
// unless one already covers them or the segment holds none.
func (w *Writer) writeMark(idx uint64) error {
	if idx <= w.marked || w.segCount == 0 {
		return nil
	}
	m := w.mark[:0]
	m = record.Begin(m, byte(typeMark))
	m = binary.LittleEndian.AppendUint64(m, idx)
	_ = record.Finish(m) // a valid type and an 8-byte payload
	if _, err := w.f.WriteAt(m, w.segSize); err != nil {
		return err
	}
	w.segSize += markSize
	w.marked = idx
	w.dirty = true
	return nil
}

// writeEach writes and fsyncs the group's records one at a time.
func (w *Writer) writeEach() error {
	idx := w.next - uint64(w.pending)
	for off := 0; off < len(w.buf); idx++ {
		_, n, _ := record.ParseHeader(w.buf[off:]) // framed by Append
		end := off + frameHeaderSize + n
		if _, err := w.f.WriteAt(w.buf[off:end], w.segSize); err != nil {
			return err
		}
		w.segSize += int64(end - off)
		w.dirty = true
		if err := w.sync(idx); err != nil {
			return err
		}
		if err := w.writeMark(idx); err != nil {
			return err
		}
		w.durable.Store(idx)
		off = end
	}
	w.buf = w.buf[:0]
	w.pending = 0
	return nil
}

// roll seals the current segment with a footer, fsyncs it whatever the policy
// and starts the next segment.
func (w *Writer) roll() error {
	w.buf = record.Begin(w.buf[:0], byte(typeFooter))
	w.buf = binary.LittleEndian.AppendUint64(w.buf, w.segCount)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, w.chain)
	_ = record.Finish(w.buf) // a valid type and a 12-byte payload
	_, err := w.f.WriteAt(w.buf, w.segSize)
	w.buf = w.buf[:0]
	if err != nil {
		return err
	}
	w.dirty = true
	if err := w.sync(w.next - 1); err != nil {
		return err
	}
	w.fmu.Lock()
	defer w.fmu.Unlock()
	if err := w.f.Close(); err != nil {
		return err
	}
	w.f = nil
	return w.create(w.seg+1, w.next, true)
}

// create writes a new segment's header (replacing a torn one unless excl),
// fsyncs it and the directory, and makes it current.
func (w *Writer) create(seg, first uint64, excl bool) error {
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if excl {
		flag = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(filepath.Join(w.dir, segmentName(seg)), flag, 0o644)
	if err != nil {
		return fmt.Errorf("journal: create segment: %w", err)
	}
	w.buf = appendHeader(w.buf[:0], segmentHeader{version: formatVersion, segment: seg, firstIndex: first})
	_, err = f.WriteAt(w.buf, 0)
	w.buf = w.buf[:0]
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = fsutil.SyncDir(w.dir)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("journal: create segment %d: %w", seg, err)
	}
	w.f, w.seg, w.segSize, w.segCount, w.chain = f, seg, headerSize, 0, 0
	w.dirty = false
	return nil
}

// sync fsyncs the current segment, which holds the records up to idx.
func (w *Writer) sync(idx uint64) error {
	w.syncs++
	if err := w.f.Sync(); err != nil {
		return err
	}
	w.dirty = false
	storeMax(&w.synced, idx)
	return nil
}

// fail makes err sticky and returns it.
func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("journal: segment %d: %w", w.seg, err)
	}
	return w.err
}
