package gateway

import (
	"maps"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtag"
)

// statusReportCases are the answers to OrderStatusRequest and
// OrderMassCancelRequest, and the cancels a mass cancel causes, for
// TestBuildReport and TestReportBuilderReuse (reportCases).
func statusReportCases(ts int64) []reportCase {
	id := func(s string) engine.ID { x, _ := engine.MakeID(s); return x }
	const tt = "20240305-14:30:01.123456"

	live := engine.Event{ExecID: 50, Seq: 20, Time: ts, OrderID: 7, Kind: engine.EvStatus, Status: engine.StatusPartiallyFilled,
		Side: engine.Buy, Type: engine.Limit, TIF: engine.GTC, Symbol: 0, Price: 10025, OrderQty: 300,
		CumQty: 100, LeavesQty: 200, Notional: 100 * 10025, ClOrdID: id("o1"), OrigClOrdID: id("st-1")}
	liveWant := map[quickfix.Tag]string{
		fixtag.MsgType: "8", fixtag.OrderID: "7", fixtag.ExecID: "50", fixtag.ExecType: "I", fixtag.OrdStatus: "1",
		fixtag.ClOrdID: "o1", fixtag.OrigClOrdID: "-", fixtag.OrdStatusReqID: "st-1", fixtag.Symbol: "AAPL", fixtag.Side: "1",
		fixtag.OrdType: "2", fixtag.TimeInForce: "1", fixtag.OrderQty: "300", fixtag.Price: "100.25", fixtag.CumQty: "100",
		fixtag.LeavesQty: "200", fixtag.AvgPx: "100.25", fixtag.TransactTime: tt, fixtag.LastQty: "-", fixtag.LastPx: "-",
		fixtag.OrdRejReason: "-", fixtag.ExecTransType: "-", fixtag.Text: "-",
	}
	live42 := maps.Clone(liveWant)
	live42[fixtag.ExecTransType], live42[fixtag.ExecType] = "3", "1"
	noReqID := live
	noReqID.OrigClOrdID = engine.ID{}
	noReqIDWant := maps.Clone(liveWant)
	noReqIDWant[fixtag.OrdStatusReqID] = "-"
	filled := live
	filled.Status, filled.CumQty, filled.LeavesQty, filled.Notional = engine.StatusFilled, 300, 0, 300*10025
	filled42 := maps.Clone(live42)
	filled42[fixtag.ExecType], filled42[fixtag.OrdStatus], filled42[fixtag.CumQty], filled42[fixtag.LeavesQty] = "2", "2", "300", "0"

	unknown := engine.Event{ExecID: 51, Seq: 21, Time: ts, Kind: engine.EvStatus, Status: engine.StatusRejected,
		Reason: engine.ReasonUnknownOrderStatus, Text: engine.TextUnknownOrder, Side: engine.Sell, Symbol: 1,
		ClOrdID: id("nope"), OrigClOrdID: id("st-2")}
	unknownWant := map[quickfix.Tag]string{
		fixtag.MsgType: "8", fixtag.OrderID: "NONE", fixtag.ExecID: "51", fixtag.ExecType: "I", fixtag.OrdStatus: "8",
		fixtag.OrdRejReason: "5", fixtag.ClOrdID: "nope", fixtag.OrdStatusReqID: "st-2", fixtag.OrigClOrdID: "-",
		fixtag.Symbol: "NICK", fixtag.Side: "2", fixtag.OrdType: "-", fixtag.TimeInForce: "-", fixtag.Price: "-",
		fixtag.OrderQty: "0", fixtag.CumQty: "0", fixtag.LeavesQty: "0", fixtag.AvgPx: "0", fixtag.Text: "unknown order",
		fixtag.TransactTime: tt,
	}
	unknown42 := maps.Clone(unknownWant)
	unknown42[fixtag.ExecTransType], unknown42[fixtag.ExecType] = "3", "8"
	unknownSym := unknown
	unknownSym.Symbol, unknownSym.OrigClOrdID = engine.NoSymbol, engine.ID{}
	unknownSymWant := maps.Clone(unknownWant)
	unknownSymWant[fixtag.Symbol], unknownSymWant[fixtag.OrdStatusReqID] = unknownSymbolText, "-"

	bySymbol := engine.Event{ExecID: 60, Seq: 30, Time: ts, Kind: engine.EvMassCancelReport, Status: engine.StatusCanceled,
		ResponseTo: uint8(engine.MassBySymbol), Symbol: 1, Side: engine.Sell, OrderQty: 3, ClOrdID: id("m1")}
	bySymbolWant := map[quickfix.Tag]string{
		fixtag.MsgType: "r", fixtag.ClOrdID: "m1", fixtag.OrderID: "30", fixtag.MassCancelRequestType: "1",
		fixtag.MassCancelResponse: "1", fixtag.MassCancelRejectReason: "-", fixtag.TotalAffectedOrders: "3",
		fixtag.Symbol: "NICK", fixtag.Side: "2", fixtag.Text: "-", fixtag.TransactTime: tt,
		fixtag.ExecID: "-", fixtag.ExecType: "-", fixtag.OrdStatus: "-", fixtag.OrigClOrdID: "-", fixtag.LeavesQty: "-",
		fixtag.ExecTransType: "-",
	}
	all := engine.Event{ExecID: 61, Seq: 31, Time: ts, Kind: engine.EvMassCancelReport, Status: engine.StatusCanceled,
		ResponseTo: uint8(engine.MassAll), Symbol: engine.NoSymbol, ClOrdID: id("m2")}
	allWant := map[quickfix.Tag]string{
		fixtag.MsgType: "r", fixtag.ClOrdID: "m2", fixtag.OrderID: "31", fixtag.MassCancelRequestType: "7",
		fixtag.MassCancelResponse: "7", fixtag.TotalAffectedOrders: "0", fixtag.Symbol: "-", fixtag.Side: "-",
		fixtag.MassCancelRejectReason: "-", fixtag.TransactTime: tt,
	}
	unsupported := engine.Event{ExecID: 62, Seq: 32, Time: ts, Kind: engine.EvMassCancelReport, Status: engine.StatusRejected,
		Reason: engine.MassRejectNotSupported, Text: engine.TextMassNotSupported, ResponseTo: 3, Symbol: engine.NoSymbol,
		ClOrdID: id("m3")}
	unsupportedWant := map[quickfix.Tag]string{
		fixtag.MsgType: "r", fixtag.ClOrdID: "m3", fixtag.OrderID: "32", fixtag.MassCancelRequestType: "3",
		fixtag.MassCancelResponse: "0", fixtag.MassCancelRejectReason: "0", fixtag.TotalAffectedOrders: "0",
		fixtag.Symbol: "-", fixtag.Text: engine.TextOf(engine.TextMassNotSupported), fixtag.TransactTime: tt,
	}
	unknownSymMass := engine.Event{ExecID: 63, Seq: 33, Time: ts, Kind: engine.EvMassCancelReport, Status: engine.StatusRejected,
		Reason: engine.MassRejectUnknownSymbol, Text: engine.TextUnknownSymbol, ResponseTo: 1, Symbol: engine.NoSymbol,
		Side: engine.Buy, ClOrdID: id("m4")}
	unknownSymMassWant := map[quickfix.Tag]string{
		fixtag.MsgType: "r", fixtag.MassCancelRequestType: "1", fixtag.MassCancelResponse: "0",
		fixtag.MassCancelRejectReason: "1", fixtag.Symbol: "-", fixtag.Side: "1", fixtag.Text: "unknown symbol",
	}

	// The cancels of a mass cancel and of a cancel on disconnect have no
	// OrigClOrdID: the report carries the order's ClOrdID and no tag 41.
	massCanceled := engine.Event{ExecID: 64, Seq: 33, Time: ts, OrderID: 7, Kind: engine.EvCanceled, Status: engine.StatusCanceled,
		Side: engine.Buy, Type: engine.Limit, TIF: engine.Day, Price: 10025, OrderQty: 300, CumQty: 100, Notional: 100 * 10025,
		Text: engine.TextMassCanceled, ClOrdID: id("o1")}
	massCanceledWant := map[quickfix.Tag]string{
		fixtag.MsgType: "8", fixtag.ExecType: "4", fixtag.OrdStatus: "4", fixtag.ClOrdID: "o1", fixtag.OrigClOrdID: "-",
		fixtag.LeavesQty: "0", fixtag.CumQty: "100", fixtag.Text: "canceled by mass cancel request",
	}
	cod := massCanceled
	cod.Text = engine.TextCanceledOnDisconnect
	codWant := maps.Clone(massCanceledWant)
	codWant[fixtag.Text], codWant[fixtag.ExecTransType] = "canceled on disconnect", "0"

	return []reportCase{
		{"status live", live, false, liveWant},
		{"4.2 status live", live, true, live42},
		{"status without OrdStatusReqID", noReqID, false, noReqIDWant},
		{"4.2 status filled", filled, true, filled42},
		{"status unknown", unknown, false, unknownWant},
		{"4.2 status unknown", unknown, true, unknown42},
		{"status unknown symbol", unknownSym, false, unknownSymWant},
		{"mass cancel by symbol", bySymbol, false, bySymbolWant},
		{"4.2 mass cancel by symbol", bySymbol, true, bySymbolWant},
		{"mass cancel all", all, false, allWant},
		{"mass cancel unsupported", unsupported, false, unsupportedWant},
		{"mass cancel unknown symbol", unknownSymMass, false, unknownSymMassWant},
		{"mass-canceled order", massCanceled, false, massCanceledWant},
		{"4.2 canceled on disconnect", cod, true, codWant},
	}
}
