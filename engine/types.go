package engine

// MaxIDLen is the longest ClOrdID the engine stores. Longer ones are refused by the
// gateway before they reach the ring (the engine keeps IDs in fixed arrays so that
// commands, events and orders hold no pointers).
const MaxIDLen = 39

// ID is a client order identifier (ClOrdID) kept inline: N bytes of B are used.
// IDs compare with ==; the zero ID is "absent".
type ID struct {
	N uint8
	B [MaxIDLen]byte
}

// MakeID copies s into an ID. It reports false when s is longer than MaxIDLen.
func MakeID(s string) (ID, bool) {
	var id ID
	if len(s) > MaxIDLen {
		return id, false
	}
	id.N = uint8(copy(id.B[:], s))
	return id, true
}

// MakeIDBytes is MakeID for a byte slice; it does not allocate.
func MakeIDBytes(b []byte) (ID, bool) {
	var id ID
	if len(b) > MaxIDLen {
		return id, false
	}
	id.N = uint8(copy(id.B[:], b))
	return id, true
}

// Canonicalize zeroes the bytes past N, so that equal IDs compare equal and
// encode identically. It reports false when N is larger than MaxIDLen.
func (id *ID) Canonicalize() bool {
	if id.N > MaxIDLen {
		return false
	}
	clear(id.B[id.N:])
	return true
}

// Bytes returns the used part of the ID. The slice aliases id.
func (id *ID) Bytes() []byte { return id.B[:id.N] }

// String returns the ID as a string (allocates; not for the hot path).
func (id ID) String() string { return string(id.B[:id.N]) }

// Side of an order. Values are FIX Side(54).
type Side uint8

// Sides.
const (
	Buy  Side = 1
	Sell Side = 2
)

// OrdType is FIX OrdType(40).
type OrdType uint8

// Order types.
const (
	Market OrdType = 1
	Limit  OrdType = 2
)

// TIF is FIX TimeInForce(59).
type TIF uint8

// Times in force. DAY is the default.
const (
	Day TIF = 0
	GTC TIF = 1
	IOC TIF = 3
	FOK TIF = 4
)

// Kind says what a Command asks for.
type Kind uint8

// Command kinds.
const (
	// KindNew is a NewOrderSingle (D).
	KindNew Kind = 1
	// KindCancel is an OrderCancelRequest (F).
	KindCancel Kind = 2
	// KindReplace is an OrderCancelReplaceRequest (G).
	KindReplace Kind = 3
	// KindEndOfDay closes the trading day: every resting DAY order expires
	// (ExecType=C) and the ClOrdID history is forgotten, so ClOrdIDs may be reused.
	KindEndOfDay Kind = 4
	// KindStatus is an OrderStatusRequest (H): OrigClOrdID names the order asked
	// about (the request's ClOrdID(11)), ClOrdID carries OrdStatusReqID(790)
	// (empty when absent), Side and Symbol as sent. It changes no state; the
	// engine answers with one EvStatus. It is journaled like every command, so
	// the answer is sequenced after every report already released to the session.
	KindStatus Kind = 5
	// KindMassCancel is an OrderMassCancelRequest (q), or a cancel on disconnect:
	// Type carries the scope (MassBySymbol, MassAll, MassOnDisconnect, or an
	// unsupported MassCancelRequestType as sent), Symbol the instrument for
	// MassBySymbol (NoSymbol when unknown), Side 0 for both sides or Buy/Sell
	// for one, ClOrdID the request's. Only Owner's resting orders are canceled.
	KindMassCancel Kind = 6
)

// Scopes of a KindMassCancel, carried in Command.Type. MassBySymbol and MassAll
// are MassCancelRequestType(530) values 1 and 7; any other value below
// MassOnDisconnect is a type the venue does not support (rejected).
const (
	MassBySymbol OrdType = 1
	MassAll      OrdType = 7
	// MassOnDisconnect cancels all of the owner's resting orders because its
	// session logged out or dropped (CancelOnDisconnect=Y). No
	// OrderMassCancelReport is produced: only an EvCanceled per order.
	MassOnDisconnect OrdType = 100
)

// Reason is a business reject reason. Values below 100 are the FIX codes the
// contract names: OrdRejReason(103) for rejected orders, CxlRejReason(102) for
// rejected cancels and replaces.
type Reason uint8

// Reject reasons.
const (
	ReasonNone Reason = 0
	// ReasonTooLate is CxlRejReason 0: the order is already filled, canceled or expired.
	ReasonTooLate Reason = 0
	// ReasonUnknownSymbol is OrdRejReason 1.
	ReasonUnknownSymbol Reason = 1
	// ReasonUnknownOrder is CxlRejReason 1 (also another session's order).
	ReasonUnknownOrder Reason = 1
	// ReasonDuplicate is OrdRejReason 6 / CxlRejReason 6: the ClOrdID was already used.
	ReasonDuplicate Reason = 6
	// ReasonBadQty is OrdRejReason 13: quantity zero, negative, fractional or too large.
	ReasonBadQty Reason = 13
	// ReasonOther is 99: bad price (missing, <= 0, off the tick grid, outside the
	// band), capacity exhausted, a cancel or replace whose Side or Symbol differs
	// from the order's, or an unsupported change in a replace.
	ReasonOther Reason = 99
)

// Invalid is set by the decoder (the gateway) on a command whose fields could not
// be represented, so that the engine rejects it like any other business error and
// the reject is journaled and numbered like every other event.
type Invalid uint8

// Decoder-detected problems.
const (
	InvalidNone Invalid = iota
	// InvalidQty: the quantity was fractional or did not fit.
	InvalidQty
	// InvalidTick: the price was not on the symbol's tick grid.
	InvalidTick
	// InvalidPrice: the price was unparseable as a positive decimal or did not fit.
	InvalidPrice
)

// NoSymbol is the Symbol index the decoder gives an unknown instrument.
const NoSymbol = ^uint32(0)

// Command is one sequenced request to the engine. It holds no pointers, so it can
// live in a preallocated ring slot and be journaled by copying its bytes.
type Command struct {
	// Seq is the sequence number the sequencer assigned; it becomes the OrderID of
	// an accepted new order. Strictly increasing.
	Seq uint64
	// Time is the sequencer's timestamp (Unix nanoseconds): the TransactTime of
	// every event this command causes. The engine never reads a clock.
	Time int64
	// Kind of request.
	Kind Kind
	// Side, Type and TIF as sent (new and replace).
	Side Side
	Type OrdType
	TIF  TIF
	// Invalid is set by the decoder for fields it could not represent.
	Invalid Invalid
	// Owner is the session that sent the command. ClOrdIDs are scoped to it.
	Owner uint32
	// Symbol is the instrument index in Config.Symbols, or NoSymbol.
	Symbol uint32
	// Price in ticks (LIMIT only; ignored for MARKET).
	Price int64
	// Qty is OrderQty(38) in whole units.
	Qty int64
	// ClOrdID of this request.
	ClOrdID ID
	// OrigClOrdID names the order to cancel or replace.
	OrigClOrdID ID
	// Received is when the gateway decoded the request (Unix nanoseconds), for
	// stage-latency metrics only: it is not journaled and the engine never reads it.
	Received int64
}

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds. Each maps to one outbound FIX message.
const (
	// EvAccepted: ExecutionReport ExecType=0 (New).
	EvAccepted EventKind = 1
	// EvFill: ExecutionReport ExecType=F (Trade) for one side of one match.
	EvFill EventKind = 2
	// EvCanceled: ExecutionReport ExecType=4, for a cancel request, or for the
	// unfilled remainder of an IOC/MARKET order or an unfillable FOK.
	EvCanceled EventKind = 3
	// EvReplaced: ExecutionReport ExecType=5.
	EvReplaced EventKind = 4
	// EvRejected: ExecutionReport ExecType=8 for a refused new order.
	EvRejected EventKind = 5
	// EvCancelRejected: OrderCancelReject (9) for a refused cancel or replace.
	EvCancelRejected EventKind = 6
	// EvExpired: ExecutionReport ExecType=C for a DAY order at end of day.
	EvExpired EventKind = 7
	// EvStatus: ExecutionReport ExecType=I answering a KindStatus. ClOrdID is the
	// order's ClOrdID as asked, OrigClOrdID carries the OrdStatusReqID (empty
	// when none). Status, CumQty, LeavesQty, Notional, OrderQty, Price, OrderID
	// describe the order (a finished one from the ClOrdID history); an unknown
	// order (or another session's) has Status StatusRejected, Reason
	// ReasonUnknownOrderStatus and OrderID 0.
	EvStatus EventKind = 8
	// EvMassCancelReport: OrderMassCancelReport (r) answering a KindMassCancel
	// (not produced for MassOnDisconnect). ClOrdID is the request's; ResponseTo
	// carries MassCancelRequestType(530) as sent; Status is StatusCanceled when
	// accepted (MassCancelResponse(531) = the request type) or StatusRejected
	// (MassCancelResponse 0) with Reason the MassCancelRejectReason(532);
	// OrderQty is TotalAffectedOrders(533); Symbol and Side as requested. It
	// precedes the EvCanceled of each order it cancels.
	EvMassCancelReport EventKind = 9
)

// ReasonUnknownOrderStatus is OrdRejReason 5 (unknown order) on an EvStatus for
// an order the session does not have.
const ReasonUnknownOrderStatus Reason = 5

// MassCancelRejectReason(532) values on a rejected EvMassCancelReport.
const (
	// MassRejectNotSupported: the MassCancelRequestType is not supported.
	MassRejectNotSupported Reason = 0
	// MassRejectUnknownSymbol: invalid or unknown security.
	MassRejectUnknownSymbol Reason = 1
)

// OrdStatus is FIX OrdStatus(39).
type OrdStatus uint8

// Order statuses (FIX character values).
const (
	StatusNew             OrdStatus = '0'
	StatusPartiallyFilled OrdStatus = '1'
	StatusFilled          OrdStatus = '2'
	StatusCanceled        OrdStatus = '4'
	StatusReplaced        OrdStatus = '5'
	StatusRejected        OrdStatus = '8'
	StatusExpired         OrdStatus = 'C'
)

// Event is one execution event, addressed to Owner. It carries every field the
// report needs, so the publisher formats it without looking anything up.
type Event struct {
	// ExecID is unique and increases by one per event over the life of the engine.
	ExecID uint64
	// Seq of the command that caused the event.
	Seq uint64
	// Time is the causing command's timestamp (TransactTime).
	Time int64
	// OrderID is the Seq of the command that created the order (0 when the event
	// is about a request that created no order).
	OrderID uint64
	Kind    EventKind
	Status  OrdStatus
	Side    Side
	Type    OrdType
	TIF     TIF
	// Reason for EvRejected/EvCancelRejected; Invalid echoes the decoder's finding.
	Reason Reason
	// ResponseTo is CxlRejResponseTo(434) for EvCancelRejected: 1 cancel, 2 replace.
	ResponseTo uint8
	// Text code: a stable code the gateway maps to Text(58) (see TextOf).
	Text   Text
	Owner  uint32
	Symbol uint32
	// Price is the order's limit price in ticks (0 for MARKET).
	Price int64
	// OrderQty is the order's current quantity.
	OrderQty int64
	// LastQty/LastPx describe this fill (EvFill only).
	LastQty int64
	LastPx  int64
	// CumQty and LeavesQty after the event.
	CumQty    int64
	LeavesQty int64
	// Notional is the sum of fill qty * price in ticks; AvgPx = Notional / CumQty
	// exactly (the gateway formats the quotient to the needed decimals).
	Notional int64
	// ClOrdID the report is sent on; OrigClOrdID for cancel/replace.
	ClOrdID     ID
	OrigClOrdID ID
	// Last is set on the last event a command caused, so that a consumer of the
	// event stream (market data) knows where one command's effects end. It is
	// derived from the stream, not encoded by AppendEvent.
	Last bool
}

// Text identifies the reason phrase of a reject or cancel. The engine stays free of
// strings in events; TextOf gives the phrase.
type Text uint8

// Texts.
const (
	TextNone Text = iota
	TextUnknownSymbol
	TextBadQty
	TextQtyTooLarge
	TextNoPrice
	TextBadPrice
	TextOffTick
	TextOutsideBand
	TextDuplicateClOrdID
	TextUnknownOrder
	TextTooLate
	TextBookFull
	TextIOCRemainder
	TextMarketNoLiquidity
	TextFOKUnfillable
	TextCanceledOnRequest
	TextSideDiffers
	TextTIFChange
	TextTypeChange
	TextSymbolDiffers
	TextEndOfDay
	TextUnknownKind
	TextBadSide
	TextBadType
	TextBadTIF
	TextMassCanceled
	TextCanceledOnDisconnect
	TextMassNotSupported
	textCount
)

var texts = [textCount]string{
	TextNone:                 "",
	TextUnknownSymbol:        "unknown symbol",
	TextBadQty:               "quantity must be a positive whole number",
	TextQtyTooLarge:          "quantity exceeds the maximum order size",
	TextNoPrice:              "limit order without a price",
	TextBadPrice:             "price must be greater than zero",
	TextOffTick:              "price is not on the tick grid",
	TextOutsideBand:          "price outside the symbol's price band",
	TextDuplicateClOrdID:     "duplicate ClOrdID",
	TextUnknownOrder:         "unknown order",
	TextTooLate:              "order is no longer live (filled, canceled, replaced or expired)",
	TextBookFull:             "order capacity exhausted",
	TextIOCRemainder:         "IOC remainder canceled",
	TextMarketNoLiquidity:    "market order remainder canceled: no more liquidity",
	TextFOKUnfillable:        "FOK order could not be filled completely",
	TextCanceledOnRequest:    "canceled on request",
	TextSideDiffers:          "side differs from the order's",
	TextTIFChange:            "replace cannot change TimeInForce",
	TextTypeChange:           "replace must be a LIMIT order",
	TextSymbolDiffers:        "symbol differs from the order's",
	TextEndOfDay:             "DAY order expired at end of day",
	TextUnknownKind:          "unknown command",
	TextBadSide:              "unsupported Side",
	TextBadType:              "unsupported OrdType",
	TextBadTIF:               "unsupported TimeInForce",
	TextMassCanceled:         "canceled by mass cancel request",
	TextCanceledOnDisconnect: "canceled on disconnect",
	TextMassNotSupported:     "MassCancelRequestType not supported: 1 (by Symbol) or 7 (all orders)",
}

// TextOf returns the reason phrase for t.
func TextOf(t Text) string {
	if int(t) < len(texts) {
		return texts[t]
	}
	return "unknown"
}
