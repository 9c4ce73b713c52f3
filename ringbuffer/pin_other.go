//go:build !linux

package ringbuffer

import (
	"fmt"
	"runtime"
)

// PinCurrentThread locks the calling goroutine to its OS thread. Restricting the
// thread to a CPU (cpu >= 0) is supported on Linux only; elsewhere it is an error
// and nothing is changed.
func PinCurrentThread(cpu int) error {
	if cpu >= 0 {
		return fmt.Errorf("ringbuffer: cannot pin to CPU %d: CPU affinity is supported on Linux only", cpu)
	}
	runtime.LockOSThread()
	return nil
}
