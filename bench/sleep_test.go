package bench

import (
	"testing"
	"time"
)

// TestPreciseSleeperNeverEarly: whatever the platform's sleep, it never
// returns before the time asked for, started or not; a load's sends rely on
// that to be no earlier than their schedule.
func TestPreciseSleeperNeverEarly(t *testing.T) {
	var s preciseSleeper
	for _, started := range []bool{false, true} {
		if started && !s.start() {
			t.Log("no precise sleep on this platform; checking the fallback only")
			continue
		}
		for _, d := range []time.Duration{time.Microsecond, 20 * time.Microsecond, 300 * time.Microsecond, 2 * time.Millisecond} {
			for range 20 {
				t0 := time.Now()
				s.sleep(d)
				if got := time.Since(t0); got < d {
					t.Fatalf("started=%v: sleep(%v) returned after %v", started, d, got)
				}
			}
		}
	}
	s.stop()
}
