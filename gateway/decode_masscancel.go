package gateway

import (
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// maxMassCancelType is the largest MassCancelRequestType(530) passed to the
// engine; larger values would collide with the engine's own scopes
// (engine.MassOnDisconnect).
const maxMassCancelType = 99

// decodeMassCancel fills cmd from an OrderMassCancelRequest (q) (CONTRACT.md
// §7): ClOrdID(11) required; MassCancelRequestType(530) required, a number
// from 1 to 99 carried in cmd.Type (1 by Symbol and 7 all orders are
// supported; the engine rejects the others with MassCancelRejectReason 0, so
// the refusal is journaled and answered by an OrderMassCancelReport);
// Symbol(55) required for type 1 (an unknown one becomes engine.NoSymbol, which
// the engine rejects with MassCancelRejectReason 1) and ignored otherwise
// (cmd.Symbol NoSymbol); Side(54) optional, 1 or 2, restricting the cancel to
// one side (absent: both). Refused here with Reject(3): a missing required tag
// (reason 1), a 530 that is not a number (reason 6) or outside 1..99, a Side
// other than 1/2, a ClOrdID longer than engine.MaxIDLen (reason 5).
// TransactTime(60), required by FIX 4.4, is neither required nor checked, as on
// D, F and G.
func (d *decoder) decodeMassCancel(body *quickfix.Body, cmd *engine.Command) (decodeError, bool) {
	cmd.Kind = engine.KindMassCancel
	cmd.Symbol = engine.NoSymbol
	var de decodeError
	var ok bool
	if cmd.ClOrdID, de, ok = requiredClOrdID(body); !ok {
		return de, false
	}
	v, ok := required(body, fixtag.MassCancelRequestType)
	if !ok {
		return missing(fixtag.MassCancelRequestType, "required tag missing: MassCancelRequestType(530)"), false
	}
	typ, ok := parseSmallUint(v)
	if !ok {
		return decodeError{kind: RejectBadFormat, tag: fixtag.MassCancelRequestType, text: "MassCancelRequestType(530) is not a number", got: v}, false
	}
	if typ < 1 || typ > maxMassCancelType {
		return decodeError{kind: RejectBadValue, tag: fixtag.MassCancelRequestType, text: "MassCancelRequestType(530) out of range: 1 (by Symbol) or 7 (all orders)", got: v}, false
	}
	cmd.Type = engine.OrdType(typ)
	if cmd.Type == engine.MassBySymbol {
		sym, ok := required(body, fixtag.Symbol)
		if !ok {
			return missing(fixtag.Symbol, "required tag missing: Symbol(55) (MassCancelRequestType 1)"), false
		}
		cmd.Symbol = d.knownSymbol(sym)
	}
	if body.Has(fixtag.Side) {
		v, _ = body.GetBytes(fixtag.Side)
		if cmd.Side, ok = parseSide(v); !ok {
			return badSide(v), false
		}
	}
	return decodeError{}, true
}

// parseSmallUint parses decimal digits (no sign, no spaces). A value above
// 1,000,000 comes back as 1,000,000: callers only compare it with small bounds.
func parseSmallUint(v []byte) (uint32, bool) {
	if len(v) == 0 {
		return 0, false
	}
	const ceiling = 1_000_000
	var n uint32
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+uint32(c-'0'), ceiling)
	}
	return n, true
}
