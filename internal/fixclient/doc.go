// Package fixclient is the FIX 4.4 client behind cmd/fixclient: one
// QuickFIX/Go initiator session to matchd, driven by short text commands
// (Usage lists them), for a newcomer's first trade and for scripts.
//
// # Commands
//
// Commands come one per line from a script, from the command line (several
// separated by ';'), or from an interactive prompt. A script and the
// command line are parsed in full before anything is sent, so a typo on a
// late line sends nothing; every bad line is reported with its number.
//
// Each request waits for its answer before the next command runs: an order
// for its first ExecutionReport (New or Rejected), a cancel or replace for
// its ExecutionReport or OrderCancelReject, status for the ExecutionReport
// ExecType=I, mass-cancel for the OrderMassCancelReport, book for its first
// snapshot (W) or MarketDataRequestReject (Y); a Reject (3) or
// BusinessMessageReject (j) that refers to the request (RefSeqNum, or
// BusinessRejectRefID) answers it too. An answer that is a reject is
// printed, not an error: the server has spoken. No answer within the
// timeout is an error. expect EVENT waits until such a message has arrived
// (earlier ones count: a fill that came with the order's acknowledgement
// satisfies a later "expect filled"); each message satisfies one expect. A
// ClOrdID that reads as a duration (say "5s") must be followed by a timeout
// to be taken as a ClOrdID.
//
// Messages are printed as they arrive, one line each, starting with the
// CompIDs ("ENGINE>ALICE"): ExecutionReports, OrderCancelRejects,
// OrderMassCancelReports, Rejects, BusinessMessageRejects,
// MarketDataRequestRejects and News; every W or X as "book SYMBOL
// snapshot/update" with its entries and the top of the book after it. An X
// may hold entries of several symbols and commands (the server batches a
// backlog): each entry goes to the book of its own Symbol, in order, and the
// X prints one line per symbol it touches.
// Requests the client sends are printed the same way ("ALICE>ENGINE"),
// with the ClOrdID it chose.
//
// With Options.Redraw (the binary sets it when standard output is a
// terminal and no script is given), book draws the live depth ladder and
// the last trades in place until interrupted, then unsubscribes
// (SubscriptionRequestType 2); other messages show under the ladder.
// Otherwise book subscribes, prints each update as a line, and the next
// command runs at once.
//
// # ClOrdIDs and orders
//
// Generated ClOrdIDs (also used for MDReqID and OrdStatusReqID) are
// "<run>.<n>": run is the client's start time in base-36 milliseconds, so
// they do not repeat across runs (the server rejects a ClOrdID its session
// already used, and remembers them across restarts), and n counts the
// requests of the run. ClOrdIDs are scoped to the session, so the
// SenderCompID is not part of them. id=CLORDID chooses one.
//
// cancel, replace and status must repeat the order's Side and Symbol (and
// a replace its TimeInForce), so the client remembers every order it sends
// by ClOrdID, and any order it receives a report of (a fill that waited
// for its next logon teaches it that order). Every ClOrdID of an order
// names it: after a replace, cancel takes the original ClOrdID or the new
// one and sends the current one as OrigClOrdID. For an order it does not
// know, cancel and status take the side and symbol explicitly.
//
// # Sequence numbers
//
// matchd keeps each CompID's FIX sequence numbers across logons and
// restarts (ResetOnLogon=N in its embedded configuration). The client
// therefore either resets them or keeps them too:
//
//   - By default (no StoreDir) it keeps them in memory and logs on with
//     ResetSeqNumFlag=Y, which resets both sides to 1: every run starts
//     clean, whatever an earlier run or the server remembers. Reports that
//     waited for the session while it was away (the gateway's offline
//     queue) still arrive after the logon. What is lost is a resend of a
//     report the server sent while the connection was dropping.
//   - With StoreDir it keeps them in a QuickFIX file store there and logs on
//     without a reset, so a gap is filled by a ResendRequest, and it keeps
//     its orders in orders-SENDER-TARGET.txt there (one line per order,
//     alias and replacement), so a later run can cancel them. When the
//     server asks for a resend, the client's old requests are not sent
//     again (a gap fill replaces them), so a stale order is never entered
//     twice. If the numbers no longer match, the session fails with the
//     reason printed: a new or deleted store directory while the server
//     kept its numbers gets the logon refused ("MsgSeqNum too low,
//     expecting 7 but received 1"); a server whose data directory was wiped
//     sends numbers the client finds too low, and the client logs out
//     ("MsgSeqNum too low" in the error). Either way, Reset (the binary's
//     -reset) logs on once with ResetSeqNumFlag=Y: both sides start from 1
//     again, and the orders file is kept.
package fixclient
