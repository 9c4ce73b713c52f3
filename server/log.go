package server

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// NewLogger returns matchd's logger on w: human-readable console lines when w is
// a terminal, JSON lines otherwise (for log shippers), at level and above, with
// UTC timestamps.
func NewLogger(w io.Writer, level zerolog.Level) zerolog.Logger {
	if f, ok := w.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		w = zerolog.ConsoleWriter{Out: f, TimeFormat: "15:04:05.000000", TimeLocation: time.UTC}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}
