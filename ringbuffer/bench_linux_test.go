//go:build linux

package ringbuffer

import (
	"syscall"
	"testing"
	"time"
)

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleCPU reports how many CPUs the process keeps busy ("cpus") while a
// started ring with three consumers ([[a, b], [c]]) has nothing to do, beside
// three goroutines blocked on a channel. Each op is a 1 ms sleep of the benchmark
// goroutine.
func BenchmarkIdleCPU(b *testing.B) {
	measure := func(b *testing.B) {
		b.Helper()
		time.Sleep(20 * time.Millisecond) // let readers reach their idle state
		cpu0, wall0 := cpuTime(b), time.Now()
		for b.Loop() {
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Since(wall0)), "cpus")
	}
	b.Run("channel", func(b *testing.B) {
		ch := make(chan msg)
		for range 3 {
			go func() {
				for range ch {
				}
			}()
		}
		measure(b)
		close(ch)
	})
	for _, wait := range benchWaits {
		b.Run("ring-"+wait.String(), func(b *testing.B) {
			r, err := New[msg](Options{Capacity: benchCapacity, Wait: wait})
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Start([]Consumer{&counter{}, &counter{}, &counter{}}); err != nil {
				b.Fatal(err)
			}
			measure(b)
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
