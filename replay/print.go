package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/openmatch/matchd/engine"
)

// EventJSON is the JSON-lines form of an event that `replay -events` prints.
// Prices are in ticks of the symbol (see the data directory's engine.json).
type EventJSON struct {
	ExecID      uint64 `json:"exec_id"`
	Seq         uint64 `json:"seq"`
	Time        string `json:"time"`
	Kind        string `json:"kind"`
	Owner       uint32 `json:"owner"`
	OrderID     uint64 `json:"order_id"`
	ClOrdID     string `json:"cl_ord_id"`
	OrigClOrdID string `json:"orig_cl_ord_id,omitempty"`
	Status      string `json:"ord_status"`
	Symbol      string `json:"symbol"`
	Side        int    `json:"side"`
	Type        int    `json:"ord_type"`
	TIF         int    `json:"tif"`
	Price       int64  `json:"price"`
	OrderQty    int64  `json:"order_qty"`
	LastQty     int64  `json:"last_qty,omitempty"`
	LastPx      int64  `json:"last_px,omitempty"`
	CumQty      int64  `json:"cum_qty"`
	LeavesQty   int64  `json:"leaves_qty"`
	Notional    int64  `json:"notional"`
	Reason      *int   `json:"reason,omitempty"`
	Text        string `json:"text,omitempty"`
}

var kindNames = map[engine.EventKind]string{
	engine.EvAccepted: "new", engine.EvFill: "fill", engine.EvCanceled: "canceled", engine.EvReplaced: "replaced",
	engine.EvRejected: "rejected", engine.EvCancelRejected: "cancel_rejected", engine.EvExpired: "expired",
	engine.EvStatus: "status", engine.EvMassCancelReport: "mass_cancel_report",
}

// SymbolName returns the configured name of a symbol index, or "#<index>".
func SymbolName(cfg *engine.Config, sym uint32) string {
	if int(sym) < len(cfg.Symbols) {
		return cfg.Symbols[sym].Name
	}
	return "#" + strconv.FormatUint(uint64(sym), 10)
}

// ToJSON converts an event for printing.
func ToJSON(cfg *engine.Config, ev *engine.Event) EventJSON {
	j := EventJSON{ExecID: ev.ExecID, Seq: ev.Seq, Time: time.Unix(0, ev.Time).UTC().Format(time.RFC3339Nano),
		Kind: kindNames[ev.Kind], Owner: ev.Owner, OrderID: ev.OrderID, ClOrdID: ev.ClOrdID.String(),
		OrigClOrdID: ev.OrigClOrdID.String(), Status: string(rune(ev.Status)), Symbol: SymbolName(cfg, ev.Symbol),
		Side: int(ev.Side), Type: int(ev.Type), TIF: int(ev.TIF), Price: ev.Price, OrderQty: ev.OrderQty,
		LastQty: ev.LastQty, LastPx: ev.LastPx, CumQty: ev.CumQty, LeavesQty: ev.LeavesQty, Notional: ev.Notional,
		Text: engine.TextOf(ev.Text)}
	// A rejected status answer or mass cancel report has a reason too (for a
	// mass cancel 0 is MassCancelRejectReason "not supported").
	if ev.Kind == engine.EvRejected || ev.Kind == engine.EvCancelRejected || ev.Status == engine.StatusRejected {
		r := int(ev.Reason)
		j.Reason = &r
	}
	if j.Kind == "" {
		j.Kind = "kind" + strconv.Itoa(int(ev.Kind))
	}
	return j
}

// PrintBooks writes every book (or only symbol, when it is >= 0) as text: one
// line per resting order, bids best first then asks best first.
func PrintBooks(w io.Writer, e *engine.Engine, symbol int) error {
	cfg := e.Config()
	var s engine.State
	e.State(&s)
	for i := range cfg.Symbols {
		if symbol >= 0 && i != symbol {
			continue
		}
		if _, err := fmt.Fprintf(w, "book %s\n", cfg.Symbols[i].Name); err != nil {
			return err
		}
		for _, o := range s.Orders {
			if int(o.Symbol) != i {
				continue
			}
			side := "bid"
			if o.Side == engine.Sell {
				side = "ask"
			}
			tif := "day"
			if o.TIF == engine.GTC {
				tif = "gtc"
			}
			if _, err := fmt.Fprintf(w, "  %s px=%d leaves=%d qty=%d cum=%d order_id=%d owner=%d cl_ord_id=%s tif=%s\n",
				side, o.Price, o.Leaves, o.OrderQty, o.Cum, o.OrderID, o.Owner, o.ClOrdID.String(), tif); err != nil {
				return err
			}
		}
	}
	return nil
}

// EncodeEvent writes ev as one JSON line.
func EncodeEvent(enc *json.Encoder, cfg *engine.Config, ev *engine.Event) error {
	return enc.Encode(ToJSON(cfg, ev))
}
