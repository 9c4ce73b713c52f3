package server

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
)

// defaultConfig is the embedded default configuration (default.cfg).
//
//go:embed default.cfg
var defaultConfig string

// DefaultConfig returns the text of the embedded default configuration.
func DefaultConfig() string { return defaultConfig }

// Flags are matchd's command-line flags. The zero value of an override means
// "not given".
type Flags struct {
	// ConfigFile is -config: a settings file instead of the embedded default.
	ConfigFile string
	// Port is -port: overrides SocketAcceptPort.
	Port int
	// DataDir is -data: overrides DataDir.
	DataDir string
	// MetricsAddr is -metrics: overrides MetricsAddr ("off" disables it).
	MetricsAddr string
	// PrintDefault is -print-default-config: print the embedded configuration and
	// exit.
	PrintDefault bool
}

const usage = `usage: matchd [flags]

matchd is an order-matching engine with a FIX 4.4/4.2 gateway. With no flags it
runs the embedded default configuration: FIX on 127.0.0.1:5001 (CompID ENGINE, any
client CompID), symbols AAPL MSFT GOOG AMZN TSLA TEST (tick 0.01), data in ./data,
metrics on http://127.0.0.1:9090/metrics. SIGINT or SIGTERM shuts it down cleanly.

The settings file is QuickFIX-style ([DEFAULT] and [SESSION] sections) and also
carries matchd's own keys; docs/CONFIG.md lists them, examples/matchd.cfg is an
annotated production example.

flags:
`

// ParseFlags parses the command line (without the program name). -h prints the
// usage to stderr and returns flag.ErrHelp.
func ParseFlags(args []string, stderr io.Writer) (Flags, error) {
	var f Flags
	fs := flag.NewFlagSet("matchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.ConfigFile, "config", "", "QuickFIX-style settings `file` with matchd's keys (default: the embedded configuration)")
	fs.IntVar(&f.Port, "port", 0, "FIX listening `port`, overriding SocketAcceptPort (default 5001)")
	fs.StringVar(&f.DataDir, "data", "", "data `directory` (journal, snapshots, FIX store), overriding DataDir (default ./data)")
	fs.StringVar(&f.MetricsAddr, "metrics", "", "`host:port` of /metrics and /debug/stages, or off, overriding MetricsAddr (default "+DefaultMetricsAddr+")")
	fs.BoolVar(&f.PrintDefault, "print-default-config", false, "print the embedded default configuration and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if given["port"] && (f.Port < 1 || f.Port > 65535) {
		return f, fmt.Errorf("-port %d: must be 1..65535", f.Port)
	}
	if given["data"] && f.DataDir == "" {
		return f, errors.New("-data: must not be empty")
	}
	if given["metrics"] {
		if f.MetricsAddr == "" {
			return f, errors.New("-metrics: must not be empty (use off to disable)")
		}
		if _, err := ParseMetricsAddr(f.MetricsAddr); err != nil {
			return f, fmt.Errorf("-metrics %q: %v", f.MetricsAddr, err)
		}
	}
	if given["config"] && f.ConfigFile == "" {
		return f, errors.New("-config: must not be empty")
	}
	return f, nil
}

// Load reads the settings named by f (the embedded default when f.ConfigFile is
// empty) and applies f's overrides.
func Load(f Flags) (Options, error) {
	source, text := EmbeddedSource, defaultConfig
	if f.ConfigFile != "" {
		b, err := os.ReadFile(f.ConfigFile)
		if err != nil {
			reason := err.Error()
			var pe *fs.PathError
			if errors.As(err, &pe) {
				reason = pe.Err.Error()
			}
			return Options{}, &ConfigError{Source: f.ConfigFile, Reason: "cannot read: " + reason}
		}
		source, text = f.ConfigFile, string(b)
	}
	o, err := Parse(source, text)
	if err != nil {
		return o, err
	}
	if f.Port != 0 {
		o.Port = f.Port
		o.Settings.GlobalSettings().Set("SocketAcceptPort", strconv.Itoa(f.Port))
	}
	if f.DataDir != "" {
		o.DataDir = f.DataDir
	}
	if f.MetricsAddr != "" {
		o.MetricsAddr, _ = ParseMetricsAddr(f.MetricsAddr) // checked by ParseFlags
	}
	return o, nil
}
