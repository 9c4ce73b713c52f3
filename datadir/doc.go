// Package datadir owns the layout of matchd's data directory: where each part
// lives, the lock that keeps a second process out, the engine configuration the
// directory was written with, the checkpoint record the journal carries, and
// recovery (the newest valid snapshot plus the journal after it, applied to an
// engine). Every other package takes its paths from here; none joins a name
// onto the directory itself.
//
// # Layout
//
//	DIR/
//	├── LOCK           flock held by the process that owns DIR (see Lock)
//	├── engine.json    the engine.Config the journal was written with (ConfigFile)
//	├── journal/       command log segments and their own LOCK (package journal)
//	├── snapshots/     snapshot-<seq>.snap, books at a durable Seq (package journal)
//	├── owners         FIX SessionID <-> engine owner id registry (package gateway)
//	└── fix/           QuickFIX's message store, one set of files per session
//	                   (package gateway/fixstore; FileStorePath in the settings
//	                   may move it elsewhere)
//
// # Who does what
//
// pipeline.Open takes the lock (Lock), stores engine.json (StoreConfig), opens
// the journal and recovers the books (Recover); it holds the lock until Close.
// The server opens the pipeline before the gateway, so the owner registry and
// the FIX store, which the gateway opens at OwnersFile and FIXStoreDir of the
// directory the server gives it (gateway.Options.DataDir), are covered by the
// same lock. replay reads a directory without locking it: it
// never writes, and it runs on copies and on a live directory alike.
//
// Recovery lives here, below both pipeline and replay, so the live system does
// not depend on the audit tool and both read the journal with the same rules
// (CommandReader): records in journal order, commands at consecutive Seq
// numbers, a torn tail the end of the log, any other damage an error with its
// segment and offset. Both refuse a journal that ends before the newest valid
// snapshot's Seq (a cut tail, a deleted segment) with a *SnapshotAheadError
// naming the snapshot file, its Seq and the journal's last Seq: continuing
// would journal new commands after a gap that no replay could pass.
//
// # Cluster nodes
//
// A cluster node's journal holds its raft log instead (journal.TypeRaftEntry
// and TypeRaftState records, package cluster/raftlog), and raft snapshots
// (raft-<index>.snap) sit in snapshots/ beside the engine's. JournalKind tells
// the two kinds apart by the first record; CommandReader, hence Recover,
// refuses a cluster node's journal with a *ClusterJournalError (a standalone
// node must not append commands to it) and a raft record after command
// records with its position. The commands of a cluster journal are read by
// cluster.OpenJournal (replay uses it): the raft entries' format belongs to
// package cluster, which imports this one, so the reader cannot live here.
//
// # Checkpoint records
//
// A journal.TypeCheckpoint record's payload is seq u64 | state hash u64
// (little-endian, CheckpointSize bytes): the engine's StateHash right after
// applying the command with that Seq. The pipeline's matcher computes it and the
// journaler appends it when it gets it, so it usually follows its command by a
// few records; replay -verify compares them with the state it recomputes.
package datadir
