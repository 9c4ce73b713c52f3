package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/openmatch/matchd/bench/fixbench"
)

// parseFixBare parses the arguments of "bench fix-bare".
func parseFixBare(args []string, stderr io.Writer) (fixbench.BareOptions, error) {
	o := fixbench.BareOptions{Host: "127.0.0.1", Port: 5002, CompID: "ENGINE"}
	fs := newFlagSet("fix-bare", stderr)
	fs.StringVar(&o.Host, "host", o.Host, "listen `host`")
	fs.IntVar(&o.Port, "port", o.Port, "listen `port`")
	fs.StringVar(&o.CompID, "target", o.CompID, "the acceptor's `CompID` (bench fix -target)")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	if fs.NArg() != 0 {
		return o, usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if o.Port < 1 || o.Port > 65535 {
		return o, usageError{"-port must be 1-65535, not " + strconv.Itoa(o.Port)}
	}
	return o, nil
}

func runFixBare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFixBare(args, stderr)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	o.Ready = func() {
		fmt.Fprintf(stdout, "bare QuickFIX/Go acceptor %s on %s; run: bench fix -port %d -metrics '' -cross 0 -passive-day ...; interrupt to stop\n",
			o.CompID, addr, o.Port)
	}
	return fixbench.ServeBare(ctx, o)
}
