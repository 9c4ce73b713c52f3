package fixclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Line is a command with where it came from.
type Line struct {
	// Source is the script's name, "command line" or "stdin".
	Source string
	// N is the 1-based line number (for the command line, the command's
	// number: commands there are separated by ';').
	N int
	// Cmd is the parsed command.
	Cmd Command
}

// where is "source:N", for messages.
func (l Line) where() string { return fmt.Sprintf("%s:%d", l.Source, l.N) }

// ParseScript parses every line of a script, skipping blank lines and
// comments. It returns every bad line's error (ParseErrors, joined), so a
// script with a typo on its last line sends nothing.
func ParseScript(source string, r io.Reader) ([]Line, error) {
	var lines []Line
	var errs []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		c, err := Parse(sc.Text())
		if err != nil {
			errs = append(errs, &ParseError{Source: source, Line: n, Err: err})
			continue
		}
		if c.Op != OpNone {
			lines = append(lines, Line{Source: source, N: n, Cmd: c})
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("fixclient: reading %s: %w", source, err))
	}
	return lines, errors.Join(errs...)
}

// ParseArgs parses the commands given on the command line after the flags:
// the arguments joined by spaces, commands separated by ';' (quote it in
// the shell: 'sell 100 AAPL @150.00; expect filled').
func ParseArgs(args []string) ([]Line, error) {
	var lines []Line
	var errs []error
	for n, text := range strings.Split(strings.Join(args, " "), ";") {
		c, err := Parse(text)
		if err != nil {
			errs = append(errs, &ParseError{Source: "command line", Line: n + 1, Err: err})
			continue
		}
		if c.Op != OpNone {
			lines = append(lines, Line{Source: "command line", N: n + 1, Cmd: c})
		}
	}
	return lines, errors.Join(errs...)
}
