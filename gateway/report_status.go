package gateway

import (
	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// Answers to OrderStatusRequest (H) and OrderMassCancelRequest (q)
// (CONTRACT.md §7).
//
// FIX 4.4 answers an OrderStatusRequest with an ExecutionReport ExecType=I
// (Order Status). FIX 4.2 has no ExecType I (added in FIX 4.3, "formerly an
// ExecTransType"): there the status report is ExecTransType=3 (Status) with
// ExecType equal to the current OrdStatus (0 new, 1 partially filled, 2 filled,
// 4 canceled, C expired, 8 rejected for an unknown order), every one of which
// FIX 4.2 defines. The unknown-order answer has OrdStatus=8 and OrdRejReason=5
// (unknown order, defined in both versions) with a Text, OrderID NONE, no
// OrdType, TimeInForce or Price.
//
// OrderMassCancelRequest and OrderMassCancelReport are FIX 4.3 messages;
// matchd accepts q on FIX 4.2 sessions too, as an extension, and answers with
// the FIX 4.4 layout of r.

// execTransTypeStatus is ExecTransType(20) 3 (Status), FIX 4.2's mark of an
// answer to an OrderStatusRequest.
const execTransTypeStatus = '3'

// statusExecType is ExecType(150) of an EvStatus: I in FIX 4.4, the OrdStatus
// itself in FIX 4.2.
func statusExecType(ev *engine.Event, fix42 bool) byte {
	if fix42 {
		return byte(ev.Status)
	}
	return 'I'
}

// massCancelReport formats an EvMassCancelReport as an OrderMassCancelReport
// (r): ClOrdID, OrderID (required by FIX 4.4; the request created no order, so
// it is the request's sequence number, unique like every OrderID),
// MassCancelRequestType as sent, MassCancelResponse (the type when accepted, 0
// when rejected, then with MassCancelRejectReason and Text),
// TotalAffectedOrders, Symbol and Side when the request named them (a known
// symbol), TransactTime.
func (w *reportBuilder) massCancelReport(ev *engine.Event, syms *symbolTable) *quickfix.Message {
	w.msgType = msgTypeMassCancelRep
	w.id(fixtag.ClOrdID, &ev.ClOrdID)
	w.uint(fixtag.OrderID, ev.Seq)
	w.int(fixtag.MassCancelRequestType, int64(ev.ResponseTo))
	accepted := ev.Status == engine.StatusCanceled
	if accepted {
		w.int(fixtag.MassCancelResponse, int64(ev.ResponseTo))
	} else {
		w.int(fixtag.MassCancelResponse, 0)
		w.int(fixtag.MassCancelRejectReason, int64(ev.Reason))
	}
	w.int(fixtag.TotalAffectedOrders, ev.OrderQty)
	if syms.config(ev.Symbol) != nil {
		w.str(fixtag.Symbol, syms.name(ev.Symbol))
	}
	if ev.Side == engine.Buy || ev.Side == engine.Sell {
		w.char(fixtag.Side, '0'+byte(ev.Side))
	}
	if ev.Text != engine.TextNone {
		w.str(fixtag.Text, engine.TextOf(ev.Text))
	}
	w.transactTime(ev.Time)
	return w.message()
}
