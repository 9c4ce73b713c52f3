package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// Output is the set of output choices every bench sub-command offers: the
// table on stdout, and optionally JSON, an HdrHistogram file and a plot.
type Output struct {
	// JSON is a file to write the results file to; "-" writes it to stdout
	// instead of the table.
	JSON string
	// Hdr is a file for the HdrHistogram interval log (or, named *.hgrm,
	// the percentile distribution of a single run).
	Hdr string
	// Plot is an .svg or .html file for the percentile-spectrum plot.
	Plot string
	// LogY plots latency on a log scale.
	LogY bool
	// Title titles the plot.
	Title string
}

// AddFlags registers -json, -hdr, -plot, -logy and -title on fs.
func (o *Output) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.JSON, "json", "", "write results as JSON to `FILE` (- for stdout, replacing the table)")
	fs.StringVar(&o.Hdr, "hdr", "", "write an HdrHistogram interval log to `FILE` (a .hgrm name writes the percentile distribution of one run)")
	fs.StringVar(&o.Plot, "plot", "", "plot the percentile spectrum to `FILE`.svg or FILE.html")
	fs.BoolVar(&o.LogY, "logy", false, "plot latency on a log scale")
	fs.StringVar(&o.Title, "title", "", "plot title")
}

// Write emits runs as o asks: the table (or JSON) on stdout, and the
// requested files.
func (o *Output) Write(stdout io.Writer, runs []*Run) error {
	if len(runs) == 0 {
		return fmt.Errorf("bench: no runs to write")
	}
	if o.JSON == "-" {
		if err := WriteJSON(stdout, runs); err != nil {
			return err
		}
	} else if err := WriteTable(stdout, runs); err != nil {
		return fmt.Errorf("bench: writing table: %w", err)
	}
	if o.JSON != "" && o.JSON != "-" {
		if err := writeFile(o.JSON, func(w io.Writer) error { return WriteJSON(w, runs) }); err != nil {
			return err
		}
	}
	if o.Hdr != "" {
		if err := WriteHdrFile(o.Hdr, runs); err != nil {
			return err
		}
	}
	if o.Plot != "" {
		if err := WritePlotFile(o.Plot, runs, PlotOptions{Title: o.Title, LogY: o.LogY}); err != nil {
			return err
		}
	}
	return nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("bench: %w", cerr)
	}
	return err
}
