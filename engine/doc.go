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
//     the history, which includes accepted mass cancels' ClOrdIDs, but not an
//     order that expired at the last end of day, see End of day): 6.
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
// Checks, in this order: ClOrdID already used (as for new orders, check 5):
// reject 6. OrigClOrdID not the
// current ClOrdID of one of this owner's live orders: 0 if it is in the history
// (filled, canceled, replaced away, expired at the last end of day), else 1 (another owner's order is unknown,
// and so is a mass cancel's ClOrdID, which names no order).
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
// forgotten: a new trading day may reuse ClOrdIDs. GTC orders stay. Then each
// order that expired is recorded, in that order, as an expired entry of the
// history (HistoryEntry.Expired: OrdStatus C and the order's details, LeavesQty
// 0), so that the contract's OrdStatus C is what a client hears about it on the
// next day (CONTRACT §4 and §7):
//
//   - A cancel or replace naming it as OrigClOrdID is rejected as too late
//     (CxlRejReason 0) with OrdStatus C.
//   - A status request naming it reports OrdStatus C with its details.
//   - It does not make its ClOrdID a duplicate: a new order, cancel, replace or
//     mass cancel that uses it as its own ClOrdID is checked as if it were
//     unused and, once accepted (after every check of its own, before it
//     records anything), drops the expired entry and takes the key: from then
//     on the ClOrdID names the new order (or request). A request that is
//     rejected leaves the expired entry as it was.
//   - The next end of day clears these entries like all others, then records
//     that day's expired orders.
//
// Expired entries live in the same bounded ring as the others and are evicted
// oldest first; being recorded first after the clear, they are always the
// oldest entries. Dropping one moves the oldest entry (itself expired) into
// its slot, so the drop costs O(1); this reorders only entries recorded by the
// same end of day, and the order is part of State like any other. The engine
// remembers when the current day opened (DayOpened: the Time of the first command
// since the last end of day, kept in snapshots) so that a server restarted after
// a scheduled end of day it missed can tell, and run it.
//
// # Order status (KindStatus)
//
// An OrderStatusRequest gets exactly one EvStatus (ExecType I) on ClOrdID = the
// ClOrdID asked about (the command's OrigClOrdID), with OrigClOrdID = the
// OrdStatusReqID (the command's ClOrdID; empty when absent). It changes no
// state but LastSeq and the ExecID counter: neither identifier is recorded or
// checked for duplicates. (Like every command other than end of day it opens
// the trading day for DayOpened.) The answer, looked up by the owner's
// ClOrdID:
//
//   - The current ClOrdID of a live order: its OrdStatus (0 or 1), OrderID,
//     Symbol, Side, Type, TIF, Price, OrderQty, CumQty, LeavesQty, Notional.
//   - A ClOrdID in the history: its Status and the order's details as the
//     entry holds them, LeavesQty 0 for a finished order (2 filled, 4
//     canceled, including IOC, MARKET and FOK remainders and mass cancels, C
//     expired at the last end of day; a
//     cancel request's own ClOrdID names the canceled order, while a mass
//     cancel request's names none and is unknown, below). A ClOrdID
//     replaced away reports the order as that replace left it: the status
//     right after the replace (0, 1, or 2 when it finished the order), the new
//     OrderQty and Price, CumQty and Notional then, and LeavesQty = OrderQty -
//     CumQty while that status is 0 or 1. It is not updated when the order
//     trades or finishes later under a newer ClOrdID: the current ClOrdID
//     tells the current state.
//   - Side, then Symbol, of the request not the order's (live or in the
//     history): answered as unknown (below) with Text TextSideDiffers or
//     TextSymbolDiffers, as a cancel with a wrong Side or Symbol is rejected.
//   - Unknown, another owner's, or a mass cancel's ClOrdID: OrdStatus 8, Reason ReasonUnknownOrderStatus
//     (OrdRejReason 5), Text TextUnknownOrder, OrderID 0, zero quantities and
//     prices, Type and TIF 0, Symbol and Side as sent.
//
// The history is bounded and cleared at end of day, so a ClOrdID evicted from
// it, every order finished the day before (other than by expiring at the last
// end of day), and an order that expired at an earlier end of day, is
// unknown. A history
// entry restored from a version 3 snapshot has no details: it reports its
// Status with OrderID 0, zero quantities and prices, Symbol and Side as sent
// (they cannot be compared); one restored from version 1 or 2 (Status 8, not
// known) is answered as unknown.
//
// # Mass cancel (KindMassCancel)
//
// The scope is in the command's Type. For an OrderMassCancelRequest (MassBySymbol
// or MassAll, or any other value as sent) the engine first emits one
// EvMassCancelReport on the request's ClOrdID with ResponseTo = the
// MassCancelRequestType as sent, Owner, and Symbol and Side as requested.
// Checks, in this order; the first that fails rejects the request (Status 8),
// nothing is canceled and nothing is recorded:
//
//  1. ClOrdID already used by this owner (a live order's current ClOrdID or
//     one in the history other than an expired entry, as for a cancel), else
//     Reason ReasonOther
//     (MassCancelRejectReason 99), TextDuplicateClOrdID. As for cancels and
//     replaces it comes first, so a reused ClOrdID is reported as such
//     whatever else is wrong with the request.
//  2. Type MassBySymbol or MassAll, else Reason MassRejectNotSupported,
//     TextMassNotSupported.
//  3. Side 0 (both sides), Buy or Sell, else Reason ReasonOther, TextBadSide.
//  4. For MassBySymbol, Symbol configured, else Reason MassRejectUnknownSymbol,
//     TextUnknownSymbol. MassAll ignores Symbol.
//
// An accepted report has Status 4 (the gateway sends MassCancelResponse = the
// request type) and OrderQty = TotalAffectedOrders, the number of EvCanceled
// that follow it (0 when nothing matched). The request's ClOrdID is then
// recorded in the ClOrdID history (after the canceled orders' ClOrdIDs, as a
// cancel request's follows its order's), because CONTRACT §4 makes a ClOrdID
// the session already used on an accepted request a duplicate: a later new
// order, cancel, replace or mass cancel with it is rejected as one (6, 6, 99).
// It names a request, not an order, so it is recorded as a request entry
// (HistoryEntry.Request, OrdStatus 8, no details): a cancel or replace naming
// it as OrigClOrdID is rejected as unknown (1, OrdStatus 8) and a status
// request naming it is answered as unknown (OrdStatus 8, OrdRejReason 5). A
// rejected mass cancel, like a rejected order, leaves its ClOrdID unused.
//
// MassOnDisconnect (a session with CancelOnDisconnect=Y logged out or dropped)
// cancels every resting order of the owner, ignoring Side, Symbol and ClOrdID
// (the gateway sends none; nothing is checked or recorded for it), is never
// rejected and has no report: only the EvCanceled, none at all when the owner
// has nothing resting.
//
// Each canceled order, only the owner's, in canonical book order (symbols
// ascending, bids best first, then asks best first, oldest first within a
// price), gets EvCanceled on its current ClOrdID with no OrigClOrdID, OrdStatus
// 4, LeavesQty 0 and Text TextMassCanceled (TextCanceledOnDisconnect for
// MassOnDisconnect); it is retired to the history as canceled.
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
// EvStatus and EvMassCancelReport are described above. Every command's last
// event has Last set; a command without events (end of day or a cancel on
// disconnect with nothing to do) sets nothing. Text is set on rejects,
// cancels and expiries (see TextOf).
//
// # ClOrdID history
//
// Duplicate detection covers every live order's current ClOrdID and the last
// Config.History finished ClOrdIDs, engine-wide, in the order they finished:
// resting orders filled by a match as they fill, then the incoming order if it is
// done; for a cancel, the order's ClOrdID then the request's; for a mass cancel,
// each canceled order's ClOrdID in the order canceled, then the request's (a
// request entry, see Mass cancel); for a replace, the old ClOrdID at the moment of
// the replace (and the new one if the order is done); at end of day, after it is
// cleared, each order it expired (an expired entry, see End of day, which does
// not count for duplicate detection).
// Bounding it keeps memory fixed; end of day clears it, so a ClOrdID of the
// day before is unknown (1, OrdStatus 8), except that of an order that expired
// at the last end of day (0, OrdStatus C).
//
// Each entry keeps the OrdStatus a cancel reject naming it reports:
// 2 for an order that finished filled (also by a replace down to CumQty), 4 for
// one canceled (IOC, MARKET and FOK remainders too) and for a cancel request's
// own ClOrdID, and for a ClOrdID replaced away the order's status right after
// that replace (0, 1, or 2 when the replace finished it), C for an expired
// entry, and 8 for a request entry (with reason 1, unknown, rather than 0).
// The entry is not
// updated when the order trades or finishes later under a newer ClOrdID. With
// it the entry keeps the order's details at that moment (OrderID, Symbol,
// Side, Type, TIF, Price, OrderQty, CumQty, Notional) for status requests.
// Status and details are part of State, of its hash and of snapshots (version
// 5, which also marks request entries and expired entries with a kind byte; a
// version 4 snapshot restores with neither). The hash gives request and expired
// entries their own tags ('R', 'X'), so a state without them hashes as before
// they existed.
package engine
