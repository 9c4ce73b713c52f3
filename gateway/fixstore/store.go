package fixstore

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/quickfixgo/quickfix"
)

// Store is one FIX session's message store: an append-only log file, one
// record and one write syscall per operation. All methods are safe for
// concurrent use; writes and reads share one mutex. Create one with Open or
// through NewFactory.
type Store struct {
	dir, prefix, path string
	sync              bool

	mu    sync.Mutex
	f     *os.File // nil once closed or after a failed Refresh
	st    logState
	buf   []byte // the record being written, reused
	err   error  // sticky: a failed fsync or a write that could not be undone
	epoch uint64 // bumped by Reset, Refresh and Close; checked by IterateMessages
	// truncated is what the last open or Refresh cut off as a torn tail.
	truncated int64
	// replayed says whether the last open or Refresh replayed the log (no
	// usable state file, state.go).
	replayed bool
}

var _ quickfix.MessageStore = (*Store)(nil)

// logState is everything replay rebuilds from the log.
type logState struct {
	nextSender, nextTarget int
	creation               time.Time
	hasCreation            bool
	size                   int64 // bytes of good records: where the next one goes
	runs                   []run // message runs, see iterate.go
}

// newLogState is the state of a log holding its file header only.
func newLogState() logState { return logState{nextSender: 1, nextTarget: 1, size: logHeaderSize} }

// apply updates the state for the valid record at off. Replay and the write
// path both call it, so what is in memory is what a reopen would rebuild.
func (st *logState) apply(off int64, k kind, payload []byte) {
	v := binary.LittleEndian.Uint64(payload)
	switch k {
	case kindCreationTime:
		st.creation = time.Unix(0, int64(v))
		st.hasCreation = true
	case kindNextSender:
		st.nextSender = int(int64(v))
	case kindNextTarget:
		st.nextTarget = int(int64(v))
	case kindMessage:
		st.indexMessage(off, int64(v))
	case kindMessageIncrSender:
		st.indexMessage(off, int64(v))
		st.nextSender++
	}
	st.size = off + headerSize + int64(len(payload))
}

// Path returns the log file's path.
func (s *Store) Path() string { return s.path }

// TruncatedBytes returns how many bytes the last Open or Refresh cut off the
// end of the log as a torn tail (a record whose write a crash interrupted),
// 0 if none. The library does not log; a caller that wants to should check
// this after Open, e.g. through a type assertion on what the factory created.
func (s *Store) TruncatedBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.truncated
}

// writableLocked returns why the store cannot be written, or nil.
func (s *Store) writableLocked() error {
	if s.err != nil {
		return s.err
	}
	if s.f == nil {
		return ErrClosed
	}
	return nil
}

// appendLocked writes one record with a single Write (and an fsync if sync is
// on), then applies it. On a failed write it cuts the file back to where the
// record started, so a half-written record never has records after it; if
// that fails too, or an fsync fails, the store refuses further writes until
// Reset, Refresh or a reopen.
func (s *Store) appendLocked(k kind, v uint64, msg []byte) error {
	if err := s.writableLocked(); err != nil {
		return err
	}
	if len(msg) > MaxPayload-8 {
		return ErrTooLarge
	}
	s.buf = appendRecord(s.buf[:0], k, v, msg)
	off := s.st.size
	if _, err := s.f.Write(s.buf); err != nil {
		if terr := s.f.Truncate(off); terr != nil {
			s.err = fmt.Errorf("fixstore: %s: write failed (%v) and the partial record could not be removed: %w", s.path, err, terr)
			return s.err
		}
		return fmt.Errorf("fixstore: write %s: %w", s.path, err)
	}
	s.st.apply(off, k, s.buf[headerSize:])
	if s.sync {
		if err := s.f.Sync(); err != nil {
			// After a failed fsync the kernel may have dropped the dirty
			// pages: what reached the disk is unknown, so stop writing.
			s.err = fmt.Errorf("fixstore: fsync %s failed; no more writes until Reset, Refresh or reopen: %w", s.path, err)
			return s.err
		}
	}
	return nil
}

// NextSenderMsgSeqNum returns the next MsgSeqNum that will be sent.
func (s *Store) NextSenderMsgSeqNum() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.nextSender
}

// NextTargetMsgSeqNum returns the next MsgSeqNum that should be received.
func (s *Store) NextTargetMsgSeqNum() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.nextTarget
}

// IncrNextSenderMsgSeqNum adds one to the next sender MsgSeqNum.
func (s *Store) IncrNextSenderMsgSeqNum() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(kindNextSender, uint64(int64(s.st.nextSender+1)), nil)
}

// IncrNextTargetMsgSeqNum adds one to the next target MsgSeqNum.
func (s *Store) IncrNextTargetMsgSeqNum() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(kindNextTarget, uint64(int64(s.st.nextTarget+1)), nil)
}

// SetNextSenderMsgSeqNum sets the next sender MsgSeqNum.
func (s *Store) SetNextSenderMsgSeqNum(next int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(kindNextSender, uint64(int64(next)), nil)
}

// SetNextTargetMsgSeqNum sets the next target MsgSeqNum.
func (s *Store) SetNextTargetMsgSeqNum(next int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(kindNextTarget, uint64(int64(next)), nil)
}

// CreationTime returns the time of the last creation or Reset of the store
// (for a log imported from QuickFIX's file store, that store's time).
func (s *Store) CreationTime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.creation
}

// SetCreationTime does nothing, as in QuickFIX's file, SQL and Mongo stores:
// the creation time is set by creation and Reset only (QuickFIX's session
// code never calls this; the persistent stores call it on their in-memory
// caches).
func (s *Store) SetCreationTime(time.Time) {}

// SaveMessage stores msg as the message sent with seqNum. msg is copied.
func (s *Store) SaveMessage(seqNum int, msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(kindMessage, uint64(int64(seqNum)), msg)
}

// SaveMessageAndIncrNextSenderMsgSeqNum stores msg as the message sent with
// seqNum and adds one to the next sender MsgSeqNum, in one record: a crash
// leaves both done or neither.
func (s *Store) SaveMessageAndIncrNextSenderMsgSeqNum(seqNum int, msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(kindMessageIncrSender, uint64(int64(seqNum)), msg)
}

// Reset empties the log and starts over: sequence numbers 1 and 1, no
// messages, creation time now. Truncation and the new creation record are two
// syscalls; a crash between them leaves a log holding only its file header,
// which Open treats as a new one, so the outcome is the same.
func (s *Store) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		if s.err != nil {
			return s.err
		}
		return ErrClosed
	}
	if err := s.f.Truncate(logHeaderSize); err != nil {
		return fmt.Errorf("fixstore: reset %s: %w", s.path, err)
	}
	s.epoch++
	s.st = newLogState()
	s.err = nil // the file now holds exactly what we think: nothing
	return s.appendLocked(kindCreationTime, uint64(time.Now().UnixNano()), nil)
}

// Refresh closes the file and reloads the store from it, replaying every
// record (it is how QuickFIX picks up what another process wrote; no state
// file is written or used). If the reload fails
// the store keeps its previous sequence numbers for reading, refuses writes
// with the error, and Refresh may be called again.
func (s *Store) Refresh() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.closeLocked(false); err != nil {
		return err
	}
	if err := s.loadLocked(false); err != nil {
		s.err = err
		return err
	}
	return nil
}

// Close closes the file, after an fsync if sync is on, and writes the state
// file that lets the next Open skip the replay (state.go). Sequence numbers and
// the creation time stay readable; writes and reads of messages return
// ErrClosed. Closing a closed store does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeLocked(true)
}

// closeLocked closes the file; with saveState, a store whose memory matches its
// file also writes the state file for the next Open.
func (s *Store) closeLocked(saveState bool) error {
	if s.f == nil {
		return nil
	}
	f := s.f
	s.epoch++
	var err error
	if s.sync {
		err = f.Sync()
	}
	if err == nil && s.err == nil && saveState {
		// What is in memory is what the file holds: save it for the next
		// Open (state.go).
		if serr := s.writeStateLocked(); serr != nil {
			err = fmt.Errorf("state file (the next open replays the log): %w", serr)
		}
	}
	s.f = nil
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fixstore: close %s: %w", s.path, err)
	}
	return nil
}
