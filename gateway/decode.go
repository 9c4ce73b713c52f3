package gateway

import (
	"strconv"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// RejectKind classifies the messages the gateway refuses itself, before anything
// reaches the engine: the index into Counters.MessageRejects.
type RejectKind uint8

// Gateway-level rejects.
const (
	// RejectMissingTag: a required tag is absent (Reject(3), SessionRejectReason 1).
	RejectMissingTag RejectKind = iota
	// RejectBadValue: an enumerated value the gateway does not support, e.g.
	// OrdType 3 (Reject(3), SessionRejectReason 5).
	RejectBadValue
	// RejectBadFormat: a number that is not a number (Reject(3), SessionRejectReason 6).
	RejectBadFormat
	// RejectIDTooLong: ClOrdID, OrigClOrdID or OrdStatusReqID longer than
	// engine.MaxIDLen (Reject(3), SessionRejectReason 5).
	RejectIDTooLong
	// RejectUnsupportedMsgType: an application message other than D, F, G, H,
	// q and V (BusinessMessageReject(j), BusinessRejectReason 3).
	RejectUnsupportedMsgType
	// RejectRateLimit: the session exceeded its message rate
	// (BusinessMessageReject(j), BusinessRejectReason 0, Text "rate limit exceeded").
	RejectRateLimit
	// RejectUnavailable: the sink refused the command (shutting down or
	// overloaded) (BusinessMessageReject(j), BusinessRejectReason 4).
	RejectUnavailable
	// NumRejectKinds is the number of RejectKinds.
	NumRejectKinds
)

var rejectKindNames = [NumRejectKinds]string{
	RejectMissingTag:         "missing_tag",
	RejectBadValue:           "bad_value",
	RejectBadFormat:          "bad_format",
	RejectIDTooLong:          "id_too_long",
	RejectUnsupportedMsgType: "unsupported_msg_type",
	RejectRateLimit:          "rate_limit",
	RejectUnavailable:        "unavailable",
}

// String returns a short label for metrics.
func (k RejectKind) String() string {
	if k < NumRejectKinds {
		return rejectKindNames[k]
	}
	return "unknown"
}

// decodeError describes why a message was refused. It is a plain value so that
// the decoder returns it without allocating; text is a constant.
type decodeError struct {
	kind RejectKind
	// reason is the SessionRejectReason when it is not the kind's usual one
	// (0: the kind's).
	reason int
	tag    quickfix.Tag // the offending tag, 0 when none
	text   string
	// got is the offending value (aliases the message; copied into the reject's
	// text at once, truncated).
	got []byte
}

// unsupportedMsgTypeText is the Text of the BusinessMessageReject for an
// application MsgType the gateway does not take.
const unsupportedMsgTypeText = "unsupported MsgType: only D, F, G, H, q and V are accepted"

// decoder turns NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest,
// OrderStatusRequest (decode_status.go) and OrderMassCancelRequest
// (decode_masscancel.go) into engine commands. It holds no per-message state and is safe for concurrent
// use; a successful decode allocates nothing (the first sight of an unknown
// symbol name allocates its string once).
type decoder struct {
	syms *symbolTable
}

// decode fills cmd (all of it, Owner excluded) from msg. It reports false with the
// reason when the message must be refused with a Reject or BusinessMessageReject.
// Business problems the engine judges (unknown symbol, bad quantity, bad price)
// are not errors here: they travel in cmd (Symbol index, Invalid) so that the
// engine rejects them, numbered and journaled like every other outcome.
func (d *decoder) decode(msg *quickfix.Message, cmd *engine.Command) (decodeError, bool) {
	*cmd = engine.Command{}
	mt, rerr := msg.Header.GetBytes(fixtag.MsgType)
	if rerr != nil || len(mt) != 1 {
		return decodeError{kind: RejectUnsupportedMsgType, text: unsupportedMsgTypeText, got: mt}, false
	}
	switch mt[0] {
	case fixtag.MsgTypeNewOrderSingle[0], fixtag.MsgTypeOrderCancelRequest[0], fixtag.MsgTypeOrderCancelReplaceRequest[0],
		fixtag.MsgTypeOrderStatusRequest[0], fixtag.MsgTypeOrderMassCancelRequest[0]:
		if de, twice := repeatedTag(msg.Bytes()); twice {
			return de, false
		}
	}
	switch mt[0] {
	case fixtag.MsgTypeNewOrderSingle[0]:
		cmd.Kind = engine.KindNew
	case fixtag.MsgTypeOrderCancelRequest[0]:
		cmd.Kind = engine.KindCancel
	case fixtag.MsgTypeOrderCancelReplaceRequest[0]:
		cmd.Kind = engine.KindReplace
	case fixtag.MsgTypeOrderStatusRequest[0]:
		return d.decodeStatus(&msg.Body, cmd)
	case fixtag.MsgTypeOrderMassCancelRequest[0]:
		return d.decodeMassCancel(&msg.Body, cmd)
	default:
		return decodeError{kind: RejectUnsupportedMsgType, text: unsupportedMsgTypeText, got: mt}, false
	}
	body := &msg.Body

	// ClOrdID(11), all three.
	var de decodeError
	var ok bool
	if cmd.ClOrdID, de, ok = requiredClOrdID(body); !ok {
		return de, false
	}
	// OrigClOrdID(41), cancel and replace.
	if cmd.Kind != engine.KindNew {
		if cmd.OrigClOrdID, de, ok = requiredID(body, fixtag.OrigClOrdID,
			"required tag missing: OrigClOrdID(41)", "OrigClOrdID(41) longer than 39 characters"); !ok {
			return de, false
		}
	}
	// Symbol(55), all three. Only a new order needs the name of an unknown symbol
	// (its reject echoes it); a cancel or replace whose Symbol differs from the
	// order's is rejected by the engine (OrderCancelReject, CxlRejReason 99).
	sym, ok := required(body, fixtag.Symbol)
	if !ok {
		return missing(fixtag.Symbol, "required tag missing: Symbol(55)"), false
	}
	if cmd.Kind == engine.KindNew {
		cmd.Symbol = d.syms.index(sym)
	} else {
		cmd.Symbol = d.knownSymbol(sym)
	}
	// Side(54), all three.
	if cmd.Side, de, ok = requiredSide(body); !ok {
		return de, false
	}
	if cmd.Kind == engine.KindCancel {
		return decodeError{}, true
	}

	// New and replace: OrderQty(38), OrdType(40), TimeInForce(59), Price(44).
	v, ok := required(body, fixtag.OrderQty)
	if !ok {
		return missing(fixtag.OrderQty, "required tag missing: OrderQty(38)"), false
	}
	qty, inv, ok := parseQty(v)
	if !ok {
		return decodeError{kind: RejectBadFormat, tag: fixtag.OrderQty, text: "OrderQty(38) is not a number", got: v}, false
	}
	cmd.Qty, cmd.Invalid = qty, inv
	if v, ok = required(body, fixtag.OrdType); !ok {
		return missing(fixtag.OrdType, "required tag missing: OrdType(40)"), false
	}
	if len(v) != 1 || (v[0] != '1' && v[0] != '2') {
		return decodeError{kind: RejectBadValue, tag: fixtag.OrdType, text: "unsupported OrdType(40): must be 1 (MARKET) or 2 (LIMIT)", got: v}, false
	}
	cmd.Type = engine.OrdType(v[0] - '0')
	cmd.TIF = engine.Day
	if body.Has(fixtag.TimeInForce) {
		v, _ = body.GetBytes(fixtag.TimeInForce)
		if len(v) != 1 || (v[0] != '0' && v[0] != '1' && v[0] != '3' && v[0] != '4') {
			return decodeError{kind: RejectBadValue, tag: fixtag.TimeInForce, text: "unsupported TimeInForce(59): must be 0 (DAY), 1 (GTC), 3 (IOC) or 4 (FOK)", got: v}, false
		}
		cmd.TIF = engine.TIF(v[0] - '0')
	}
	// A MARKET order's Price is ignored. A LIMIT order without one keeps Price 0,
	// which the engine rejects (OrdRejReason 99, "limit order without a price").
	// A Price that is not a number, or has too many digits, is refused here
	// (Reject(3), reason 6). The price of an unknown symbol cannot be put on a
	// grid (the engine rejects the symbol first); only its format is checked.
	if cmd.Type == engine.Limit && body.Has(fixtag.Price) {
		v, _ = body.GetBytes(fixtag.Price)
		sc := d.syms.config(cmd.Symbol)
		known := sc != nil
		if !known {
			sc = &anyGrid
		}
		ticks, pinv, perr := parsePrice(v, sc)
		switch perr {
		case priceNotANumber:
			return decodeError{kind: RejectBadFormat, tag: fixtag.Price, text: "Price(44) is not a number", got: v}, false
		case priceTooManyDigits:
			return decodeError{kind: RejectBadFormat, tag: fixtag.Price, text: "Price(44) has too many digits", got: v}, false
		}
		if known {
			cmd.Price = ticks
			if cmd.Invalid == engine.InvalidNone {
				cmd.Invalid = pinv
			}
		}
	}
	return decodeError{}, true
}

// anyGrid is the grid on which the price of an unknown symbol is checked for
// its format: whole units.
var anyGrid = engine.SymbolConfig{TickSize: 1}

// required returns a present, non-empty field. One lookup: a missing field is the
// error path, where QuickFIX's GetBytes allocates its own reject (discarded).
func required(body *quickfix.Body, tag quickfix.Tag) ([]byte, bool) {
	v, err := body.GetBytes(tag)
	return v, err == nil && len(v) > 0
}

func missing(tag quickfix.Tag, text string) decodeError {
	return decodeError{kind: RejectMissingTag, tag: tag, text: text}
}

// requiredID reads a required identifier field: missingText when it is absent
// or empty, longText when it is longer than engine.MaxIDLen (both constants).
func requiredID(body *quickfix.Body, tag quickfix.Tag, missingText, longText string) (engine.ID, decodeError, bool) {
	v, ok := required(body, tag)
	if !ok {
		return engine.ID{}, missing(tag, missingText), false
	}
	id, ok := engine.MakeIDBytes(v)
	if !ok {
		return engine.ID{}, decodeError{kind: RejectIDTooLong, tag: tag, text: longText}, false
	}
	return id, decodeError{}, true
}

// requiredClOrdID reads ClOrdID(11), required on every message the gateway decodes.
func requiredClOrdID(body *quickfix.Body) (engine.ID, decodeError, bool) {
	return requiredID(body, fixtag.ClOrdID, "required tag missing: ClOrdID(11)", "ClOrdID(11) longer than 39 characters")
}

// parseSide reads Side(54): 1 (Buy) or 2 (Sell).
func parseSide(v []byte) (engine.Side, bool) {
	if len(v) != 1 || (v[0] != '1' && v[0] != '2') {
		return 0, false
	}
	return engine.Side(v[0] - '0'), true
}

// requiredSide reads Side(54), required on D, F, G and H.
func requiredSide(body *quickfix.Body) (engine.Side, decodeError, bool) {
	v, ok := required(body, fixtag.Side)
	if !ok {
		return 0, missing(fixtag.Side, "required tag missing: Side(54)"), false
	}
	side, ok := parseSide(v)
	if !ok {
		return 0, badSide(v), false
	}
	return side, decodeError{}, true
}

func badSide(v []byte) decodeError {
	return decodeError{kind: RejectBadValue, tag: fixtag.Side, text: "unsupported Side(54): must be 1 (Buy) or 2 (Sell)", got: v}
}

// knownSymbol is the index of a configured symbol, or engine.NoSymbol: the
// engine answers a request naming an unknown symbol without its name.
func (d *decoder) knownSymbol(name []byte) uint32 {
	if i, ok := d.syms.known(name); ok {
		return i
	}
	return engine.NoSymbol
}

// rejectError is the quickfix.MessageRejectError the gateway returns from FromApp
// for a refused message: QuickFIX answers it with Reject(3) or
// BusinessMessageReject(j) carrying Text(58) and keeps the session up.
type rejectError struct {
	text     string
	reason   int
	tag      quickfix.Tag
	business bool
	refID    string
}

func (e *rejectError) Error() string { return e.text }

// RejectReason is SessionRejectReason(373) or BusinessRejectReason(380).
func (e *rejectError) RejectReason() int { return e.reason }

// BusinessRejectRefID is BusinessRejectRefID(379): the ClOrdID when there is one.
func (e *rejectError) BusinessRejectRefID() string { return e.refID }

// RefTagID is RefTagID(371), or nil.
func (e *rejectError) RefTagID() *quickfix.Tag {
	if e.tag == 0 {
		return nil
	}
	t := e.tag
	return &t
}

// IsBusinessReject selects BusinessMessageReject(j) over Reject(3).
func (e *rejectError) IsBusinessReject() bool { return e.business }

// SessionRejectReason and BusinessRejectReason values used.
const (
	sessRejRequiredTagMissing = 1
	sessRejValueIncorrect     = 5
	sessRejIncorrectFormat    = 6
	bizRejOther               = 0
	bizRejUnsupportedMsgType  = 3
	bizRejAppNotAvailable     = 4
)

// messageReject converts a decodeError into the error QuickFIX answers with.
func (de decodeError) messageReject() *rejectError {
	e := &rejectError{text: de.text, tag: de.tag}
	if de.got != nil {
		got := de.got
		if len(got) > 32 {
			got = got[:32]
		}
		e.text += ", got " + strconv.Quote(string(got))
	}
	switch de.kind {
	case RejectMissingTag:
		e.reason = sessRejRequiredTagMissing
	case RejectBadValue, RejectIDTooLong:
		e.reason = sessRejValueIncorrect
	case RejectBadFormat:
		e.reason = sessRejIncorrectFormat
	case RejectUnsupportedMsgType:
		e.reason, e.business = bizRejUnsupportedMsgType, true
	case RejectRateLimit:
		e.reason, e.business = bizRejOther, true
	case RejectUnavailable:
		e.reason, e.business = bizRejAppNotAvailable, true
	}
	if de.reason != 0 {
		e.reason = de.reason
	}
	return e
}
