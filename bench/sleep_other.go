//go:build !linux

package bench

import "time"

// preciseSleeper falls back to time.Sleep where no finer sleep is wired up.
type preciseSleeper struct{}

func (s *preciseSleeper) start() bool           { return false }
func (s *preciseSleeper) stop()                 {}
func (s *preciseSleeper) sleep(d time.Duration) { time.Sleep(d) }
