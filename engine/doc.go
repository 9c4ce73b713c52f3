// Package engine is the matching core: continuous price-time matching over
// preallocated order books. It is pure logic: it imports only the standard library,
// reads no clock, does no I/O and starts no goroutines. It is single-threaded: an
// Engine must be used by one goroutine at a time.
//
// The one entry point is (*Engine).Apply(cmd, out). The command carries its
// sequence number and timestamp; events are appended to a caller-owned buffer.
// Outputs are a pure function of the sequence of commands applied.
//
// # Identifiers
//
//   - OrderID is the Seq of the command that created the order.
//   - ExecID counts events from 1 over the engine's life (rejects included).
//   - TransactTime of every event is the causing command's Time.
//
// # New orders (KindNew)
//
// Checks, in this order; the first that fails rejects the order (EvRejected,
// OrdStatus 8, OrderID 0, CumQty 0, LeavesQty 0; the ClOrdID is not consumed):
//
//  1. Side, OrdType, TimeInForce supported, else 99.
//  2. Symbol configured, else 1.
//  3. Quantity: decoder-flagged (fractional) or <= 0, or > MaxQty: 13.
//  4. LIMIT price: decoder-flagged off-tick or unparseable, missing (0), <= 0, or
//     outside the symbol's band [MinPrice, MaxPrice]: 99. MARKET ignores Price.
//  5. ClOrdID already used by this owner (a live order's current ClOrdID or one in
//     the history): 6.
//  6. Capacity, for LIMIT DAY/GTC only (the kinds that may rest): the engine
//     already holds MaxOrders resting orders, or the order's price has no level
//     and MaxLevels levels are in use: 99. The check is made before matching and
//     is deliberately conservative, so it never depends on how matching goes.
//
// An accepted order gets EvAccepted (ExecType 0, OrdStatus 0, LeavesQty=OrderQty).
// A FOK first sums the opposite side's quantity at acceptable prices; if that is
// less than its quantity it is canceled at once (EvCanceled, CumQty 0) and trades
// nothing. Then the order matches against the best opposite level while it
// crosses (buy price >= ask, sell price <= bid; MARKET crosses everything), oldest
// order first, at the resting order's price. Each match emits two EvFill: first
// the incoming order's, then the resting order's. What remains: MARKET (any TIF)
// and IOC are canceled (EvCanceled, LeavesQty 0); DAY and GTC LIMIT rest at the
// back of their level.
//
// # Cancel (KindCancel)
//
// Checks, in this order: ClOrdID already used: reject 6. OrigClOrdID not the
// current ClOrdID of one of this owner's live orders: 0 if it is in the history
// (filled, canceled, replaced away), else 1 (another owner's order is unknown).
// Side, then Symbol, of the request not the order's: 99 (TextSideDiffers,
// TextSymbolDiffers; an unknown symbol differs too), and the order stays as it
// was. A reject is EvCancelRejected (OrderCancelReject, CxlRejResponseTo 1) with
// OrdStatus the order's current status: a live order's 0 or 1, a finished
// ClOrdID's status from the history (see below), 8 only when the OrigClOrdID is
// unknown. Success is EvCanceled on the request's ClOrdID with OrigClOrdID = the
// order's current ClOrdID.
//
// # Replace (KindReplace)
//
// Checks: duplicate ClOrdID (6), unknown or finished OrigClOrdID (1 or 0, as for
// cancel), then 99 for: a different Side or Symbol (as for cancel) or
// TimeInForce, an OrdType other than LIMIT, a bad quantity or price (as for new
// orders), or a new price that needs a level when MaxLevels are in use. Rejects
// are EvCancelRejected with CxlRejResponseTo 2 and OrdStatus as for cancel.
//
// On success the order takes the new ClOrdID, OrderQty and Price and gets
// EvReplaced (ExecType 5) with LeavesQty = OrderQty - CumQty. If the new quantity
// is at or below CumQty the order is finished (OrdStatus 2, LeavesQty 0) and leaves
// the book. It keeps its time priority only when the price is unchanged and the
// quantity is reduced; otherwise it moves to the back of the queue at its new price
// and, if that price crosses, trades at once as the incoming side (fills follow
// the EvReplaced event).
//
// # End of day (KindEndOfDay)
//
// Every resting DAY order expires (EvExpired, ExecType C) in canonical book order
// (symbol, bids best first, asks best first, time), and the ClOrdID history is
// forgotten: a new trading day may reuse ClOrdIDs. GTC orders stay. The engine
// remembers when the current day opened (DayOpened: the Time of the first command
// since the last end of day, kept in snapshots) so that a server restarted after
// a scheduled end of day it missed can tell, and run it.
//
// # Event fields
//
// Every event has ExecID, Seq, Time (the causing command's) and Owner (who gets it).
// Events about an order (EvAccepted, EvFill, EvCanceled, EvReplaced, EvExpired)
// carry that order's OrderID, Side, Type, TIF, Symbol, Price (0 for MARKET),
// OrderQty, CumQty, LeavesQty, Notional and current ClOrdID after the event, with
// OrdStatus 0/1/2 from its quantities, except: EvCanceled has OrdStatus 4 and
// LeavesQty 0 (a cancel request's EvCanceled has the request's ClOrdID and
// OrigClOrdID = the order's ClOrdID); EvReplaced has OrigClOrdID = the replaced
// ClOrdID; EvExpired has OrdStatus C and LeavesQty 0; EvFill adds LastQty/LastPx.
// EvRejected echoes the command: Side, Type, TIF, Symbol, Price (LIMIT only),
// OrderQty, ClOrdID, with OrderID 0 and zero quantities. EvCancelRejected has the
// request's ClOrdID and OrigClOrdID, ResponseTo, Reason, Text, and, when the
// OrigClOrdID names a live order of the owner, that order's OrderID, OrdStatus,
// Symbol and Side; otherwise OrderID 0, the request's Symbol and Side, and
// OrdStatus from the history for a finished ClOrdID or 8 for an unknown one.
// Text is set on rejects, cancels and expiries (see TextOf).
//
// # ClOrdID history
//
// Duplicate detection covers every live order's current ClOrdID and the last
// Config.History finished ClOrdIDs, engine-wide, in the order they finished:
// resting orders filled by a match as they fill, then the incoming order if it is
// done; for a cancel, the order's ClOrdID then the request's; for a replace, the old
// ClOrdID at the moment of the replace (and the new one if the order is done).
// Bounding it keeps memory fixed; end of day clears it, so a DAY order's ClOrdID
// is unknown (1, OrdStatus 8) once it has expired, never reported as C.
//
// Each entry keeps one byte, the OrdStatus a cancel reject naming it reports:
// 2 for an order that finished filled (also by a replace down to CumQty), 4 for
// one canceled (IOC, MARKET and FOK remainders too) and for a cancel request's
// own ClOrdID, and for a ClOrdID replaced away the order's status right after
// that replace (0, 1, or 2 when the replace finished it). The entry is not
// updated when the order trades or finishes later under a newer ClOrdID. The
// status is part of State, of its hash and of snapshots.
package engine
