package fixstore

import (
	"encoding/binary"
	"sort"
)

// A run is a stretch of the log whose message records have strictly
// increasing MsgSeqNums. QuickFIX saves each outbound message once with the
// next sender seqnum, so a log is normally one run; a message saved with a
// seqnum not above the previous one (after SetNextSenderMsgSeqNum moved the
// seqnum back) starts a new run. Within a run a seqnum is found through the
// sparse index; across runs a later run's message wins.
type run struct {
	start, end  int64 // offset of the first message record; of the next run's first (-1: last run)
	first, last int64 // MsgSeqNums of its first and last message
	count       uint64
	index       []indexEntry // one per indexEvery messages, index[0] is the first
}

type indexEntry struct {
	seq, off int64
}

// indexMessage records the message record at off in the sparse index.
func (st *logState) indexMessage(off, seq int64) {
	n := len(st.runs)
	if n == 0 || seq <= st.runs[n-1].last {
		if n > 0 {
			st.runs[n-1].end = off
		}
		st.runs = append(st.runs, run{start: off, end: -1, first: seq, last: seq, count: 1,
			index: []indexEntry{{seq: seq, off: off}}})
		return
	}
	r := &st.runs[n-1]
	if r.count%indexEvery == 0 {
		r.index = append(r.index, indexEntry{seq: seq, off: off})
	}
	r.count++
	r.last = seq
}

// window is how many consecutive seqnums IterateMessages gathers under the
// lock before calling back without it.
const window = 1024

// cursor walks one run's message records in seqnum order.
type cursor struct {
	off, end int64 // next record to read; end of the run's records
	peek     int64 // seqnum of the message at off, once seen
	seen     bool
	done     bool
}

// IterateMessages calls cb with each saved message whose MsgSeqNum is in
// [beginSeqNum, endSeqNum], in MsgSeqNum order, each in its own newly
// allocated slice. If a MsgSeqNum was saved more than once, only the latest
// save is returned (as in QuickFIX's stores, a save replaces the earlier one).
//
// The range is read from the log as it was when the call started, in batches
// of up to 1024 consecutive seqnums taken under the store's lock; cb runs
// without the lock, so it may call the store, and saves are not held up
// while it runs. If Reset, Refresh or Close runs between batches, iteration
// stops with ErrReset or ErrClosed.
func (s *Store) IterateMessages(beginSeqNum, endSeqNum int, cb func([]byte) error) error {
	if beginSeqNum > endSeqNum {
		return nil
	}
	begin, end := int64(beginSeqNum), int64(endSeqNum)

	s.mu.Lock()
	if s.f == nil {
		s.mu.Unlock()
		return ErrClosed
	}
	epoch := s.epoch
	curs, minOff := s.cursorsLocked(begin, end)
	span := s.st.size - minOff
	r := newRecReader(nil, s.path, s.st.size, int(min(span, 64<<10)))
	s.mu.Unlock()
	if len(curs) == 0 {
		return nil
	}

	n := window
	if d := uint64(end) - uint64(begin); d < window { // no overflow, unlike end-begin+1
		n = int(d) + 1
	}
	slots := make([][]byte, n)
	batch := make([][]byte, 0, len(slots))
	for lo := begin; ; {
		hi := end
		if uint64(end)-uint64(lo) >= window {
			hi = lo + window - 1
		}
		s.mu.Lock()
		if s.f == nil {
			s.mu.Unlock()
			return ErrClosed
		}
		if s.epoch != epoch {
			s.mu.Unlock()
			return ErrReset
		}
		r.r = s.f
		err := s.gather(r, curs, lo, hi, slots)
		s.mu.Unlock()
		if err != nil {
			return err
		}

		batch = batch[:0]
		for i, m := range slots[:hi-lo+1] {
			if m != nil {
				batch = append(batch, m)
				slots[i] = nil
			}
		}
		for _, m := range batch {
			if err := cb(m); err != nil {
				return err
			}
		}

		// Next window: the lowest seqnum any run has beyond hi.
		more := false
		for i := range curs {
			c := &curs[i]
			if !c.done && c.seen && c.peek <= end && (!more || c.peek < lo) {
				lo, more = c.peek, true
			}
		}
		if !more {
			return nil
		}
	}
}

// cursorsLocked returns a cursor on each run that may hold seqnums in
// [begin, end], in log order, each starting at the indexed message at or below
// begin, and the lowest of their offsets.
func (s *Store) cursorsLocked(begin, end int64) ([]cursor, int64) {
	var curs []cursor
	minOff := s.st.size
	for i := range s.st.runs {
		r := &s.st.runs[i]
		if r.last < begin || r.first > end {
			continue
		}
		j := sort.Search(len(r.index), func(j int) bool { return r.index[j].seq > begin })
		off := r.start
		if j > 0 {
			off = r.index[j-1].off
		}
		e := r.end
		if e < 0 {
			e = s.st.size
		}
		curs = append(curs, cursor{off: off, end: e})
		minOff = min(minOff, off)
	}
	return curs, minOff
}

// gather reads, from every cursor in log order, the messages with seqnums in
// [lo, hi] into slots[seq-lo], later runs overwriting earlier ones, and leaves
// each cursor at its first message beyond hi.
func (s *Store) gather(r *recReader, curs []cursor, lo, hi int64, slots [][]byte) error {
	for i := range curs {
		c := &curs[i]
		if c.done || (c.seen && c.peek > hi) {
			continue
		}
		for c.off < c.end {
			rec, bad, err := r.record(c.off)
			if err != nil {
				return err
			}
			if bad != "" {
				// Replay or our own write checked this record; it changed since.
				return s.corrupt(c.off, bad+" (read back)")
			}
			if !rec.kind.isMessage() {
				c.off = rec.next
				continue
			}
			seq := int64(binary.LittleEndian.Uint64(rec.payload))
			if seq > hi {
				c.peek, c.seen = seq, true
				break
			}
			c.off = rec.next
			if seq >= lo {
				m := make([]byte, len(rec.payload)-8)
				copy(m, rec.payload[8:])
				slots[seq-lo] = m
			}
		}
		if c.off >= c.end {
			c.done = true
		}
	}
	return nil
}

// GetMessages returns the messages IterateMessages would pass to its callback.
func (s *Store) GetMessages(beginSeqNum, endSeqNum int) ([][]byte, error) {
	var msgs [][]byte
	err := s.IterateMessages(beginSeqNum, endSeqNum, func(m []byte) error {
		msgs = append(msgs, m)
		return nil
	})
	return msgs, err
}
