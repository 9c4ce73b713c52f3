package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// FormatVersion names the JSON layout written by WriteJSON. ReadJSON refuses
// other values, so an incompatible future layout fails loudly.
const FormatVersion = "matchd-bench/1"

// Run is the result of one measurement: what was measured, where, how many
// operations in how long, and the full latency histogram.
type Run struct {
	// Name identifies the benchmark. Runs of the same name in one file are
	// repeats; compare judges noise from their spread.
	Name string
	// Settings records the parameters that produced the run (rate, sizes,
	// flags), as text so any benchmark can fill it.
	Settings map[string]string
	// Machine describes where the run was measured.
	Machine Machine
	// Start is the wall-clock time the measurement began.
	Start time.Time
	// Duration is the measured interval.
	Duration time.Duration
	// Count is the number of latencies in the histogram.
	Count int64
	// Throughput is Count per second of Duration.
	Throughput float64
	// Load holds the open-loop counters; nil for other kinds of run.
	Load *LoadStats
	// Counters are other outcomes a benchmark counted (orders rejected,
	// fills missing, ...), by name; WriteTable prints them after the
	// settings. Nil if none.
	Counters map[string]int64
	// Latency holds every recorded latency in nanoseconds (NewHistogram's
	// geometry when made here; a decoded run keeps the geometry it was
	// written with).
	Latency *hdrhistogram.Histogram
}

// LoadStats are the counters of an open-loop run (see Load).
type LoadStats struct {
	TargetRate float64 `json:"target_rate_per_s"`   // ops per second asked for
	Scheduled  int64   `json:"scheduled"`           // ops in the schedule
	Sent       int64   `json:"sent"`                // ops handed to send (fewer than Scheduled if canceled or send failed)
	Completed  int64   `json:"completed"`           // sent ops whose completion arrived before the end of the grace period
	Lost       int64   `json:"lost"`                // sent ops never completed: Sent - Completed
	Late       int64   `json:"late"`                // ops sent more than LateAfter after their intended time
	MaxLagNs   int64   `json:"max_send_lag_ns"`     // worst (actual - intended) send time
	Spurious   int64   `json:"spurious"`            // completions ignored: duplicate, unknown op, unsent op, or after the end
	Clamped    int64   `json:"clamped"`             // latencies outside [0, HighestNs] recorded at the bound
	InFlight   int     `json:"in_flight,omitempty"` // closed loop: ops in flight at most (summed over merged loads); 0: open loop
	Stalled    int64   `json:"stalled,omitempty"`   // closed loop: loads whose sending ended on an unanswered op
}

// NewRun makes a Run from a filled histogram h measured over d from start,
// on the current machine. Count and Throughput are derived from h and d. A
// nil h is taken as an empty histogram.
func NewRun(name string, settings map[string]string, h *hdrhistogram.Histogram, start time.Time, d time.Duration) *Run {
	if h == nil {
		h = NewHistogram()
	}
	r := &Run{Name: name, Settings: settings, Machine: CurrentMachine(), Start: start, Duration: d, Latency: h}
	r.Count = h.TotalCount()
	if d > 0 {
		r.Throughput = float64(r.Count) / d.Seconds()
	}
	return r
}

// runJSON is the on-disk form of a Run. Percentiles are written for people
// and tools like jq; Histogram is the source of truth on reading.
type runJSON struct {
	Name        string            `json:"name"`
	Settings    map[string]string `json:"settings,omitempty"`
	Machine     Machine           `json:"machine"`
	Start       time.Time         `json:"start"`
	DurationNs  int64             `json:"duration_ns"`
	Count       int64             `json:"count"`
	Throughput  float64           `json:"throughput_per_s"`
	Percentiles Percentiles       `json:"percentiles_ns"`
	Load        *LoadStats        `json:"load,omitempty"`
	Counters    map[string]int64  `json:"counters,omitempty"`
	// Histogram is the HdrHistogram V2 compressed encoding, base64: the
	// same payload as one line of an HdrHistogram interval log.
	Histogram string `json:"histogram"`
}

// fileJSON is the top level of a results file.
type fileJSON struct {
	Format string    `json:"format"`
	Runs   []runJSON `json:"runs"`
}

// WriteJSON writes runs as one results file (indented JSON).
func WriteJSON(w io.Writer, runs []*Run) error {
	f := fileJSON{Format: FormatVersion, Runs: make([]runJSON, 0, len(runs))}
	for i, r := range runs {
		if r.Latency == nil {
			return fmt.Errorf("bench: run %d (%q) has no histogram", i, r.Name)
		}
		enc, err := r.Latency.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return fmt.Errorf("bench: run %d (%q): encoding histogram: %w", i, r.Name, err)
		}
		f.Runs = append(f.Runs, runJSON{
			Name: r.Name, Settings: r.Settings, Machine: r.Machine, Start: r.Start,
			DurationNs: int64(r.Duration), Count: r.Count, Throughput: r.Throughput,
			Percentiles: Summarize(r.Latency), Load: r.Load, Counters: r.Counters, Histogram: string(enc),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("bench: writing JSON: %w", err)
	}
	return nil
}

// ReadJSON reads a results file written by WriteJSON. The histogram of each
// run is decoded; Count is taken from it. Errors name the run that is bad.
func ReadJSON(rd io.Reader) ([]*Run, error) {
	return readJSON(rd, "bench: ")
}

// readJSON is ReadJSON with errors prefixed by prefix.
func readJSON(rd io.Reader, prefix string) ([]*Run, error) {
	var f fileJSON
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf(prefix+"reading JSON: %w", err)
	}
	if f.Format != FormatVersion {
		return nil, fmt.Errorf(prefix+"format %q is not %q", f.Format, FormatVersion)
	}
	if len(f.Runs) == 0 {
		return nil, errors.New(prefix + "file holds no runs")
	}
	runs := make([]*Run, 0, len(f.Runs))
	for i, j := range f.Runs {
		if j.Histogram == "" {
			return nil, fmt.Errorf(prefix+"run %d (%q): no histogram", i, j.Name)
		}
		h, err := hdrhistogram.Decode([]byte(j.Histogram))
		if err != nil {
			return nil, fmt.Errorf(prefix+"run %d (%q): decoding histogram: %w", i, j.Name, err)
		}
		if j.DurationNs < 0 {
			return nil, fmt.Errorf(prefix+"run %d (%q): negative duration %d", i, j.Name, j.DurationNs)
		}
		runs = append(runs, &Run{
			Name: j.Name, Settings: j.Settings, Machine: j.Machine, Start: j.Start,
			Duration: time.Duration(j.DurationNs), Count: h.TotalCount(), Throughput: j.Throughput,
			Load: j.Load, Counters: j.Counters, Latency: h,
		})
	}
	return runs, nil
}

// ReadFile reads a results file; errors name the file.
func ReadFile(path string) ([]*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	return readJSON(f, "bench: "+path+": ")
}
