package gateway

import (
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// onceTags are the tags the gateway reads from D, F, G, H and q, with their
// names for a reject's Text. None is a member of a repeating group of these
// messages (FIX 4.2 and 4.4: Parties, NoAllocs, NoTradingSessions, the
// Instrument's and the Stipulations' groups use other tags), so each may
// appear once: QuickFIX/Go keeps the last of two, and the gateway would act
// on a value the client may not have meant. Other tags are not checked:
// without a data dictionary the gateway cannot tell a repeated group member
// from a duplicate, and it does not act on them. The V's tags are checked by
// scanV, which knows its groups.
var onceTags = [...]struct {
	tag  quickfix.Tag
	text string
}{
	{fixtag.ClOrdID, "tag appears more than once: ClOrdID(11)"},
	{fixtag.OrigClOrdID, "tag appears more than once: OrigClOrdID(41)"},
	{fixtag.Symbol, "tag appears more than once: Symbol(55)"},
	{fixtag.Side, "tag appears more than once: Side(54)"},
	{fixtag.OrderQty, "tag appears more than once: OrderQty(38)"},
	{fixtag.OrdType, "tag appears more than once: OrdType(40)"},
	{fixtag.TimeInForce, "tag appears more than once: TimeInForce(59)"},
	{fixtag.Price, "tag appears more than once: Price(44)"},
	{fixtag.OrdStatusReqID, "tag appears more than once: OrdStatusReqID(790)"},
	{fixtag.MassCancelRequestType, "tag appears more than once: MassCancelRequestType(530)"},
}

// onceIndex is the index of tag in onceTags, or -1.
func onceIndex(tag int) int {
	switch quickfix.Tag(tag) {
	case fixtag.ClOrdID:
		return 0
	case fixtag.OrigClOrdID:
		return 1
	case fixtag.Symbol:
		return 2
	case fixtag.Side:
		return 3
	case fixtag.OrderQty:
		return 4
	case fixtag.OrdType:
		return 5
	case fixtag.TimeInForce:
		return 6
	case fixtag.Price:
		return 7
	case fixtag.OrdStatusReqID:
		return 8
	case fixtag.MassCancelRequestType:
		return 9
	}
	return -1
}

// repeatedTag scans the raw message for a tag of onceTags that appears more
// than once and returns the Reject(3) for it (SessionRejectReason 13, RefTagID
// the tag). It allocates nothing. A malformed field ends the scan: QuickFIX
// has parsed the same bytes already, so there is none in practice.
func repeatedTag(raw []byte) (decodeError, bool) {
	var seen uint32
	sc := newFieldScanner(raw)
	for sc.more() {
		tag, _, ok := sc.next()
		if !ok {
			break
		}
		i := onceIndex(tag)
		if i < 0 {
			continue
		}
		if seen&(1<<i) != 0 {
			return decodeError{kind: RejectBadValue, reason: sessRejTagTwice, tag: onceTags[i].tag, text: onceTags[i].text}, true
		}
		seen |= 1 << i
	}
	return decodeError{}, false
}
