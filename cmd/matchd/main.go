// Command matchd runs the matching engine behind its FIX gateway.
//
//	go run ./cmd/matchd                       embedded default: FIX on 127.0.0.1:5001, data in ./data
//	go run ./cmd/matchd -config matchd.cfg    a settings file (see docs/CONFIG.md)
//	go run ./cmd/matchd -h                    the flags
//
// SIGINT or SIGTERM shuts it down gracefully (exit 0), a second one kills it at
// once (the journal's crash recovery applies); a bad configuration exits 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/openmatch/matchd/server"
)

func main() { os.Exit(run()) }

func run() int {
	flags, err := server.ParseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "matchd:", err)
		return 2
	}
	if flags.PrintDefault {
		fmt.Print(server.DefaultConfig())
		return 0
	}
	opts, err := server.Load(flags)
	if err != nil {
		fmt.Fprintln(os.Stderr, "matchd:", err)
		return 2
	}
	opts.Logger = server.NewLogger(os.Stderr, opts.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }() // a second signal kills at once
	srv, err := server.New(opts)
	if err == nil {
		err = srv.Run(ctx)
	}
	if err != nil {
		if !errors.Is(err, server.ErrPipelineFailed) { // that one is logged already
			opts.Logger.Error().Err(err).Msg("matchd failed")
		}
		return 1
	}
	return 0
}
