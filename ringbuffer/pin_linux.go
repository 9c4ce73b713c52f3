//go:build linux

package ringbuffer

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// PinCurrentThread locks the calling goroutine to its OS thread and, when cpu >=
// 0, restricts that thread to the given CPU (0 <= cpu < runtime.NumCPU()). With a
// negative cpu it only locks the thread. On error nothing is changed.
//
// The thread stays locked: when the goroutine exits, the runtime terminates the
// thread instead of reusing it, so a thread with a narrowed affinity never runs
// other goroutines. Pin only on a machine with spare cores (see the package doc).
func PinCurrentThread(cpu int) error {
	if n := runtime.NumCPU(); cpu >= n {
		return fmt.Errorf("ringbuffer: cannot pin to CPU %d: this process may use %d CPUs (0..%d)", cpu, n, n-1)
	}
	runtime.LockOSThread()
	if cpu < 0 {
		return nil
	}
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("ringbuffer: cannot pin to CPU %d: sched_setaffinity: %w", cpu, err)
	}
	return nil
}
