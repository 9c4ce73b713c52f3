// Package fixbench is an end-to-end load generator for a running matchd:
// QuickFIX/Go initiators (FIX 4.4) send NewOrderSingles open loop at a fixed
// rate and the latency of each order is measured from its *intended* send
// time to the first ExecutionReport for it (the ack), and, for orders that
// cross, to their fill.
//
// # Load
//
// Sessions senders (one goroutine per FIX session, bench.RunLoads) share one
// schedule: order i of the whole run is due at start + i/Rate and is sent by
// session i mod Sessions. A sender that falls behind sends late, but every
// order is still measured from its intended time (coordinated omission
// corrected; see package bench).
//
// Every order is a LIMIT order of Qty on one of Symbols (2 price decimals),
// around a crossing price P:
//
//   - takers (a fraction Cross of the orders): IOC buys at P. Each follows,
//     in the same session, a maker: a DAY sell at P. A session's orders are
//     sequenced in order, so a maker always rests when its taker arrives
//     and each taker fills at once; the book holds at most one maker per
//     session. Makers are as many as takers.
//   - passive (the rest): buys 1..100 ticks below P and sells above, which
//     never cross; IOC by default (acknowledged, then canceled: the book
//     does not grow), or DAY with PassiveDay (they rest and stay).
//
// ClOrdIDs are "<run tag>.<n>", n the order's index within its session and
// the run tag unique per run (the server remembers ClOrdIDs), so an
// ExecutionReport is matched to its order by parsing n: a preallocated
// index, no map. TransactTime and HandlInst are not sent (matchd does not
// require them).
//
// # Closed loop
//
// With InFlight N > 0 each session instead sends its next order as soon as
// it has fewer than N unacknowledged (Rate only caps the pace): the "orders
// in flight" measure most published FIX benchmarks use. Latency is still
// measured from when an order became due (its predecessor's ack), so the
// client's own delay counts. It shows the round trip of an idle system (N=1)
// and, with enough in flight, the saturation throughput; it cannot show how
// queues grow under a given offered rate, which is what open loop is for.
//
// # What is checked
//
// The ack is the first ExecutionReport: ExecType 0 (New), or 8 (Rejected,
// counted as rejected). An order with no ExecutionReport within Grace after
// the last send is lost (a BusinessMessageReject, e.g. a rate limit, leaves
// its order lost and is counted as refused). An ack slower than Late counts
// as late. Takers without a fill are counted as missing fills.
//
// # Market-data subscribers
//
// With MDSubscribers N, N more sessions (SenderCompIDs SenderPrefix+"MD1",
// +"MD2", ...) log on with the load's sessions, and each sends one
// MarketDataRequest (CONTRACT §6: SubscriptionRequestType 1, MarketDepth 0,
// MDUpdateType 1, entry types bid, offer and trade, every symbol of the
// load). The load starts once each has its snapshot (W) of every symbol; a
// subscription refused (MarketDataRequestReject, or any reject) fails the
// run. From then on they read everything they receive and count it: X
// messages and their MDEntries (one X may cover several commands and
// symbols: the server packs a subscriber's backlog into one message, so
// messages and entries are counted apart), the MDEntries of every W and X
// (NoMDEntries) and the trade entries among them, snapshots during the load (the server resynced a
// subscriber that fell behind, or answered a subscription renewed after a
// logout), rejects and logouts (a subscriber logged out logs on again and
// subscribes anew). The counts are in Result.MD and in the fix-ack run's
// counters (md_*); comparing the ack latency with and without subscribers
// shows what market data costs the order path. The subscribers run in this
// process: the CPU they spend parsing counts as client CPU.
//
// # Stuck sessions
//
// With StuckSessions N, N more sessions (SenderCompIDs SenderPrefix+"STUCK1",
// ...) log on over a raw socket with a 4 KiB receive buffer before the load,
// then send StuckRate orders per second each (IOC bids at 1.00, which never
// trade: two reports each, for that session only) and never read. One the
// server disconnects (a slow consumer) logs on again with ResetSeqNumFlag=Y
// and goes on. Result.StuckSent and StuckLogouts say what they did; comparing
// the ack latency with and without them shows what a client that does not
// read costs everybody else.
//
// # Server stages
//
// With a metrics address, the run first clears and afterwards fetches the
// server's per-stage histograms from GET /debug/stages (reset with
// ?reset=1), so a slow tail can be traced to a stage. An unreachable
// endpoint is reported and the run goes on.
package fixbench
