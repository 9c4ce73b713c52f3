package server

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/rs/zerolog"
)

// Garbage collection.
//
// The matcher and the rings allocate nothing once warm, and the books are one
// large pointer-free preallocation (about 460 MB for the default six symbols):
// the collector never scans them, but they count toward the heap goal. What
// allocates is QuickFIX/Go, a few kilobytes per FIX message. A collection cycle
// stops the world twice, briefly (tens of microseconds), and for the length of
// its mark phase takes a quarter of GOMAXPROCS for marking; the matcher, pinned
// and not allocating, never does assist work. So the aim is few cycles.
//
// GOGC=400 (DefaultGCPercent) lets the heap grow to five times the live heap
// before a cycle. With the default books that is about 2.3 GB of heap and one
// cycle per ~1.8 GB of QuickFIX garbage; with a small configuration it still
// keeps cycles well apart. Measured on a loaded 2-core VM (40,000 orders over two
// FIX sessions, clients in the same process, default books; QuickFIX patched as
// described in docs/SERVER.md so that the run is not bound by its send loop):
// about 20 KB of garbage per order round trip; GOGC=100 ran 2 cycles with
// stop-the-world pauses of up to 210 µs, GOGC=400 none (heap 1.3 GB at the end). No memory limit by default: a limit set below what a
// long day's live heap reaches (QuickFIX's store keeps every sent message in
// memory until a sequence reset, offline queues grow) makes the collector run
// back to back. Set MemoryLimit to cap the heap when the machine is shared, and
// size it well above the live heap. The standard Go collector's metrics
// (go_gc_duration_seconds, go_memstats_*) show what the collector does.

// applyGC sets the collector's knobs for the process, keeping what the
// environment says (GOGC, GOMEMLIMIT) when the settings file is silent, and logs
// the result. It returns the effective GOGC (-1 when off) and limit (0 when
// none).
func applyGC(gc GCSettings, log zerolog.Logger) (percent int, limit int64) {
	percentSource, limitSource := "default", "default"
	if !gc.PercentSet && os.Getenv("GOGC") != "" {
		// The runtime has applied it already; report what it says.
		percentSource = "environment"
		percent = envGCPercent(os.Getenv("GOGC"))
	} else {
		if gc.PercentSet {
			percentSource = "config"
		}
		percent = gc.Percent
		debug.SetGCPercent(percent)
	}
	if !gc.MemoryLimitSet && os.Getenv("GOMEMLIMIT") != "" {
		limitSource = "environment"
		limit = debug.SetMemoryLimit(-1) // a negative value only reads it
	} else {
		if gc.MemoryLimitSet {
			limitSource = "config"
		}
		limit = gc.MemoryLimit
		if limit == 0 {
			debug.SetMemoryLimit(math.MaxInt64)
		} else {
			debug.SetMemoryLimit(limit)
		}
	}
	if limit == math.MaxInt64 {
		limit = 0
	}
	log.Info().Int("gogc", percent).Str("gogc_from", percentSource).Int64("memory_limit_bytes", limit).
		Str("memory_limit_from", limitSource).Msg("garbage collector configured")
	return percent, limit
}

// envGCPercent reads GOGC as the runtime does: "off" or a number (anything else
// means the default, 100).
func envGCPercent(v string) int {
	if v == "off" {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return 100
}
