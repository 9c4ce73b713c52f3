// Command fixclient is a FIX 4.4 client for matchd: it logs on as one
// SenderCompID and sends orders, cancels, replaces, status requests and mass
// cancels, watches a book, and prints every report it receives as one line.
//
//	go run ./cmd/fixclient -sender BOB buy 100 AAPL @150.00
//	go run ./cmd/fixclient -sender WATCH book AAPL
//	go run ./cmd/fixclient -sender ALICE 'sell 100 AAPL @150.00; expect filled'
//	go run ./cmd/fixclient -sender ALICE -script day.txt
//	go run ./cmd/fixclient -sender ALICE        (a prompt, on a terminal)
//
// The commands and the sequence-number policy are documented in package
// internal/fixclient; "fixclient -h" lists them. Exit status: 0, 1 when the
// logon fails or a command fails (the message names its line), 2 for a bad
// command line or a script that does not parse.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mattn/go-isatty"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	env := env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdinTTY:  isatty.IsTerminal(os.Stdin.Fd()),
		stdoutTTY: isatty.IsTerminal(os.Stdout.Fd()),
		signals:   sigs, cancel: cancel,
	}
	code := run(ctx, os.Args[1:], env)
	cancel()
	os.Exit(code)
}
