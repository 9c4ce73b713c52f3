package gateway

import (
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// decodeStatus fills cmd from an OrderStatusRequest (H) (CONTRACT.md §7):
// ClOrdID(11), the order asked about, goes to cmd.OrigClOrdID; the optional
// OrdStatusReqID(790) to cmd.ClOrdID (empty when absent), to be echoed on the
// answer. Side(54) and Symbol(55) are required as in FIX 4.4; an unknown symbol
// becomes engine.NoSymbol and the engine answers "unknown order". OrderID(37),
// optional in FIX, is not read: the engine finds the order by ClOrdID, scoped
// to the session. A present but empty OrdStatusReqID is refused (reason 5).
func (d *decoder) decodeStatus(body *quickfix.Body, cmd *engine.Command) (decodeError, bool) {
	cmd.Kind = engine.KindStatus
	var de decodeError
	var ok bool
	if cmd.OrigClOrdID, de, ok = requiredClOrdID(body); !ok {
		return de, false
	}
	if body.Has(fixtag.OrdStatusReqID) {
		v, _ := body.GetBytes(fixtag.OrdStatusReqID)
		if len(v) == 0 {
			return decodeError{kind: RejectBadValue, tag: fixtag.OrdStatusReqID, text: "OrdStatusReqID(790) is empty"}, false
		}
		if cmd.ClOrdID, ok = engine.MakeIDBytes(v); !ok {
			return decodeError{kind: RejectIDTooLong, tag: fixtag.OrdStatusReqID, text: "OrdStatusReqID(790) longer than 39 characters"}, false
		}
	}
	sym, ok := required(body, fixtag.Symbol)
	if !ok {
		return missing(fixtag.Symbol, "required tag missing: Symbol(55)"), false
	}
	cmd.Symbol = d.knownSymbol(sym)
	if cmd.Side, de, ok = requiredSide(body); !ok {
		return de, false
	}
	return decodeError{}, true
}
