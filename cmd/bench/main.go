// Command bench is the latency lab: it measures latency percentiles with an
// open-loop, coordinated-omission-correct harness (package bench) and
// reports, compares and plots the results.
//
//	bench [command] [flags] [args]
//
// Run "bench -h" for the commands. The measurement logic and the meaning of
// every output are documented in package bench.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
