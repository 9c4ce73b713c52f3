//go:build unix

package datadir

import (
	"os"

	"golang.org/x/sys/unix"
)

const errWouldBlock = unix.EWOULDBLOCK

// flock takes an exclusive flock on f without waiting. flock locks belong to
// the open file description, so a second open of the same file in this process
// conflicts too.
func flock(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}
