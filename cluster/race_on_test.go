//go:build race

package cluster

// raceEnabled scales the simulator down under the race detector.
const raceEnabled = true
