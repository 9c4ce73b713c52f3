package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/decimal"
)

// EventJSON is the JSON-lines form of an event that `replay -events` prints:
// prices (price, last_px) and notional as decimal strings of the symbol, the
// way the FIX reports and the market-data JSON print them (internal/decimal),
// and owner as the client's CompID (Owners.Name). last_px is left out unless
// the event is a fill (last_qty > 0).
type EventJSON struct {
	ExecID      uint64 `json:"exec_id"`
	Seq         uint64 `json:"seq"`
	Time        string `json:"time"`
	Kind        string `json:"kind"`
	Owner       string `json:"owner"`
	OrderID     uint64 `json:"order_id"`
	ClOrdID     string `json:"cl_ord_id"`
	OrigClOrdID string `json:"orig_cl_ord_id,omitempty"`
	Status      string `json:"ord_status"`
	Symbol      string `json:"symbol"`
	Side        int    `json:"side"`
	Type        int    `json:"ord_type"`
	TIF         int    `json:"tif"`
	Price       string `json:"price"`
	OrderQty    int64  `json:"order_qty"`
	LastQty     int64  `json:"last_qty,omitempty"`
	LastPx      string `json:"last_px,omitempty"`
	CumQty      int64  `json:"cum_qty"`
	LeavesQty   int64  `json:"leaves_qty"`
	Notional    string `json:"notional"`
	Reason      *int   `json:"reason,omitempty"`
	Text        string `json:"text,omitempty"`
}

// RawEventJSON is the form `replay -events -raw` prints: the engine's own
// numbers, prices and notional in ticks of the symbol (see the data
// directory's engine.json) and owner as the engine's owner id.
type RawEventJSON struct {
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

// ToRawJSON converts an event to its -raw form.
func ToRawJSON(cfg *engine.Config, ev *engine.Event) RawEventJSON {
	j := RawEventJSON{ExecID: ev.ExecID, Seq: ev.Seq, Time: time.Unix(0, ev.Time).UTC().Format(time.RFC3339Nano),
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

// ToJSON converts an event for printing, naming its owner with owners.
func ToJSON(cfg *engine.Config, owners *Owners, ev *engine.Event) EventJSON {
	r := ToRawJSON(cfg, ev)
	j := EventJSON{ExecID: r.ExecID, Seq: r.Seq, Time: r.Time, Kind: r.Kind, Owner: owners.Name(ev.Owner),
		OrderID: r.OrderID, ClOrdID: r.ClOrdID, OrigClOrdID: r.OrigClOrdID, Status: r.Status, Symbol: r.Symbol,
		Side: r.Side, Type: r.Type, TIF: r.TIF, Price: Price(cfg, ev.Symbol, ev.Price), OrderQty: r.OrderQty,
		LastQty: r.LastQty, CumQty: r.CumQty, LeavesQty: r.LeavesQty, Notional: Price(cfg, ev.Symbol, ev.Notional),
		Reason: r.Reason, Text: r.Text}
	if ev.LastQty > 0 {
		j.LastPx = Price(cfg, ev.Symbol, ev.LastPx)
	}
	return j
}

// Price returns ticks of symbol sym as a decimal with the symbol's
// TickDecimals (internal/decimal, as on the wire); the integer itself for a
// symbol cfg does not configure.
func Price(cfg *engine.Config, sym uint32, ticks int64) string {
	if int(sym) >= len(cfg.Symbols) || cfg.Symbols[sym].TickSize <= 0 {
		return strconv.FormatInt(ticks, 10)
	}
	return string(decimal.AppendPrice(nil, ticks, &cfg.Symbols[sym]))
}

// PrintBooks writes every book (or only symbol, when it is >= 0) as text: one
// line per resting order, bids best first then asks best first. Prices are
// decimals and owners named by owners; owners nil prints the -raw form, prices
// in ticks and owner ids.
func PrintBooks(w io.Writer, e *engine.Engine, symbol int, owners *Owners) error {
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
			px, owner := strconv.FormatInt(o.Price, 10), strconv.FormatUint(uint64(o.Owner), 10)
			if owners != nil {
				px, owner = Price(&cfg, o.Symbol, o.Price), owners.Name(o.Owner)
			}
			if _, err := fmt.Fprintf(w, "  %s px=%s leaves=%d qty=%d cum=%d order_id=%d owner=%s cl_ord_id=%s tif=%s\n",
				side, px, o.Leaves, o.OrderQty, o.Cum, o.OrderID, owner, o.ClOrdID.String(), tif); err != nil {
				return err
			}
		}
	}
	return nil
}

// EncodeEvent writes ev as one JSON line (EventJSON), or in its -raw form
// (RawEventJSON) when owners is nil.
func EncodeEvent(enc *json.Encoder, cfg *engine.Config, owners *Owners, ev *engine.Event) error {
	if owners == nil {
		return enc.Encode(ToRawJSON(cfg, ev))
	}
	return enc.Encode(ToJSON(cfg, owners, ev))
}
