package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FormatNs renders a latency in nanoseconds with a human unit (ns, µs, ms, s)
// and three significant digits, the precision the histograms keep:
// 850ns, 1.23µs, 12.3µs, 123µs, 1.23ms, 1.50s. Negative values (differences)
// get a leading minus sign.
func FormatNs(ns int64) string {
	if ns < 0 {
		if ns == math.MinInt64 {
			ns++
		}
		return "-" + FormatNs(-ns)
	}
	switch {
	case ns < 1000:
		return strconv.FormatInt(ns, 10) + "ns"
	case ns < 999_500: // below this, 3 digits of µs do not round up to 1000
		return sig3(float64(ns)/1e3) + "µs"
	case ns < 999_500_000:
		return sig3(float64(ns)/1e6) + "ms"
	default:
		return sig3(float64(ns)/1e9) + "s"
	}
}

// FormatRate renders a rate in operations per second: 950/s, 10.0k/s, 1.23M/s.
func FormatRate(perSec float64) string {
	switch {
	case math.IsNaN(perSec) || math.IsInf(perSec, 0):
		return "n/a"
	case perSec < 999.5:
		return sig3(perSec) + "/s"
	case perSec < 999.5e3:
		return sig3(perSec/1e3) + "k/s"
	case perSec < 999.5e6:
		return sig3(perSec/1e6) + "M/s"
	default:
		return sig3(perSec/1e9) + "G/s"
	}
}

// sig3 formats v (>= 0) with three significant digits, choosing the
// decimals after rounding so that 9.996 becomes "10.0", not "10.00".
func sig3(v float64) string {
	switch {
	case v < 9.995:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 99.95:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// writeAligned writes rows as columns separated by two spaces. The first
// column and the columns from textFrom on are left-aligned (text), the others
// right-aligned (numbers line up on their units). Widths count runes, so "µs"
// aligns.
func writeAligned(w io.Writer, rows [][]string, textFrom int) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 || i >= textFrom {
				b.WriteString(c)
				if i < len(r)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad)
				b.WriteString(c)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTable writes the percentile table of runs: one row per run with
// count, throughput, p50, p90, p99, p99.9, p99.99 and max, followed by '#'
// lines for the machine, the settings, the open-loop counters, and warnings
// (lost ops, tail percentiles resting on few samples).
func WriteTable(w io.Writer, runs []*Run) error {
	rows := [][]string{{"run", "count", "throughput"}}
	for _, l := range levels() {
		rows[0] = append(rows[0], l.Label)
	}
	for _, r := range runs {
		row := []string{r.Name, itoa(r.Count), FormatRate(r.Throughput)}
		for _, v := range Summarize(r.Latency).values() {
			row = append(row, FormatNs(v))
		}
		rows = append(rows, row)
	}
	if err := writeAligned(w, rows, len(rows[0])); err != nil {
		return err
	}
	var notes []string
	machines := map[Machine]bool{}
	for _, r := range runs {
		machines[r.Machine] = true
	}
	for _, r := range runs {
		if len(machines) > 1 {
			notes = append(notes, fmt.Sprintf("# %s machine: %s", r.Name, r.Machine))
		}
		if s := settingsString(r.Settings); s != "" {
			notes = append(notes, fmt.Sprintf("# %s: %s", r.Name, s))
		}
		if len(r.Counters) > 0 {
			notes = append(notes, fmt.Sprintf("# %s: %s", r.Name, countersString(r.Counters)))
		}
		if l := r.Load; l != nil {
			loop := "open loop at " + FormatRate(l.TargetRate)
			if l.InFlight > 0 {
				loop = fmt.Sprintf("closed loop, %d in flight, at most %s", l.InFlight, FormatRate(l.TargetRate))
			}
			notes = append(notes, fmt.Sprintf("# %s: %s: scheduled %d, sent %d, completed %d, lost %d, late %d (max send lag %s), spurious %d, clamped %d",
				r.Name, loop, l.Scheduled, l.Sent, l.Completed, l.Lost, l.Late, FormatNs(l.MaxLagNs), l.Spurious, l.Clamped))
			if l.Stalled > 0 {
				notes = append(notes, fmt.Sprintf("# WARNING %s: the closed loop stopped early: an op in flight got no answer within the grace period (%d of the loads)", r.Name, l.Stalled))
			}
			if l.Lost > 0 {
				notes = append(notes, fmt.Sprintf("# WARNING %s: %d ops lost (never completed); they are not in the histogram, so its percentiles are optimistic", r.Name, l.Lost))
			}
		}
		if r.Count > 0 && tailSamples(r.Count, 99.99) < 10 {
			notes = append(notes, fmt.Sprintf("# %s: only %.1f samples lie above p99.99 (%.0f above p99.9): treat those columns as indicative", r.Name,
				tailSamples(r.Count, 99.99), tailSamples(r.Count, 99.9)))
		}
	}
	if len(machines) == 1 {
		for m := range machines {
			notes = append(notes, "# machine: "+m.String())
		}
	}
	for _, n := range notes {
		if _, err := io.WriteString(w, n+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// settingsString renders settings as "k=v" pairs in key order.
func settingsString(s map[string]string) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s[k]
	}
	return strings.Join(parts, " ")
}

// countersString renders counters as "k=v" pairs in key order.
func countersString(c map[string]int64) string {
	s := make(map[string]string, len(c))
	for k, v := range c {
		s[k] = itoa(v)
	}
	return settingsString(s)
}
