// Command replay re-runs a matchd journal through a fresh engine for audits.
//
//	go run ./cmd/replay -data DIR                 replay everything, print the summary line
//	go run ./cmd/replay -data DIR -events         events as JSON lines
//	go run ./cmd/replay -data DIR -stop-seq N -book [-symbol AAPL]
//	go run ./cmd/replay -data DIR -events -raw    prices in ticks, owners as owner ids
//	go run ./cmd/replay -data DIR -verify         check every checkpoint and snapshot
//	go run ./cmd/replay -data DIR -md [-md-from-seq N] [-stop-seq M] [-symbol AAPL]
//	                                              market data as JSON lines: a W per symbol at N, then every X
//
// -events and -book print prices (and notional) as decimals of the symbol, as
// the FIX reports do, from the data directory's engine.json, and owners as the
// client's CompID from its owner registry (DIR/owners, only read). An owner the
// registry does not name, or every owner when the journal was copied without
// it, is printed as #<owner id>, and one warning on stderr says why. -raw prints
// the engine's own numbers instead: prices in ticks, owner ids.
//
// The last line on stdout is always `commands=N state_hash=<hex> events_hash=<hex>`.
//
// A cluster node's data directory (its journal holds raft entries and
// HardStates, see package cluster/raftlog) replays with the same flags. Only
// the entries the node knew committed are replayed, in raft index order, an
// entry a later one overwrote never; checkpoint items are verified like
// checkpoint records and raft snapshots like snapshot files (-verify), and
// -from-snapshot starts from the newest raft snapshot. The summary line then
// goes on with the node's raft position,
// `raft_last=<index> raft_commit=<index> raft_term=<term>`, and stderr says
// how many entries followed the commit index ("N entries after the last
// commit index C: not known committed on this node (not replayed)"). Every
// node of a cluster replays to the same state_hash and events_hash over the
// commands they all committed; a node that caught up from a snapshot its
// leader sent lacks the log before it and replays from there (a warning says
// so, and its events_hash covers the commands after it).
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
