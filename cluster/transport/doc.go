// Package transport carries raft messages (go.etcd.io/raft/v3/raftpb) between the nodes of a
// matchd cluster over plain TCP: the cluster.Transport of issue 14 (its shared design; contract
// §8). It follows etcd's rafthttp (one long-lived stream per peer and direction, a bounded
// queue per peer that drops rather than blocks, snapshots apart) without HTTP.
//
// # Use
//
// New listens and starts one writer goroutine per peer; Send(msgs) queues raft's
// Ready.Messages and returns at once; every message read from a peer is given to
// Config.Handler (the Node's Step); Config.Unreachable and Config.SnapshotStatus are raft's
// ReportUnreachable and ReportSnapshot. AddPeer and RemovePeer follow membership changes; Stop
// closes everything and waits for every goroutine. Stats returns counters per peer (sent,
// dropped, received, reconnects, snapshots) for the server's Prometheus collector.
//
// raft v3.7 messages are protobuf-go (proto2) structs handled by pointer, so Send takes
// []*raftpb.Message and Handler a *raftpb.Message (the design text says []raftpb.Message).
//
// # Connections
//
// Node A sends to node B on a connection A dials (its stream); B's messages to A travel on
// the connection B dials. A stream only ever carries messages one way: the dialer writes,
// the acceptor reads (the dialer's read side only notices the acceptor closing). Each MsgSnap
// gets a connection of its own, dialed for it, so a snapshot of hundreds of megabytes does
// not hold up the heartbeats and appends queued behind it; at most one snapshot per peer is
// in flight (raft sends one at a time; a second one meanwhile is reported failed).
//
// # Wire format
//
// All integers are little-endian; CRCs are CRC-32C (Castagnoli).
//
//	hello (dialer -> acceptor, 36 bytes):
//	  "MDRT" | version u8 (1) | kind u8 (1 stream, 2 snapshot) | 0 u16 |
//	  cluster ID u64 | sender ID u64 | receiver ID u64 | CRC-32C of the 32 bytes before u32
//	reply (acceptor -> dialer, 16 bytes):
//	  "MDRT" | version u8 | code u8 | 0 u16 | acceptor's cluster ID u64
//	frame:
//	  length u32 | CRC-32C of payload u32 | payload: one marshaled raftpb.Message
//
// The acceptor refuses (and closes) a hello whose version, cluster ID, receiver ID (not its
// own) or sender ID (0, its own, or removed by RemovePeer) is wrong; the code says which, and
// both sides log it, a cluster ID mismatch as an error naming both IDs (a misconfiguration),
// the others as warnings. A hello with a bad magic or CRC is closed without a reply. After an
// accept, a stream is a sequence of frames; a snapshot connection carries one frame, a
// MsgSnap, which the acceptor answers with a reply (code 0) once its Handler has returned:
// that reply is what SnapshotStatus(id, false) reports.
//
// A frame longer than the limit (MaxFrameSize on a stream, default 64 MiB; MaxSnapshotSize on
// a snapshot connection, default 1 GiB), truncated, failing its CRC, not decoding, or whose
// From/To are not the hello's sender and receiver, closes that connection with a warning
// naming the peer and the reason; the node keeps serving its other connections, and the
// sender redials. A large frame's buffer grows as its bytes arrive, so a lying length costs
// no memory. The sender checks the same limits before writing: an oversized message is
// dropped with a warning (raft's MaxSizePerMsg must stay well under MaxFrameSize), rather
// than breaking the stream.
//
// # Sending
//
// Each peer has a queue of QueueSize (default 4096) messages. Send never blocks: a message
// to a full queue is dropped and Unreachable reported (raft retransmits; a follower that
// cannot keep up goes to probing). The peer's writer takes every message queued, marshals
// them into one buffer (flushed at 256 KiB or when the queue is empty) and writes it with a
// WriteTimeout deadline (default 5 s), so a peer that stops reading is cut off and redialed.
// While a peer cannot be dialed, each failed attempt reports Unreachable and drops what was
// queued (stale by the time the peer is back, and holding memory); the writer retries with
// exponential back-off from BackoffMin to BackoffMax (10 ms to 1 s), each wait drawn in
// [d/2, d] from a PCG source seeded with Config.Seed and the peer ID. The writer's path is
// free of allocations once its buffer has grown; decoding on the receiving side allocates
// the message the Handler is given (protobuf-go allocates each optional field).
//
// # Receiving
//
// Each inbound connection has its own goroutine, which calls Handler for each message in the
// order received: per peer, stream messages arrive in the order Send was given them (a
// redialed stream replaces the old one, whose unsent tail is lost, as raft allows);
// Handler is called concurrently for different peers and for a snapshot connection, so it
// must be safe for concurrent use. Idle streams have no read deadline (raft's heartbeats
// only flow from a leader); TCP keep-alives (Go's default) find dead hosts.
//
// # Decisions
//
//   - Plain TCP rather than gRPC or HTTP: one fewer dependency, and the frame is the raft
//     message with a length and a CRC, nothing else. No TLS: the nodes of one cluster run on
//     a private network (TLS would wrap the net.Conn, nothing else changes).
//   - Sends are fire-and-forget, as raft expects: loss is repaired by raft's retransmission,
//     so the transport drops instead of buffering without bound or blocking the Ready loop.
//   - Any sender whose hello is right is accepted, including an ID that is not (yet) in
//     Peers (a node added by a conf change may speak first); which messages count is raft's
//     business. RemovePeer makes an ID refused until AddPeer.
//   - Callbacks are called from Send and from the transport's goroutines, never under a
//     lock of the transport; they must not block.
package transport
