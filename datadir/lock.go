package datadir

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked is returned (wrapped, with the directory's name) by Lock when
// another process, or another Lock in this one, holds the directory.
var ErrLocked = errors.New("datadir: data directory is in use by another matchd")

// DirLock is the exclusive hold on a data directory that Lock returns.
type DirLock struct {
	f *os.File // holds the flock; nil where flock is not available
}

// Lock creates dir if needed and takes an exclusive, non-blocking flock on
// dir/LOCK, so that two processes never write one data directory. The lock is
// released by Unlock, or by the kernel when the process exits, however it
// exits: a crash leaves no stale lock behind. A held lock is an error wrapping
// ErrLocked that names the directory.
func Lock(dir string) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	f, err := os.OpenFile(LockFile(dir), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("datadir: lock: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: %s (%s is held)", ErrLocked, dir, LockFile(dir))
		}
		return nil, fmt.Errorf("datadir: lock %s: %w", LockFile(dir), err)
	}
	return &DirLock{f: f}, nil
}

// Unlock releases the lock. It is safe to call on nil and more than once.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor drops the flock
	l.f = nil
	if err != nil {
		return fmt.Errorf("datadir: unlock: %w", err)
	}
	return nil
}
