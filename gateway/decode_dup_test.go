package gateway

import (
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// TestDecodeRepeatedTag: a tag the gateway reads appearing twice in a D, F,
// G, H or q is refused with Reject(3), SessionRejectReason 13, RefTagID the
// tag, whatever the two values; QuickFIX/Go kept the last one. Repeating-group
// members and tags the gateway does not read may repeat.
func TestDecodeRepeatedTag(t *testing.T) {
	d := newTestDecoder(t)
	for _, tc := range []struct {
		spec string
		tag  quickfix.Tag
	}{
		{"35=D|11=a|55=AAPL|54=1|38=10|38=20|40=2|44=1", fixtag.OrderQty},
		{"35=D|11=a|55=AAPL|54=1|38=10|40=2|44=1|38=10", fixtag.OrderQty}, // the same value twice
		{"35=D|11=a|55=AAPL|54=1|38=10|40=2|44=1|44=2", fixtag.Price},
		{"35=D|11=a|55=AAPL|55=MSFT|54=1|38=10|40=2|44=1", fixtag.Symbol},
		{"35=D|11=a|55=AAPL|54=1|54=2|38=10|40=2|44=1", fixtag.Side},
		{"35=D|11=a|55=AAPL|54=1|38=10|40=2|40=1|44=1", fixtag.OrdType},
		{"35=D|11=a|55=AAPL|54=1|38=10|40=2|59=0|44=1|59=3", fixtag.TimeInForce},
		{"35=D|11=a|11=b|55=AAPL|54=1|38=10|40=2|44=1", fixtag.ClOrdID},
		{"35=F|11=c|41=a|41=b|55=AAPL|54=1", fixtag.OrigClOrdID},
		{"35=G|11=r|41=a|55=AAPL|54=1|38=10|40=2|44=1|44=1", fixtag.Price},
		{"35=H|11=a|55=AAPL|54=1|790=s|790=t", fixtag.OrdStatusReqID},
		{"35=q|11=m|530=7|530=1|55=AAPL", fixtag.MassCancelRequestType},
		// Before a malformed value: the structure is judged first.
		{"35=D|11=a|55=AAPL|54=1|38=x|38=20|40=2|44=1", fixtag.OrderQty},
	} {
		var cmd engine.Command
		de, ok := d.decode(parsedMsg(t, tc.spec), &cmd)
		if ok {
			t.Errorf("%s: accepted", tc.spec)
			continue
		}
		rej := de.messageReject()
		if de.kind != RejectBadValue || rej.RejectReason() != sessRejTagTwice || rej.IsBusinessReject() ||
			rej.RefTagID() == nil || *rej.RefTagID() != tc.tag {
			t.Errorf("%s: %+v (reason %d), want Reject reason 13 on %d", tc.spec, de, rej.RejectReason(), tc.tag)
		}
	}
	for _, spec := range []string{
		"35=D|11=a|55=AAPL|54=1|38=10|40=2|44=1|453=2|448=A|447=D|452=1|448=B|447=D|452=3", // Parties
		"35=D|11=a|55=AAPL|54=1|38=10|40=2|44=1|58=x|58=y",                                 // Text: not read
		"35=D|11=a|55=AAPL|54=1|38=10|40=2|44=1|212=9|213=\x0138=2\x0144=",                 // XmlData holding tags
	} {
		var cmd engine.Command
		if de, ok := d.decode(parsedMsg(t, spec), &cmd); !ok {
			t.Errorf("%q: refused: %+v", spec, de)
		} else if cmd.Qty != 10 || cmd.Price != 100 {
			t.Errorf("%q: %+v", spec, cmd)
		}
	}
}
