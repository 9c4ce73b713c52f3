package bench

import (
	"fmt"
	"io"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// WriteHdrLog writes runs as an HdrHistogram interval log (.hlog, log format
// 1.3): one interval line per run, tagged with the run's name (spaces and
// commas replaced by '_'), timed from the earliest run's start, values in
// nanoseconds (so the Interval_Max column is in ms). This is the lossless
// format of the HdrHistogram family: HistogramLogProcessor and
// HistogramLogAnalyzer (Java), hdrhistogram-go's HistogramLogReader and the
// C library's hdr_log reader all read it.
func WriteHdrLog(w io.Writer, runs []*Run) error {
	if len(runs) == 0 {
		return fmt.Errorf("bench: hdr log: no runs")
	}
	base := runs[0].Start
	for _, r := range runs {
		if r.Start.Before(base) {
			base = r.Start
		}
	}
	baseMs := base.UnixMilli()
	lw := hdrhistogram.NewHistogramLogWriter(w)
	lw.SetBaseTime(baseMs)
	if err := lw.OutputLogFormatVersion(); err != nil {
		return fmt.Errorf("bench: hdr log: %w", err)
	}
	if err := lw.OutputComment("[Written by matchd bench; values in nanoseconds]"); err != nil {
		return fmt.Errorf("bench: hdr log: %w", err)
	}
	if err := lw.OutputStartTime(baseMs); err != nil {
		return fmt.Errorf("bench: hdr log: %w", err)
	}
	if err := lw.OutputBaseTime(baseMs); err != nil {
		return fmt.Errorf("bench: hdr log: %w", err)
	}
	if err := lw.OutputLegend(); err != nil {
		return fmt.Errorf("bench: hdr log: %w", err)
	}
	for i, r := range runs {
		if r.Latency == nil {
			return fmt.Errorf("bench: hdr log: run %d (%q) has no histogram", i, r.Name)
		}
		h := r.Latency.Clone() // the tag and times are set on a copy
		h.SetTag(hdrTag(r.Name))
		h.SetStartTimeMs(r.Start.UnixMilli())
		h.SetEndTimeMs(r.Start.Add(r.Duration).UnixMilli())
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("bench: hdr log: run %d (%q): %w", i, r.Name, err)
		}
	}
	return nil
}

// hdrTag makes a run name usable as an interval-log tag, which may not hold
// spaces, commas or line breaks.
func hdrTag(name string) string {
	if name == "" {
		return "run"
	}
	return strings.Map(func(c rune) rune {
		switch c {
		case ' ', ',', '\r', '\n', '\t':
			return '_'
		}
		return c
	}, name)
}

// WriteHgrm writes the percentile distribution of one run in the .hgrm text
// layout of HdrHistogram's outputPercentileDistribution (5 ticks per half
// distance), with values in microseconds. The HdrHistogram online plotter
// reads it; its axis says milliseconds, so read its numbers as µs.
func WriteHgrm(w io.Writer, r *Run) error {
	if r.Latency == nil {
		return fmt.Errorf("bench: hgrm: run %q has no histogram", r.Name)
	}
	if _, err := r.Latency.PercentilesPrint(w, 5, 1000); err != nil {
		return fmt.Errorf("bench: hgrm: %w", err)
	}
	return nil
}

// WriteHdrFile writes runs to path: an interval log with every run, or, if
// path ends in ".hgrm", the percentile distribution of the single run (that
// format holds one histogram, so several runs are an error).
func WriteHdrFile(path string, runs []*Run) error {
	hgrm := strings.HasSuffix(path, ".hgrm")
	switch {
	case len(runs) == 0:
		return fmt.Errorf("bench: %s: no runs to write", path)
	case hgrm && len(runs) > 1:
		return fmt.Errorf("bench: %s: a .hgrm file holds one histogram, not %d runs; use an interval log (e.g. .hlog)", path, len(runs))
	}
	return writeFile(path, func(w io.Writer) error {
		if hgrm {
			return WriteHgrm(w, runs[0])
		}
		return WriteHdrLog(w, runs)
	})
}
