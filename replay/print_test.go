package replay

import (
	"strings"
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
		j := ToRawJSON(&cfg, &c.ev)
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

// TestToJSONDecimal: ToJSON prints prices and notional in the symbol's
// decimals (tick size 5 at 2 decimals: 2021 ticks are 101.05), last_px only
// on a fill, a symbol the configuration lacks in ticks, and an owner the
// registry lacks as #<id>, which Warning then explains.
func TestToJSONDecimal(t *testing.T) {
	cfg := engine.Config{Symbols: []engine.SymbolConfig{{Name: "AAPL", TickDecimals: 2, TickSize: 5}}}
	owners := LoadOwners(t.TempDir())
	if w := owners.Warning(); w != "" {
		t.Fatalf("warning before any owner was printed: %q", w)
	}
	fill := engine.Event{Kind: engine.EvFill, Owner: 7, Price: 2021, LastPx: 2020, LastQty: 3, Notional: 6060}
	j := ToJSON(&cfg, owners, &fill)
	if j.Price != "101.05" || j.LastPx != "101.00" || j.Notional != "303.00" || j.Owner != "#7" {
		t.Fatalf("fill: %+v", j)
	}
	if w := owners.Warning(); !strings.Contains(w, "no owner registry") {
		t.Fatalf("warning %q", w)
	}
	accepted := engine.Event{Kind: engine.EvAccepted, Owner: 7, Price: 20}
	if j := ToJSON(&cfg, owners, &accepted); j.Price != "1.00" || j.LastPx != "" || j.Notional != "0.00" {
		t.Fatalf("accepted: %+v", j)
	}
	unknown := engine.Event{Kind: engine.EvAccepted, Symbol: 3, Price: 2021}
	if j := ToJSON(&cfg, owners, &unknown); j.Symbol != "#3" || j.Price != "2021" {
		t.Fatalf("unconfigured symbol: %+v", j)
	}
	if r := ToRawJSON(&cfg, &fill); r.Price != 2021 || r.LastPx != 2020 || r.Notional != 6060 || r.Owner != 7 {
		t.Fatalf("raw: %+v", r)
	}
}
