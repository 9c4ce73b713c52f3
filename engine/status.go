package engine

// status answers an OrderStatusRequest with one EvStatus (see "Order status" in
// the package doc). It changes nothing but the ExecID counter.
func (e *Engine) status(cmd *Command, out *Events) {
	ev := e.event(out, cmd, EvStatus)
	ev.Owner = cmd.Owner
	ev.ClOrdID = cmd.OrigClOrdID
	ev.OrigClOrdID = cmd.ClOrdID
	text := TextUnknownOrder
	if p := e.find(cmd.Owner, &cmd.OrigClOrdID); p >= 0 {
		if ref := e.index.slots[p].ref; ref >= 0 {
			o := &e.orders[ref]
			if text = differs(cmd, o.side, o.sym); text == TextNone {
				ev.Status = o.status()
				ev.OrderID = o.orderID
				ev.Symbol, ev.Side, ev.Type, ev.TIF = o.sym, o.side, o.typ, o.tif
				ev.Price, ev.OrderQty = o.price, o.qty
				ev.CumQty, ev.LeavesQty, ev.Notional = o.cum, o.leaves, o.notional
				return
			}
		} else if h := &e.hist[-ref-1]; h.Known() {
			if text = differs(cmd, h.Side, h.Symbol); text == TextNone {
				statusFromHistory(ev, h)
				return
			}
		} else if !h.Request && h.Status != StatusRejected {
			// Restored from a version 3 snapshot: the status without details.
			// (A Request entry names no order, and a version 1 or 2 entry
			// has no status: both are unknown.)
			ev.Status = h.Status
			ev.Symbol, ev.Side = cmd.Symbol, cmd.Side
			return
		}
	}
	ev.Status = StatusRejected
	ev.Reason = ReasonUnknownOrderStatus
	ev.Text = text
	ev.Symbol, ev.Side = cmd.Symbol, cmd.Side
}

// statusFromHistory fills a status answer from a history entry with details.
func statusFromHistory(ev *Event, h *HistoryEntry) {
	ev.Status = h.Status
	ev.OrderID = h.OrderID
	ev.Symbol, ev.Side, ev.Type, ev.TIF = h.Symbol, h.Side, h.Type, h.TIF
	ev.Price, ev.OrderQty = h.Price, h.OrderQty
	ev.CumQty, ev.Notional = h.CumQty, h.Notional
	if h.Status == StatusNew || h.Status == StatusPartiallyFilled {
		// A ClOrdID replaced away: the order as that replace left it.
		ev.LeavesQty = h.OrderQty - h.CumQty
	}
}

// differs is the reject text for a request whose Side or Symbol is not the
// order's (Side is compared first), or TextNone.
func differs(cmd *Command, side Side, sym uint32) Text {
	switch {
	case cmd.Side != side:
		return TextSideDiffers
	case cmd.Symbol != sym:
		return TextSymbolDiffers
	}
	return TextNone
}
