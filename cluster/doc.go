// Package cluster replicates matchd's command log over etcd raft
// (go.etcd.io/raft/v3 v3.7.0): the raft node of one matchd node, the format of
// a raft entry, and the Applier that feeds committed entries to an engine
// (contract §8, issue 14).
//
// # Pieces
//
//   - Core drives a raft.RawNode: single-threaded and deterministic (no clock,
//     no goroutine), ticked, stepped and processed by its caller. The in-process
//     cluster simulator (sim_test.go) drives many Cores from one goroutine.
//   - Node runs a Core in production: Run ticks it on a time.Ticker, steps the
//     messages its Transport received (Receive), takes proposals from other
//     goroutines over a channel (Propose, ProposeConfChange) and processes every
//     Ready. A follower's proposals are refused, not forwarded.
//   - Log (log.go) is the node's raft log and Transport (transport.go) carries
//     its messages; package cluster/raftlog implements Log over the journal and
//     cluster/transport implements Transport over TCP. MemoryLog is a Log in
//     memory for tests.
//   - Applier is the state machine; EngineApplier is the one over an
//     engine.Engine, with the checkpoint check below.
//
// raft v3.7.0's raftpb types are generated with google.golang.org/protobuf and
// must not be copied, so Log and Transport take pointers (*raftpb.HardState,
// []*raftpb.Entry, *raftpb.Snapshot, []*raftpb.Message) where the design sketch
// had values.
//
// # Decisions
//
// 1. The journal is the raft log (package cluster/raftlog): one log, one group
// commit per Ready.
//
// 2. Every node, the leader too, applies only committed entries, in index
// order. There is no speculative matching: a deposed leader has nothing to roll
// back, and a new leader's engine is already at the commit index. A report is
// released only after its command is committed and applied.
//
// 3. One raft entry is one batch of commands. Entry data is a sequence of items
//
//	[kind 1 B][payload length uvarint][payload]
//
// kind 1 (ItemCommand): an engine.Command in engine.AppendCommand's encoding
// (engine.CommandSize bytes); kind 2 (ItemCheckpoint): seq u64 | state hash
// u64 in datadir.AppendCheckpoint's encoding; kind 3 (ItemLeader): node ID
// u64 | FIX host:port (up to MaxLeaderAddr bytes), the first proposal of each
// term a leader serves (wave 2 decision 4: every node learns the leader's FIX
// address from the log; appliers record it, it never reaches the engine).
// Raft's own empty entries (a new
// leader's first) have no items. Items decodes without allocating and reports a
// malformed entry as an *EntryError with the byte offset (never a panic; see
// FuzzEntry). An unknown kind is an error, not skipped.
//
// Checkpoints: every node's EngineApplier records its StateHash after each
// command whose Seq is a multiple of its CheckpointEvery (in a ring of the last
// 64). The leader's sequencer puts its latest pair (LastCheckpoint) in a later
// batch; every node that reaches the item compares its own record and stops
// with a *DivergenceError (raft index, seq, both hashes) when they differ: a
// determinism bug. A node that restored a snapshot taken after that seq counts
// the item as unchecked (Checkpoints).
//
// 4. Safety first in the Ready loop (etcd's rule), in Core.Process: the
// snapshot (Log.ApplySnapshot), then HardState and entries (Log.Save, one group
// commit) are durable before the Ready's messages are sent — except on a
// leader, which sends first and saves meanwhile (raft thesis §10.2.1, as
// etcd's server does: its messages promise nothing about its disk, and raft
// counts its own copy of an entry towards a quorum only after Advance); a
// HardState that changes only the commit index is not synced on its own
// (raft.MustSync; cluster/raftlog writes it with the next group); then the snapshot
// is restored into the Applier and committed entries are applied in order
// (normal entries to the Applier, conf changes to raft through
// RawNode.ApplyConfChange); then Advance. A Log without durability (no fsync)
// loses votes and acknowledged entries on a crash and so can elect two leaders
// in one term: allowed for tests and benchmarks, unsafe in production.
//
// # Sequencing and Leadership
//
// The leader's sequencer assigns each command's Seq from its own engine, so a
// leader may propose commands only once Leadership.Serving: it is the raft
// leader and has applied an entry of its own term, hence every entry of earlier
// terms that will ever commit (raft's leader completeness), and its engine's
// LastSeq is final for them. Seqs then increase along the committed log; the
// EngineApplier refuses one that does not (all nodes would stop). For the same
// reason proposal forwarding is disabled: a follower's proposal would carry a
// seq from a stale engine. Node.ProposeIn takes the term the batch was
// sequenced in and refuses it (ErrNotServing) unless the node is still the
// Serving leader of that term, checked on the node loop where raft takes it:
// a batch sequenced in one term and appended in the next could repeat the new
// term's seqs. OnLeadership reports every change (leader ID, term,
// Local, Serving): the gateway starts on Serving and stops when it ends, and a
// follower's gateway names Leader in its Logon refusal. A proposal raft accepts
// is appended, not committed: a deposed leader's may never commit, and their
// orders get no report (the client asks with OrderStatusRequest).
//
// # Raft settings
//
//   - HeartbeatTicks 1 and ElectionTicks 10 with a 10 ms TickInterval: a
//     heartbeat every 10 ms, and a follower that hears no leader for a
//     randomized 100 to 200 ms campaigns. §8 asks that the new leader's gateway
//     start within the election timeout: after the leader dies, the first
//     follower to time out wins the pre-vote and the vote (two round trips) and
//     commits its empty entry (one more) and is then Serving, so the gateway
//     starts about one election timeout plus three round trips (well under a
//     millisecond on one machine) after the last heartbeat. Shorter timeouts
//     turn a GC pause or a slow fsync into a needless election; the tick
//     interval is configurable for slower links.
//   - CheckQuorum: a leader that has not heard from a quorum for an election
//     timeout steps down, so a partitioned old leader stops being Local and
//     Serving (its gateway stops) instead of accepting orders it can never
//     commit. It could not release them anyway (decision 2); the simulator
//     asserts both. CheckQuorum also makes followers that hear a live leader
//     ignore vote requests (a lease).
//   - PreVote: a node that was partitioned away does not bump the term when it
//     returns and depose a healthy leader; it first asks whether it could win.
//   - MaxSizePerMsg 1 MiB and MaxInflightMsgs 256: the leader pipelines up to
//     256 appends per follower without waiting for acknowledgements (raft's
//     MsgApp flow control), so throughput is not one round trip per batch, and
//     it falls back to probing a follower that does not answer.
//   - MaxUncommittedBytes 64 MiB: while a quorum is slow or gone, proposals
//     fail with raft.ErrProposalDropped instead of growing the leader's log
//     without bound (back-pressure on the sequencer).
//   - StepDownOnRemoval: a leader removed by a conf change steps down.
//   - Snapshots every SnapshotEvery (10,000) applied entries, with
//     Applier.AppendSnapshot as data (or, with Config.OwnerSnapshots, whenever
//     the owner hands one over through Core.CreateSnapshot or
//     Node.OfferSnapshot, at the index its state machine had reached, with the
//     membership that held there: the pipeline's engine belongs to its matcher,
//     which lags the Core); Compact then keeps SnapshotMargin (5,000)
//     entries before the snapshot, so a follower that lags by a few seconds
//     catches up from the log and only one further behind (or a new node) gets
//     a snapshot (MsgSnap), which it restores into its Applier.
//   - Membership: ProposeConfChange with a ConfChangeV2; replacing a dead node
//     is one change adding the new node (started with an empty Log and no
//     Peers) and removing the dead one, through joint consensus left
//     automatically. Config.OnConfChange reports each applied change (the
//     pipeline's transport learns addresses from its Context).
//
// # Reading a node's journal
//
// OpenJournal reads a node's data directory without writing it (for replay,
// on a live directory or a copy): the committed entries of its raft log
// (raftlog.ReadCommitted) taken apart into commands and checkpoint items,
// from the first entry or a raft snapshot. Raft snapshot data has one
// decoder, RestoreEngine (a bare engine snapshot, or the pipeline's cluster
// snapshot: AppendSnapshotData, DecodeSnapshotData), used by
// EngineApplier.Restore and by OpenJournal.
//
// raft's log lines are discarded unless Config.Logger is set (library code
// never prints); a raft panic (a broken invariant) stops the Core with an error.
//
// # Tests
//
// The simulator (sim_test.go, simharness_test.go) runs thousands of seeded
// clusters of 3 or 5 Cores in one goroutine, a math/rand/v2 PRNG deciding
// everything: messages lost, duplicated, delayed by 1 to 6 ticks and so
// reordered; partitions (the leader alone, a minority, random one-way links,
// the leader unheard); nodes that crash (their MemoryLog is the disk, the Core
// and engine are lost) and restart, some right after voting; missed ticks;
// snapshots and compaction; in some runs a node dies for good and a conf
// change replaces it. After every step: no two nodes apply different data at
// one index, and no two engines have different state hashes after one index.
// After healing: a leader serves and a new command is applied by every member
// within a bound in ticks; then every member's committed log agrees and holds
// every entry a leader applied (released). A failing seed prints how to rerun
// it (-seed N -simtrace). The simulator crashes nodes between Readys only (a
// MemoryLog write is atomic); torn writes are cluster/raftlog's tests.
package cluster
