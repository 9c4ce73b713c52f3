package engine

// massCancel cancels the owner's resting orders in the request's scope (see
// "Mass cancel" in the package doc): first the EvMassCancelReport (except for
// MassOnDisconnect), then one EvCanceled per order in canonical book order; an
// accepted request's ClOrdID then goes to the history.
func (e *Engine) massCancel(cmd *Command, out *Events) {
	text := TextCanceledOnDisconnect
	side := Side(0)
	lo, hi := 0, len(e.books)
	report := -1
	if cmd.Type != MassOnDisconnect {
		report = out.Len()
		ev := e.event(out, cmd, EvMassCancelReport)
		ev.Owner = cmd.Owner
		ev.ClOrdID = cmd.ClOrdID
		ev.ResponseTo = uint8(cmd.Type)
		ev.Symbol, ev.Side = cmd.Symbol, cmd.Side
		ev.Status = StatusRejected
		switch {
		case e.taken(cmd.Owner, &cmd.ClOrdID):
			ev.Reason, ev.Text = ReasonOther, TextDuplicateClOrdID
			return
		case cmd.Type != MassBySymbol && cmd.Type != MassAll:
			ev.Reason, ev.Text = MassRejectNotSupported, TextMassNotSupported
			return
		case cmd.Side != 0 && cmd.Side != Buy && cmd.Side != Sell:
			ev.Reason, ev.Text = ReasonOther, TextBadSide
			return
		case cmd.Type == MassBySymbol && cmd.Symbol >= uint32(len(e.books)):
			ev.Reason, ev.Text = MassRejectUnknownSymbol, TextUnknownSymbol
			return
		}
		ev.Status = StatusCanceled
		e.reclaim(cmd.Owner, &cmd.ClOrdID)
		text, side = TextMassCanceled, cmd.Side
		if cmd.Type == MassBySymbol {
			lo, hi = int(cmd.Symbol), int(cmd.Symbol)+1
		}
	}
	n := int64(0)
	for s := lo; s < hi; s++ {
		b := &e.books[s]
		if side != Sell {
			for off := b.bid; off >= 0; {
				next := b.occ.prev(off - 1)
				n += e.massCancelLevel(cmd, out, b.at[off]-1, text)
				off = next
			}
		}
		if side != Buy {
			for off := b.ask; off >= 0; {
				next := b.occ.next(off + 1)
				n += e.massCancelLevel(cmd, out, b.at[off]-1, text)
				off = next
			}
		}
	}
	if report >= 0 {
		// The report goes first but counts the cancels after it: patch it by
		// index, since appending may have moved the buffer.
		out.buf[report].OrderQty = n
		// Like a cancel's, the request's ClOrdID is remembered after the
		// orders it finished, so that it cannot be used again.
		e.requestToHistory(cmd.Owner, &cmd.ClOrdID)
	}
}

// massCancelLevel cancels cmd.Owner's orders in level li, oldest first, and
// returns how many. The level may be freed on the way.
func (e *Engine) massCancelLevel(cmd *Command, out *Events, li int32, text Text) int64 {
	n := int64(0)
	for oi := e.levels[li].head; oi >= 0; {
		o := &e.orders[oi]
		next := o.next
		if o.owner == cmd.Owner {
			e.remove(oi)
			o.leaves = 0
			ev := e.orderEvent(out, cmd, EvCanceled, o)
			ev.Status = StatusCanceled
			ev.Text = text
			e.retire(oi, StatusCanceled)
			n++
		}
		oi = next
	}
	return n
}
