package replay

import (
	"testing"

	"github.com/openmatch/matchd/engine"
)

// TestToJSONNewKinds: status answers and mass cancel reports get their own
// kind names, and a rejected one carries its reason even when it is 0
// (MassCancelRejectReason "not supported").
func TestToJSONNewKinds(t *testing.T) {
	cfg := engine.Config{Symbols: []engine.SymbolConfig{{Name: "AAPL"}}}
	for _, c := range []struct {
		ev     engine.Event
		kind   string
		reason int // -1: none
	}{
		{engine.Event{Kind: engine.EvStatus, Status: engine.StatusNew}, "status", -1},
		{engine.Event{Kind: engine.EvStatus, Status: engine.StatusRejected, Reason: engine.ReasonUnknownOrderStatus}, "status", 5},
		{engine.Event{Kind: engine.EvMassCancelReport, Status: engine.StatusCanceled, OrderQty: 3}, "mass_cancel_report", -1},
		{engine.Event{Kind: engine.EvMassCancelReport, Status: engine.StatusRejected, Reason: engine.MassRejectNotSupported}, "mass_cancel_report", 0},
	} {
		j := ToJSON(&cfg, &c.ev)
		if j.Kind != c.kind {
			t.Errorf("kind %d: name %q, want %q", c.ev.Kind, j.Kind, c.kind)
		}
		switch {
		case c.reason < 0 && j.Reason != nil:
			t.Errorf("%s status %c: reason %d, want none", j.Kind, c.ev.Status, *j.Reason)
		case c.reason >= 0 && (j.Reason == nil || *j.Reason != c.reason):
			t.Errorf("%s status %c: reason %v, want %d", j.Kind, c.ev.Status, j.Reason, c.reason)
		}
	}
}
