//go:build !unix

package datadir

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("datadir: unreachable")

// flock does nothing where flock is not available: there, nothing stops two
// processes from opening one data directory.
func flock(*os.File) error { return nil }
