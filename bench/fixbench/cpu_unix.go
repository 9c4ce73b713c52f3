//go:build unix

package fixbench

import (
	"syscall"
	"time"
)

// clientCPU is this process's user + system CPU time so far.
func clientCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
