package fixstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/openmatch/matchd/internal/fsutil"
	"github.com/openmatch/matchd/internal/record"
)

// The state file.
//
// Replaying a log costs ~130 ns per record, so a session that sent hundreds of
// millions of messages since its last sequence reset would make the first logon
// after a restart wait tens of seconds. A clean Close therefore writes what
// replay would rebuild (sequence numbers, creation time, the sparse index) to
// <log>.state, with the log's size and a checksum of its last bytes. Open uses
// that file instead of replaying when both still match the log, and removes it
// before the store writes anything, so it never describes a log that has grown
// since; the size and tail checks guard against a removal a crash undid. After a
// crash there is no state file and Open replays, checking every record; a state
// file that is damaged or does not match is ignored the same way.
//
// Layout, little-endian, then a CRC-32C of everything before it:
//
//	magic "FIXSTATE" | u32 version 2 | i64 log size | u32 CRC-32C of the log's
//	last min(size, stateTail) bytes | i64 next sender | i64 next target |
//	u8 has creation | i64 creation ns | u32 runs | per run: i64 start, end,
//	first, last | u64 count | u32 index entries | per entry: i64 seq, off

const (
	stateMagic = "FIXSTATE"
	// stateVersion 2 came with log format 2, whose offsets differ: a
	// version 1 state file is ignored and the log replayed.
	stateVersion = 2
	stateTail    = 4096
	// maxStateFile bounds what Open reads: 24 bytes per index entry, one per
	// 1024 messages, so 1 GiB covers ~45 billion messages.
	maxStateFile = 1 << 30
)

func (s *Store) statePath() string { return s.path + ".state" }

// tailSum is the checksum of the log's last min(size, stateTail) bytes.
func tailSum(f *os.File, size int64) (uint32, error) {
	n := min(size, stateTail)
	b := make([]byte, n)
	if _, err := f.ReadAt(b, size-n); err != nil {
		return 0, err
	}
	return record.Checksum(b), nil
}

// writeStateLocked writes the state file for the log as it is now. Called by
// a clean close, with the log synced if sync is on; the state file is written
// to a temporary name and renamed, so a crash leaves the old one or none.
func (s *Store) writeStateLocked() error {
	tail, err := tailSum(s.f, s.st.size)
	if err != nil {
		return err
	}
	b := []byte(stateMagic)
	b = binary.LittleEndian.AppendUint32(b, stateVersion)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.st.size))
	b = binary.LittleEndian.AppendUint32(b, tail)
	b = binary.LittleEndian.AppendUint64(b, uint64(int64(s.st.nextSender)))
	b = binary.LittleEndian.AppendUint64(b, uint64(int64(s.st.nextTarget)))
	if s.st.hasCreation {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(s.st.creation.UnixNano()))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.st.runs)))
	for _, r := range s.st.runs {
		for _, v := range []int64{r.start, r.end, r.first, r.last} {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
		b = binary.LittleEndian.AppendUint64(b, r.count)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r.index)))
		for _, e := range r.index {
			b = binary.LittleEndian.AppendUint64(b, uint64(e.seq))
			b = binary.LittleEndian.AppendUint64(b, uint64(e.off))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, record.Checksum(b))

	return fsutil.WriteFileAtomic(s.statePath(), b, 0o660, s.sync)
}

// readState returns the state the state file describes if it is intact and
// matches f (size and tail checksum); ok is false otherwise, for any reason:
// the caller then replays.
func (s *Store) readState(f *os.File, size int64) (st logState, ok bool) {
	b, err := readBounded(s.statePath(), maxStateFile)
	if err != nil || len(b) < len(stateMagic)+4+8+4+8+8+1+8+4+4 {
		return st, false
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if string(body[:len(stateMagic)]) != stateMagic || record.Checksum(body) != sum {
		return st, false
	}
	d := decoder{b: body[len(stateMagic):]}
	if d.u32() != stateVersion || int64(d.u64()) != size {
		return st, false
	}
	if tail, err := tailSum(f, size); err != nil || d.u32() != tail {
		return st, false
	}
	st = newLogState()
	st.size = size
	st.nextSender, st.nextTarget = int(int64(d.u64())), int(int64(d.u64()))
	st.hasCreation = d.u8() == 1
	st.creation = time.Unix(0, int64(d.u64()))
	nruns := d.u32()
	for i := uint32(0); i < nruns && !d.bad; i++ {
		r := run{start: int64(d.u64()), end: int64(d.u64()), first: int64(d.u64()), last: int64(d.u64()), count: d.u64()}
		n := d.u32()
		if uint64(n) > uint64(len(d.b))/16 {
			return st, false
		}
		r.index = make([]indexEntry, n)
		for j := range r.index {
			r.index[j] = indexEntry{seq: int64(d.u64()), off: int64(d.u64())}
		}
		if !validRun(r, size) {
			return st, false
		}
		st.runs = append(st.runs, r)
	}
	if d.bad || len(d.b) != 0 {
		return st, false
	}
	return st, true
}

// validRun checks what IterateMessages relies on, so that a state file that
// passed its checksum but was written wrong cannot send it off the log.
func validRun(r run, size int64) bool {
	if len(r.index) == 0 || r.count == 0 || r.first > r.last || r.start < 0 || r.start >= size ||
		(r.end != -1 && (r.end <= r.start || r.end > size)) || r.index[0] != (indexEntry{seq: r.first, off: r.start}) {
		return false
	}
	for i := 1; i < len(r.index); i++ {
		if e, p := r.index[i], r.index[i-1]; e.seq <= p.seq || e.off <= p.off || e.off >= size || e.seq > r.last {
			return false
		}
	}
	return true
}

// removeState deletes the state file; a missing one is fine.
func (s *Store) removeState() error {
	if err := os.Remove(s.statePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fixstore: remove %s: %w", s.statePath(), err)
	}
	return nil
}

// readBounded reads a whole file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", path, fi.Size(), limit)
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, err
	}
	return b, nil
}

// decoder reads little-endian integers, setting bad instead of panicking when
// the bytes run out.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n int) []byte {
	if d.bad || len(d.b) < n {
		d.bad = true
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8   { return d.take(1)[0] }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.take(4)) }
func (d *decoder) u64() uint64 { return binary.LittleEndian.Uint64(d.take(8)) }
