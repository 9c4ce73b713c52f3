// Package raftlog is a cluster node's raft log kept in the node's journal
// (decision 1 of the replication design): *Log implements raft.Storage of
// go.etcd.io/raft/v3 and the Save, ApplySnapshot, CreateSnapshot and Compact
// that package cluster's Log interface adds, so that a node writes one log,
// with one group commit per Ready, not a second copy beside the journal.
// The model is etcd's WAL plus MemoryStorage: the journal is the durable
// record, memory answers raft's reads.
//
// # Records
//
// The journal (datadir.JournalDir) holds two record types, opaque to package
// journal: journal.TypeRaftEntry, a marshaled raftpb.Entry, and
// journal.TypeRaftState, a marshaled raftpb.HardState. Save appends the
// Ready's entries, then its HardState (unless empty or unchanged), and
// commits the group once: one write and, under journal.PolicyBatch, one
// fsync. As in etcd's WAL the journal stays append-only: when raft replaces
// an uncommitted suffix (a new leader's entries conflict), the new entries
// are appended like any others.
//
// # Reading back
//
// Open opens the journal for appending (journal.Open truncates a torn tail
// and refuses any other damage), loads the newest raft snapshot that
// verifies, and reads every record in journal order:
//
//   - An entry with index i replaces every entry read before it with index
//     >= i (the overwrite rule). Entries at or below the snapshot's index
//     are not kept, but still replace the entries above it read before them
//     (a new leader overwrote them, then the state was snapshotted).
//   - An entry journaled before a snapshot the node received from its leader
//     (ApplySnapshot; the file records the journal position) belonged to the
//     log that snapshot replaced and is ignored.
//   - The last HardState read is the state; a HardState whose term is below
//     the one before it is corruption (a vote could be forgotten).
//
// Every record is checked, and a fault is a *CorruptionError naming the
// journal segment, offset and record, never a panic and never a record read
// around: a payload that does not decode or has unknown fields, an entry
// with index or term 0, an entry whose index leaves a gap after the entries
// held, an entry whose term is below the one before it, an entry replacing
// one that an earlier HardState had committed, a record of another type (a
// standalone node's commands), a HardState commit index beyond the last
// entry recovered, a journal that ends before the position the snapshot was
// written at (records lost). The Recovery says what was read, replaced and
// ignored, for the caller to log.
//
// A torn tail (a crash during a Save) cuts the last group: since its
// entries precede its HardState, what survives is a prefix of its entries
// with the previous HardState, or all of it. The HardState is then raised
// where it lags the log, as raft needs it (and Recovery.Adjusted says so):
// the term to the last entry's, with no vote in the raised term; the commit
// index to the snapshot's index (a crash between ApplySnapshot and the Save
// of the Ready's HardState). InitialState applies the same rule, so a
// reopened Log answers as the one closed did.
//
// # Reading without opening
//
// ReadCommitted reads the same records by the same rules (one loader) for a
// reader that must not write, such as replay: it opens the journal with
// journal.OpenReader (a torn tail is the end of the log, not truncated) and
// returns the committed entries in index order, each once an entry's index
// is at or below the commit index of a HardState read after it; since no
// rule lets a committed entry be replaced, an entry returned is final, and
// the Reader holds only the entries not yet known committed. Those after
// the last commit index (Recovery.Commit, raised as Open raises it) are
// counted (Pending) and not returned: this node never learned that they
// were committed. It starts at the first entry or, with FromSnapshot, after
// the newest snapshot its caller accepts; after a snapshot received from
// the leader in any case, the log before it not being in the journal.
//
// # Snapshots
//
// Raft snapshots are files in the data directory's snapshot directory,
// raft-<index>.snap (index zero-padded to 20 digits), beside the engine's
// snapshot-<seq>.snap files and never confused with them (another name, and
// another magic: neither lister reads the other's files). Each is written
// like journal.WriteSnapshot (a temporary file, fsync, rename, fsync of the
// directory) after an fsync of the journal, so that it is never ahead of the
// journal on disk:
//
//	+-------+---------+-------+-------+------+---------+----------+----------+-------------+------------+
//	| magic | version | flags | index | term | journal | meta len | data len | payload CRC | header CRC |
//	|  4 B  |   2 B   |  2 B  |  8 B  | 8 B  |   8 B   |   4 B    |   8 B    |     4 B     |    4 B     |
//	+-------+---------+-------+-------+------+---------+----------+----------+-------------+------------+
//	  "MRSN"     1      bit 0:                the next    followed by the marshaled raftpb.SnapshotMetadata
//	                    reset                 journal     and the snapshot's Data; CRC-32C of both, and of
//	                    (Apply-               record      the header's first 48 bytes; little-endian
//	                    Snapshot)             index
//
// Open uses the newest file that verifies and lists the newer damaged ones
// it skipped (Recovery.DamagedSnapshots): the journal still holds the
// entries after an older snapshot, since no segment is ever deleted. It
// skips only a damaged snapshot whose header verifies and says
// CreateSnapshot wrote it. One that a follower received (ApplySnapshot) or
// whose header is unreadable stops Open with a *CorruptionError: the entries
// it replaced are not in the journal, and an older snapshot would rebuild a
// log with a hole or with entries the leader had overwritten, which the
// node could then apply. Such a node is restored from a peer. A Log keeps
// the newest Options.SnapshotKeep valid snapshots.
//
// # Memory and compaction
//
// Every entry after the compaction point is held in memory, as with etcd's
// MemoryStorage: after Open, every entry after the newest snapshot; then the
// entries Saved since, less those Compact dropped. The bound is the size of
// those entries (their encoded bytes plus about a hundred bytes each); a
// caller that never snapshots and compacts grows it without limit.
// Compaction is the caller's job: CreateSnapshot at the applied index, then
// Compact. Compact drops entries from memory only; the journal segments are
// kept, so a reopen reads (and decodes) every record ever journaled and holds
// the entries after the newest snapshot. Deleting the segments wholly below
// the newest snapshot (and its reset position) is left for later.
//
// # Concurrency
//
// The mutating methods (Save, ApplySnapshot, CreateSnapshot, Compact, Close)
// belong to one goroutine, the node's loop. The raft.Storage methods may be
// called from any goroutine: a mutex guards the in-memory log and is held
// only to read or update memory, never across a write or an fsync. With a
// RawNode driven from the loop goroutine, as package cluster does, it is
// never contended.
//
// # Durability
//
// Under journal.PolicyBatch (the default) and PolicyEvery, Save returns once
// the group is fsynced: raft's rule (persist before sending) holds. The one
// exception is a HardState that changes only Commit (raft.MustSync false):
// it is appended without an fsync of its own and reaches the disk with the
// next synced group, Sync, a snapshot or Close, so a crash may recover a
// lower commit index (raft learns it again; see Save). Under
// PolicyNone the group is only written to the operating system: a crash of
// the machine may lose entries a leader counted, and a HardState, so a
// vote: a node could vote twice in a term. It is allowed and documented as
// unsafe in cluster mode.
//
// # Differences from MemoryStorage
//
// go.etcd.io/raft/v3 v3.7.0 uses google.golang.org/protobuf messages, whose
// fields are pointers and which must not be copied, so the methods take and
// return *raftpb.HardState, []*raftpb.Entry and *raftpb.Snapshot, as
// MemoryStorage's do. Where MemoryStorage panics (an index beyond the last
// entry given to Entries, Compact or CreateSnapshot, a Save that would leave
// a gap) the Log returns an error.
package raftlog
