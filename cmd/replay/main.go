// Command replay re-runs a matchd journal through a fresh engine for audits.
//
//	go run ./cmd/replay -data DIR                 replay everything, print the summary line
//	go run ./cmd/replay -data DIR -events         events as JSON lines
//	go run ./cmd/replay -data DIR -stop-seq N -book [-symbol AAPL]
//	go run ./cmd/replay -data DIR -verify         check every checkpoint and snapshot
//	go run ./cmd/replay -data DIR -md [-md-from-seq N] [-stop-seq M] [-symbol AAPL]
//	                                              market data as JSON lines: a W per symbol at N, then every X
//
// The last line on stdout is always `commands=N state_hash=<hex> events_hash=<hex>`.
package main

import (
	"fmt"
	"os"

	"github.com/openmatch/matchd/replay"
)

func main() {
	if err := replay.Main(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}
