//go:build !unix

package fixbench

import "time"

// clientCPU is not measured on this platform.
func clientCPU() (time.Duration, bool) { return 0, false }
