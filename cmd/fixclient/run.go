package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/openmatch/matchd/internal/fixclient"
)

// env is what run needs from the process, so that tests can supply it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdinTTY       bool
	stdoutTTY      bool
	signals        <-chan os.Signal // SIGINT/SIGTERM; nil in tests
	cancel         context.CancelFunc
}

// Before logging out after a script or the command line, the client waits
// until nothing has arrived for settleQuiet (at most settleMax), so that the
// fills that follow an order's acknowledgement are printed.
const (
	settleQuiet = 250 * time.Millisecond
	settleMax   = 2 * time.Second
)

// flags are the command line's options.
type flags struct {
	opts     fixclient.Options
	script   string
	commands []string
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("fixclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.opts.Host, "host", "127.0.0.1", "matchd's FIX host")
	fs.IntVar(&f.opts.Port, "port", 5001, "matchd's FIX port")
	fs.StringVar(&f.opts.Sender, "sender", "", "SenderCompID: who you are (required, e.g. ALICE)")
	fs.StringVar(&f.opts.Target, "target", "ENGINE", "TargetCompID: the engine's CompID")
	fs.StringVar(&f.opts.Username, "user", "", "Username(553) for the Logon, if the server asks for one")
	fs.StringVar(&f.opts.Password, "password", "", "Password(554) for the Logon")
	fs.StringVar(&f.opts.StoreDir, "store", "", "directory that keeps sequence numbers and orders across runs\n(default: none; sequence numbers are reset at every logon)")
	fs.BoolVar(&f.opts.Reset, "reset", false, "with -store: reset the sequence numbers at this logon (after a mismatch)")
	fs.StringVar(&f.script, "script", "", "run the commands of `FILE`, one per line")
	fs.DurationVar(&f.opts.Timeout, "timeout", 10*time.Second, "how long to wait for the answer to each request")
	fs.DurationVar(&f.opts.LogonTimeout, "logon-timeout", 10*time.Second, "how long to wait for the logon")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: fixclient -sender NAME [flags] [COMMAND [; COMMAND]...]\n\n"+
			"Without commands or -script: a prompt when standard input is a terminal, else\n"+
			"commands are read from standard input.\n\n%s\n\nFlags:\n", fixclient.Usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	f.commands = fs.Args()
	switch {
	case f.opts.Sender == "":
		return f, errors.New("-sender is required: the SenderCompID to log on as (e.g. -sender ALICE)")
	case f.script != "" && len(f.commands) > 0:
		return f, errors.New("give commands either with -script or on the command line, not both")
	case f.opts.Timeout <= 0 || f.opts.LogonTimeout <= 0:
		return f, errors.New("-timeout and -logon-timeout must be positive")
	}
	return f, nil
}

func run(ctx context.Context, args []string, e env) int {
	f, err := parseFlags(args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "fixclient:", err)
		return 2
	}
	var lines []fixclient.Line
	switch {
	case f.script != "":
		file, err := os.Open(f.script)
		if err != nil {
			fmt.Fprintln(e.stderr, "fixclient:", err)
			return 2
		}
		lines, err = fixclient.ParseScript(f.script, file)
		file.Close()
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return 2
		}
	case len(f.commands) > 0:
		if lines, err = fixclient.ParseArgs(f.commands); err != nil {
			fmt.Fprintln(e.stderr, err)
			return 2
		}
	}
	interactive := f.script == "" && len(f.commands) == 0 && e.stdinTTY
	f.opts.Out = e.stdout
	f.opts.Redraw = e.stdoutTTY && (interactive || len(f.commands) > 0)
	c, err := fixclient.New(f.opts)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 2
	}
	if e.signals != nil {
		go func() {
			for range e.signals {
				if !c.Interrupt() {
					e.cancel()
				}
			}
		}()
	}
	err = c.Connect(ctx)
	if err == nil {
		switch {
		case interactive:
			fmt.Fprintln(e.stdout, "type help for the commands, quit or Ctrl-D to log out")
			err = c.Interactive(ctx, e.stdin, f.opts.Sender+"> ")
		case len(lines) > 0:
			err = c.RunLines(ctx, lines)
			if err == nil && len(f.commands) > 0 && c.Subscribed() {
				fmt.Fprintln(e.stdout, "watching; Ctrl-C to stop")
				<-ctx.Done()
			}
		default:
			err = c.RunScript(ctx, "stdin", e.stdin)
		}
		if ctx.Err() != nil {
			err = nil // interrupted: log out cleanly
		} else if !interactive {
			c.Settle(settleQuiet, settleMax)
		}
	}
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	return 0
}
