// Package server is matchd: it wires the FIX gateway to the pipeline, reads the
// configuration, serves metrics, and runs the end-of-day schedule and the
// graceful shutdown. cmd/matchd is a thin main around it:
//
//	flags, _ := server.ParseFlags(os.Args[1:], os.Stderr)
//	opts, _ := server.Load(flags)            // settings file or the embedded default
//	opts.Logger = server.NewLogger(os.Stderr, opts.LogLevel)
//	srv, _ := server.New(opts)               // recovers the books from the data directory
//	srv.Run(ctx)                             // serves until ctx ends, then Close
//
// # Wiring
//
// The gateway's Sink is the pipeline and the pipeline's Reporter is the gateway.
// New opens the pipeline first (pipeline.Open locks the data directory and
// recovers the books, starting nothing) and builds the gateway second; Start
// starts the pipeline with the gateway as its Reporter before anything can be
// submitted (see Server). The data directory's layout is package datadir's. The
// gateway stamps Command.Received when it decodes a message, and the pipeline's
// stage timing is on by default, for the per-stage latency metrics.
//
// # Configuration
//
// One QuickFIX-style settings file ([DEFAULT] and [SESSION] sections, as
// QuickFIX/Go reads them) carries QuickFIX's settings and matchd's own keys in
// [DEFAULT]: Symbols, MaxOrders, MaxLevels, ClOrdIDHistory, MaxQty, Durability,
// WaitStrategy, MatcherCPU, SnapshotEvery, CheckpointEvery, InboundRing,
// OutboundRing, StageTiming, MetricsAddr, HTTPToken, Pprof, MaxSessions,
// PendingLogonTimeout, MaxPendingLogons, MaxPendingLogonsPerHost, MaxMessageSize,
// RateLimit, RateBurst, OfflineReports, OutboundMessages, OutboundBytes,
// MarketDataQueue, GOGC, MemoryLimit, EndOfDay, LogLevel and DataDir, and
// the cluster's NodeID, Peers, ClusterID, RaftTick, FailoverResend,
// AdvertiseAddr and Join (clusterconfig.go).
// docs/CONFIG.md is the reference (a test keeps it complete);
// examples/matchd.cfg an annotated production file; default.cfg, embedded, the
// default. Parse refuses what QuickFIX/Go would silently misread (unknown keys,
// spaces around '=', settings outside a section) and every bad value, with a
// *ConfigError naming the file, line, key and reason.
//
// # Operations
//
// Metrics (metrics.go) are read from the gateway's atomic counters and the
// pipeline's progress at scrape time, into a registry of the server's own, with
// the Go runtime and process collectors; per-stage latency comes from the
// pipeline's HdrHistograms as summaries, and as JSON with the encoded histograms
// at /debug/stages; the market-data feed's counters too, and GET /book
// (book.go) serves a symbol's book from the feed. Only POST changes state
// there; HTTPToken, when set, guards every path with a bearer token
// (httpauth.go); the profiler is served only with Pprof=Y. GC settings are
// applied at Start (gc.go explains the defaults). When the journal or a
// snapshot fails, the server logs the cause once, logs every session out with
// it as the Logout's Text (stoptext.go) and stops. docs/SERVER.md is the
// operator's guide.
//
// # Cluster
//
// With Peers the node is a member of a raft cluster (cluster.go,
// docs/CLUSTER.md): the pipeline runs in cluster mode, the gateway starts in
// standby, and every change of leadership reaches gateway.SetServing; a
// promotion waits until the releaser has delivered the events of every entry
// committed before it, so that the gateway's failover window is complete
// before it serves. GET /cluster shows the node's view, POST /cluster/members
// and DELETE /cluster/members/{id} change the membership on the leader (a
// follower answers 421 naming it), /metrics adds matchd_raft_*. A divergence
// (a *cluster.DivergenceError from the pipeline) stops the node with its own
// log line and Logout Text.
package server
