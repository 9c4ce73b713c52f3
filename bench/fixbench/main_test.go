package fixbench

import (
	"os"
	"runtime"
	"testing"
)

// TestMain runs the tests with at least 4 Ps. Client and server share this
// process, and QuickFIX/Go's session loop busy-spins whenever a message is
// queued while its writer goroutine has not yet run (sendQueued(false)
// fails, re-arms messageEvent, and the loop selects again): with 2 Ps taken
// by spinning session loops the writers wait for preemption, ~10 ms per
// message. Spare Ps steal them at once. See docs/BENCH.md.
func TestMain(m *testing.M) {
	runtime.GOMAXPROCS(max(4, runtime.GOMAXPROCS(0)))
	os.Exit(m.Run())
}
