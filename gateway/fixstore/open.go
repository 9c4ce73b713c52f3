package fixstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fsutil"
	"github.com/openmatch/matchd/internal/record"
)

const replayBufSize = 256 << 10

// Open opens the log of session sid in dir, creating dir and the log as
// needed (see the package doc for the upgrade from QuickFIX's file store), and
// rebuilds the sequence numbers, creation time and message index by replaying
// every record. A torn tail is cut off (see TruncatedBytes); any other damage
// returns a *CorruptionError and leaves the file as it was. With sync, every
// write is followed by an fsync.
func Open(dir string, sid quickfix.SessionID, sync bool) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fixstore: %w", err)
	}
	prefix := filenamePrefix(sid)
	s := &Store{dir: dir, prefix: prefix, path: filepath.Join(dir, prefix+".fixlog"), sync: sync}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadLocked(true); err != nil {
		return nil, err
	}
	return s, nil
}

// loadLocked opens (or creates) the file and restores it into a fresh state,
// which replaces s.st only on success: from the state file when useState and
// it matches, otherwise by replaying every record.
func (s *Store) loadLocked(useState bool) error {
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if err = s.create(); err != nil {
			return err
		}
		f, err = os.OpenFile(s.path, os.O_RDWR|os.O_APPEND, 0)
	}
	if err != nil {
		return fmt.Errorf("fixstore: %w", err)
	}
	f, converted, err := s.upgrade(f)
	if err != nil {
		return err
	}
	st, truncated, replayed, err := s.restore(f, useState)
	truncated += converted
	if err == nil {
		// From here on the store may write: the state file (state.go) must
		// not outlive that.
		err = s.removeState()
	}
	if err != nil {
		_ = f.Close() // the replay error is the one to report
		return err
	}
	s.f, s.st, s.truncated, s.replayed, s.err = f, st, truncated, replayed, nil
	s.epoch++
	if !s.st.hasCreation {
		// An empty log: new, or a crash between Reset's truncate and write.
		if err := s.appendLocked(kindCreationTime, uint64(time.Now().UnixNano()), nil); err != nil {
			s.f = nil
			_ = f.Close()
			return err
		}
	}
	return nil
}

// restore rebuilds the state from a clean close's state file when useState
// and it matches f, otherwise by replaying f (replayed true).
func (s *Store) restore(f *os.File, useState bool) (st logState, truncated int64, replayed bool, err error) {
	if useState {
		fi, err := f.Stat()
		if err != nil {
			return st, 0, false, fmt.Errorf("fixstore: %w", err)
		}
		if st, ok := s.readState(f, fi.Size()); ok {
			return st, 0, false, nil
		}
	}
	st, truncated, err = s.replay(f)
	return st, truncated, true, err
}

// replay rebuilds the state from f and cuts off a torn tail.
func (s *Store) replay(f *os.File) (logState, int64, error) {
	st := newLogState()
	fi, err := f.Stat()
	if err != nil {
		return st, 0, fmt.Errorf("fixstore: %w", err)
	}
	size := fi.Size()
	r := record.NewReader(io.NewSectionReader(f, logHeaderSize, size-logHeaderSize), s.path, logHeaderSize)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return st, 0, nil
		}
		var ce *record.CorruptionError
		if errors.As(err, &ce) && ce.TornTail {
			if err := f.Truncate(ce.Offset); err != nil {
				return st, 0, fmt.Errorf("fixstore: truncate torn tail of %s at offset %d: %w", s.path, ce.Offset, err)
			}
			if s.sync {
				if err := f.Sync(); err != nil {
					return st, 0, fmt.Errorf("fixstore: fsync %s: %w", s.path, err)
				}
			}
			return st, ce.Dropped, nil
		}
		if err != nil {
			return st, 0, fmt.Errorf("fixstore: %w", err)
		}
		k := kind(rec.Type)
		if bad := k.check(rec.Payload); bad != "" {
			// A valid frame the store never writes: not a torn write.
			return st, 0, s.corrupt(rec.Offset, bad)
		}
		st.apply(rec.Offset, k, rec.Payload)
	}
}

// corrupt returns the corruption error for the record at off.
func (s *Store) corrupt(off int64, reason string) error {
	return fmt.Errorf("fixstore: %w", &CorruptionError{File: s.path, Offset: off, Reason: reason})
}

// create writes a new log: a creation-time record, and if QuickFIX file-store
// files of the same session are in the directory, their sequence numbers and
// creation time. It writes a temporary file and renames it, so the log never
// exists without these records.
func (s *Store) create() error {
	creation := time.Now()
	imp, found, err := s.readFileStore()
	if err != nil {
		return err
	}
	if found && imp.hasCreation {
		creation = imp.creation
	}
	b := appendRecord([]byte(logHeader), kindCreationTime, uint64(creation.UnixNano()), nil)
	if found {
		b = appendRecord(b, kindNextSender, uint64(int64(imp.nextSender)), nil)
		b = appendRecord(b, kindNextTarget, uint64(int64(imp.nextTarget)), nil)
	}
	if err := fsutil.WriteFileAtomic(s.path, b, 0o660, s.sync); err != nil {
		return fmt.Errorf("fixstore: create %s: %w", s.path, err)
	}
	return nil
}

// fileStoreState is what QuickFIX's file store keeps besides messages.
type fileStoreState struct {
	nextSender, nextTarget int
	creation               time.Time
	hasCreation            bool
}

// readFileStore reads QuickFIX file-store files for our session prefix the
// way its populateCache does: a file that is missing or does not parse leaves
// the default (1, or no creation time), as it would for that store. found says
// whether any of the three files exists.
func (s *Store) readFileStore() (fileStoreState, bool, error) {
	st := fileStoreState{nextSender: 1, nextTarget: 1}
	found := false
	read := func(ext string) ([]byte, bool, error) {
		b, err := os.ReadFile(filepath.Join(s.dir, s.prefix+"."+ext))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			// Unreadable, not absent: importing nothing would silently
			// restart the session at 1.
			return nil, false, fmt.Errorf("fixstore: import from QuickFIX file store: %w", err)
		}
		found = true
		return b, true, nil
	}
	if b, ok, err := read("session"); err != nil {
		return st, false, err
	} else if ok {
		var t time.Time
		if t.UnmarshalText(b) == nil {
			st.creation, st.hasCreation = t, true
		}
	}
	for _, p := range []struct {
		ext string
		dst *int
	}{{"senderseqnums", &st.nextSender}, {"targetseqnums", &st.nextTarget}} {
		b, ok, err := read(p.ext)
		if err != nil {
			return st, false, err
		}
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.Trim(string(b), "\r\n")); err == nil {
			*p.dst = n
		}
	}
	return st, found, nil
}
