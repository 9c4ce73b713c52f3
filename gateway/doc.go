// Package gateway is the FIX front door of the matching engine: a QuickFIX/Go
// acceptor that decodes NewOrderSingle (D), OrderCancelRequest (F) and
// OrderCancelReplaceRequest (G) into engine.Commands for a Sink, and formats the
// engine's events into ExecutionReports (8) and OrderCancelRejects (9) for the
// session that owns them (CONTRACT.md §1–§4).
//
// It also decodes OrderStatusRequest (H) into engine.KindStatus
// (decode_status.go), answered by an ExecutionReport ExecType=I, and
// OrderMassCancelRequest (q) into engine.KindMassCancel (decode_masscancel.go),
// answered by an OrderMassCancelReport (r) (report_status.go, which also says
// what FIX 4.2 sessions get), and cancels the resting orders of a session with
// CancelOnDisconnect=Y when it logs out or drops (cod.go) (CONTRACT.md §7,
// docs/SERVER.md).
//
// # Boundary
//
// Inbound, each session goroutine calls Sink.Submit with a decoded command,
// Command.Received set to the wall-clock time the message reached FromApp (the
// same clock read feeds the rate limiter); the sink sequences, timestamps and
// copies it. Outbound, the pipeline's releaser (one goroutine) calls
// (*Gateway).Deliver for every event, in order, after the event's command is
// durable; Deliver only queues the report on its session and never waits on
// QuickFIX (see Delivery). Besides QuickFIX's goroutines (one per connection and
// session) the gateway runs one sender goroutine per logged-on session, and logs
// nothing per message above debug level.
//
// # Messages
//
// Messages are built and read with raw tags on quickfix.Message: the generated
// github.com/quickfixgo/fix44 and fix42 modules are not available through the
// module proxy at versions matching v0.9.10, and they allocate per field. No data
// dictionary is loaded; the gateway validates what it reads itself.
//
// Decoding (decode.go) allocates nothing once warm (QuickFIX's own parsing does).
// Required: ClOrdID(11), Symbol(55), Side(54) on all three; OrigClOrdID(41) on F
// and G; OrderQty(38) and OrdType(40) on D and G. TransactTime(60) and
// HandlInst(21), required by the FIX specs, are accepted but neither required
// nor checked. Refused by the gateway with Reject(3) and a Text, the session
// staying up and nothing submitted: a missing required tag (reason 1), Side other
// than 1/2, OrdType other than 1/2, TimeInForce other than 0/1/3/4, ClOrdID or
// OrigClOrdID longer than engine.MaxIDLen (reason 5), an OrderQty or a LIMIT's
// Price that is not a number, or a Price too long to fit (reason 6), a tag
// the gateway reads appearing twice (reason 13; decode_dup.go). Any other
// application MsgType gets BusinessMessageReject(j) reason 3. Business errors
// travel to the engine inside the command so that the engine rejects them,
// numbered and journaled like any other outcome: an unknown symbol gets an
// index >= len(Symbols) (the name is kept in a bounded ring so the reject
// echoes it, see symbols.go); a fractional or overflowing quantity sets
// engine.InvalidQty; an off-grid price engine.InvalidTick; a LIMIT without
// Price gets Price 0. A MARKET order's Price is ignored. Prices are parsed from
// the field bytes into integer ticks; no floating point is used anywhere.
//
// Reports (report.go) carry ExecType, OrdStatus, OrderID ("NONE" when 0), ExecID,
// ClOrdID, OrigClOrdID, Symbol, Side, OrdType, TimeInForce, OrderQty, Price (LIMIT),
// LastQty/LastPx (fills), LeavesQty, CumQty, AvgPx, TransactTime (the command's
// sequencer time, UTC, microseconds), OrdRejReason or CxlRejReason and
// CxlRejResponseTo, and Text from engine.TextOf. FIX 4.2 sessions get
// ExecTransType 0 and ExecType 1/2 for partial/full fills instead of F. AvgPx is
// Notional/CumQty computed in 128-bit integers, with the symbol's decimals plus up
// to six more, rounded half up at the last.
//
// # Sessions
//
// Embedded settings (Options.SettingsFile empty), for local use: FIX 4.4 and 4.2,
// SenderCompID ENGINE, port 5001, any client CompID (dynamic sessions), FIX store
// under <DataDir>/fix with FileStoreSync=N, ResetOnLogon from Options. The FIX
// store is not our durability, the journal is: it only keeps FIX sequence
// numbers and sent messages for resends, and a lost store tail costs at most a
// sequence reset. It is package fixstore (one append-only log per session, one
// write per operation, in place of QuickFIX's file store and its six syscalls
// per sent message; store.go). A listed session's log is opened with the
// acceptor and stays open while the gateway runs; a dynamic session's is opened
// at its Logon and closed once its connection has ended (logged out or
// dropped), then reopened, its sequence numbers and messages intact and
// without a replay (the close saves its state), at its next Logon (the QuickFIX
// patch, PATCH.md section 7). So the files open are the listed sessions' plus
// one per dynamic session connected: CompIDs coming and going do not use up
// descriptors. A settings file (production) lists the sessions, with
// optional Username and Password keys checked against Username(553) and
// Password(554) at Logon. Refused at Logon, with a Logout whose Text(58) says why
// and a warn-level structured log line: an unlisted CompID, a wrong TargetCompID
// or BeginString (FIXT.1.1 too), an empty SenderCompID(49) (refused before any
// session, store file or owner exists; a Logon without 49 does not parse: its
// connection is closed, logged and counted as not_logon), bad credentials, more
// than Options.MaxSessions
// sessions, a HeartBtInt(108) missing or outside 1..3600 s (heartbtint.go), a
// second Logon for a CompID that is logged on. A CompID
// the gateway would not accept (unlisted, without DynamicSessions) gets a memory
// store, so strangers create no files; one it would accept, refused for another
// reason (HeartBtInt, MaxSessions), has its store file as at any logon (the
// refusing Logout uses an outgoing MsgSeqNum), closed when the connection ends. A
// refused Logon leaves the session's expected MsgSeqNum alone (third_party
// patch, PATCH.md).
//
// Connections that have not logged on are bounded (conn.go, and the QuickFIX
// patch in third_party/quickfix/PATCH.md): a complete Logon as the first
// message within Options.PendingLogonTimeout, at most Options.MaxPendingLogons
// waiting (Options.MaxPendingLogonsPerHost per address), no BodyLength over
// Options.MaxMessageSize (after logon: a Logout with a Text). Each closed
// connection is logged (rate-limited) and counted in Counters.ConnectionEvents.
//
// Every application message counts against its session's token bucket
// (Options.RatePerSecond, Options.RateBurst); one over the limit is answered with
// BusinessMessageReject "rate limit exceeded" and not submitted.
//
// # Owners
//
// Each SessionID gets an owner id at its first logon, recorded in an append-only
// file (<DataDir>/owners, "MOWNERS" header then internal/record frames, like the
// journal and the FIX store; a file of the old text format is converted on open)
// and fsynced before the logon is accepted, so ids are stable across restarts and
// orders recovered from the journal keep their owner. The engine scopes ClOrdIDs
// by owner. Ids are never reused; with dynamic sessions every distinct CompID
// that ever logs on gets one.
//
// # Delivery
//
// Each session has a FIFO of reports not yet handed to QuickFIX. Deliver appends
// to it (allocation-free once it has grown) and wakes the session's sender, a
// goroutine that runs while the session is logged on and hands the reports to
// QuickFIX (SendToTarget) in batches of 64, formatting them as it goes. Why a
// goroutine: SendToTarget takes the QuickFIX session's send lock, which QuickFIX
// holds through its own blocking writes (heartbeats, session-level rejects,
// resends); once a client stops reading and its socket fills, that lock is held
// for good. Calling QuickFIX from Deliver would then block the pipeline's
// releaser and with it every other session's reports
// (TestStalledClientDoesNotStallOthers shows it). Now only the stalled
// session's queue fills, up to its bound (Slow and offline sessions). The hop
// costs a goroutine wake-up per burst of reports.
//
// # Slow and offline sessions
//
// A report is never dropped silently, and no session's backlog is held in
// memory without bound. Every session, listed or dynamic, is "offline" until
// OnLogon and again from OnLogout; its reports wait in the same FIFO and go out
// right after its next logon, before any newer report. Why not rely on
// QuickFIX: SendToTarget to a logged-out listed session does persist the
// message in the store, but a sequence reset loses it, and a dynamic session is
// unregistered while disconnected, so SendToTarget fails.
//
// Bounds (spill.go): offline, the FIFO holds Options.PendingLimit reports.
// Logged on, the session's unsent messages, the FIFO plus what QuickFIX holds
// and has not written to the socket (quickfix.Outbound, a matchd patch), stay
// within Options.OutboundMessages and Options.OutboundBytes (a queued report
// counts reportSizeEstimate bytes); Deliver checks after each report. A session
// over it is a slow consumer (kick): it counts as offline at once, gets a
// Logout whose Text says "slow consumer: N messages / B bytes unsent"
// (quickfix.SendLogout, which drops what QuickFIX had queued and not handed to
// the writer: it is in the FIX store), its connection is closed a second later
// whatever it answers (its socket is full), a warn line is logged and
// Counters.SlowConsumers counts it.
//
// Over either bound the FIFO is spilled: its reports are forgotten
// (Counters.ReportsSpilled) and the session remembers only the gap, the
// ExecIDs from the first report not handed to QuickFIX to the last one
// forgotten, with their command Seqs (ExecIDs increase by one per event over
// the engine's life, so a range of them names the session's reports exactly).
// A session's reports are, in order: handed to QuickFIX, then the gap, then the
// FIFO; a batch the sender took but could not hand over joins the gap's front
// when a gap exists, the FIFO's front otherwise. A session logging on with more
// queued than half its bound spills it too.
//
// The sender fills the gap first (fillGap): Options.Regenerate (the server's:
// newest snapshot before the gap, journal replayed through package replay up
// to its end) streams the owner's events, and those in the gap are handed to
// QuickFIX one by one (Counters.ReportsRegenerated), on the sender's goroutine,
// never the releaser's. It paces itself: it hands a report only while QuickFIX
// holds less than half the bound (regenRoom), and logs out a session that reads
// nothing for regenStall. Live reports keep queueing behind; if they pile up
// past half the bound they are spilled into the gap (the gateway's backlog, not
// the client's fault), and the sender loops until the gap is closed. If the
// session goes offline, is kicked again or the gateway stops, the gap keeps
// its first report not handed over. Exactly once and in order: every report is
// either handed to QuickFIX exactly once (then it is in the FIX store, and a
// client that does not reset gets it, by resend if need be) or in exactly one
// of gap and FIFO (TestStalledClientDoesNotStallOthers; the server's
// TestSlowConsumerExactlyOnce loops stalls and drops under load). Without a
// Regenerate, or when it fails (a damaged journal), the gap is logged at error,
// counted in Counters.ReportsDropped, and the session gets a News (B) naming
// the ExecIDs. The FIFO and the gap live in memory: after a restart, replaying
// the journal regenerates every event (ExecIDs included).
//
// # Cluster roles
//
// In a cluster (Options.Standby) only the serving leader's gateway accepts
// logons; the others refuse them with a Logout naming the leader (reason
// not_leader, logged at info), keep each owner's reports of the last
// Options.FailoverResend of sequencer time, and, once promoted by SetServing,
// send them after the next logon with PossResend(97)=Y. A gateway that stops
// serving logs every session out ("leader changed: connect to ...", "lost
// quorum: retry") and closes the connections. Cancel on disconnect is skipped
// on a node that does not serve. Owner ids are kept equal on every node by
// registering the listed sessions at New in sorted order; unlisted (dynamic)
// sessions are refused. role.go has the details, docs/CLUSTER.md the client's
// side.
//
// # Shutdown
//
// Quiesce refuses further logons ("logon refused: server shutting down") and
// answers further application messages with BusinessMessageReject reason 4,
// while logged-on sessions stay connected and keep receiving reports. The
// server quiesces the gateway, drains the pipeline (every report reaches
// Deliver), then calls Stop, which waits (up to 5 s) until the senders have
// handed every queued report of a logged-on session to QuickFIX, then stops the
// acceptor: QuickFIX sends each session's queued messages before its Logout.
//
// # Ordering
//
// Reports for one session leave in event order: Deliver is called in order from
// one goroutine and appends to the session's FIFO; one sender per session takes
// them from its head (a batch it could not hand over goes back to the head);
// QuickFIX numbers and queues them in that order.
//
// # Known limits of QuickFIX/Go
//
// QuickFIX/Go v0.9.10 hands each outgoing message to the connection's writer
// goroutine over an unbuffered channel, with a non-blocking send
// (session.sendBytes); when the writer is busy in its write system call the
// session loop re-signals itself and spins (session.SendAppMessages ->
// sendQueued(false) -> notifyMessageOut). Under load every busy session burns a
// core; on an oversubscribed machine the spinning starves the writers and
// throughput collapses: on a loaded 2-core VM, 4,000 orders over two sessions
// took 67 s, against 40,000 in 4.8 s with the channels buffered (1024) in
// acceptor.go and initiator.go (third_party/quickfix/PATCH.md). An earlier
// workaround, a log wrapper yielding after each hand-over so the writer ran at
// once, is gone: with the buffered channel it only cost a trip through the
// scheduler per message and defeated write coalescing (bench fix at 10k/s, two
// runs each: p50 2.2-2.3 ms, p99 12-26 ms with it; 1.5-2.2 ms, 5.8-7.4 ms
// without).
//
// A client that stops reading blocks its QuickFIX session's heartbeats and
// session-level messages (blocking writes under the send lock); since
// quickfixgo/quickfix#615 the session loop also spun while its writer's channel
// was full, which the matchd patch replaces by the writer waking the session
// after each write (PATCH.md). The bound logs such a client out and closes its
// connection; until then QuickFIX's Acceptor.Stop waits for it, so a graceful
// shutdown can take up to that second.
//
// An acceptor connection whose client keeps sending after its session stopped
// (e.g. through a shutdown) leaves QuickFIX's reader goroutine blocked forever
// on an unbuffered channel (connection.go:42): harmless at exit, a small leak
// per such connection otherwise.
package gateway
