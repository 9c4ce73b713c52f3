package fixclient

import (
	"strconv"
	"strings"

	"github.com/openmatch/matchd/internal/fixtag"
)

// Every received message is printed as one line: "SENDER>TARGET" (the
// CompIDs), what it is, then its fields in words, prices as the server wrote
// them (decimals), and the Text(58) in quotes.

func execTypeName(v string) string {
	switch v {
	case "0":
		return "new"
	case "F", "1", "2":
		return "trade"
	case "4":
		return "canceled"
	case "5":
		return "replaced"
	case "8":
		return "rejected"
	case "C":
		return "expired"
	case "I":
		return "status"
	case "6":
		return "pending-cancel"
	case "E":
		return "pending-replace"
	case "D":
		return "restated"
	}
	return "exectype-" + v
}

func ordStatusName(v string) string {
	switch v {
	case "0":
		return "new"
	case "1":
		return "partial"
	case "2":
		return "filled"
	case "4":
		return "canceled"
	case "5":
		return "replaced"
	case "6":
		return "pending-cancel"
	case "8":
		return "rejected"
	case "C":
		return "expired"
	case "E":
		return "pending-replace"
	}
	return v
}

func sideName(v string) string {
	switch v {
	case "1":
		return "buy"
	case "2":
		return "sell"
	}
	return "side-" + v
}

func tifName(v string) string {
	switch v {
	case "", "0":
		return "day"
	case "1":
		return "gtc"
	case "3":
		return "ioc"
	case "4":
		return "fok"
	}
	return "tif-" + v
}

func cxlRejReasonName(v string) string {
	switch v {
	case "0":
		return "too late to cancel"
	case "1":
		return "unknown order"
	case "6":
		return "duplicate ClOrdID"
	case "99":
		return "other"
	}
	return "reason " + v
}

func mdRejReasonName(v string) string {
	switch v {
	case "0":
		return "unknown symbol"
	case "1":
		return "duplicate MDReqID"
	case "4":
		return "unsupported SubscriptionRequestType"
	case "5":
		return "unsupported MarketDepth"
	case "6":
		return "unsupported MDUpdateType"
	case "8":
		return "unsupported MDEntryType"
	}
	return "reason " + v
}

// lineWriter builds one output line.
type lineWriter struct{ b strings.Builder }

func (w *lineWriter) word(s string) {
	if s == "" {
		return
	}
	if w.b.Len() > 0 {
		w.b.WriteByte(' ')
	}
	w.b.WriteString(s)
}

// kv writes key=v when v is not empty.
func (w *lineWriter) kv(key, v string) {
	if v != "" {
		w.word(key + "=" + v)
	}
}

// text writes Text(58) in quotes.
func (w *lineWriter) text(m *message) {
	if t := m.get(fixtag.Text); t != "" {
		w.word(strconv.Quote(t))
	}
}

// order writes "buy 100 AAPL @150.00 day" from an order's fields.
func (w *lineWriter) order(m *message) {
	w.word(sideName(m.get(fixtag.Side)))
	w.word(m.get(fixtag.OrderQty))
	w.word(m.get(fixtag.Symbol))
	switch {
	case m.get(fixtag.OrdType) == "1":
		w.word("market")
	case m.has(fixtag.Price):
		w.word("@" + m.get(fixtag.Price))
	}
	if m.has(fixtag.TimeInForce) {
		w.word(tifName(m.get(fixtag.TimeInForce)))
	}
}

// compIDs is "SENDER>TARGET" of a received message.
func compIDs(m *message) string { return m.get(fixtag.SenderCompID) + ">" + m.get(fixtag.TargetCompID) }

// formatMessage is the line printed for a received application message
// other than market data (W and X are printed by the book).
func formatMessage(m *message) string {
	w := &lineWriter{}
	w.word(compIDs(m))
	switch m.typ {
	case fixtag.MsgTypeExecutionReport:
		et := m.get(fixtag.ExecType)
		w.word("exec " + execTypeName(et))
		w.order(m)
		w.kv("id", m.get(fixtag.ClOrdID))
		w.kv("orig", m.get(fixtag.OrigClOrdID))
		if id := m.get(fixtag.OrderID); id != "NONE" {
			w.kv("order", id)
		}
		if et == "F" || et == "1" || et == "2" {
			w.word("last=" + m.get(fixtag.LastQty) + "@" + m.get(fixtag.LastPx))
		}
		w.kv("status", ordStatusName(m.get(fixtag.OrdStatus)))
		w.kv("leaves", m.get(fixtag.LeavesQty))
		w.kv("cum", m.get(fixtag.CumQty))
		if m.get(fixtag.CumQty) != "0" {
			w.kv("avg", m.get(fixtag.AvgPx))
		}
		w.kv("reason", m.get(fixtag.OrdRejReason))
		w.kv("req", m.get(fixtag.OrdStatusReqID))
		w.text(m)
	case fixtag.MsgTypeOrderCancelReject:
		w.word("cancel-reject")
		if m.get(fixtag.CxlRejResponseTo) == "2" {
			w.word("(replace)")
		} else {
			w.word("(cancel)")
		}
		w.kv("id", m.get(fixtag.ClOrdID))
		w.kv("orig", m.get(fixtag.OrigClOrdID))
		w.word("reason=" + m.get(fixtag.CxlRejReason) + " (" + cxlRejReasonName(m.get(fixtag.CxlRejReason)) + ")")
		w.kv("status", ordStatusName(m.get(fixtag.OrdStatus)))
		w.text(m)
	case fixtag.MsgTypeOrderMassCancelReport:
		w.word("mass-cancel-report")
		w.kv("id", m.get(fixtag.ClOrdID))
		switch m.get(fixtag.MassCancelRequestType) {
		case "1":
			w.word("symbol " + m.get(fixtag.Symbol))
		case "7":
			w.word("all orders")
		default:
			w.kv("type", m.get(fixtag.MassCancelRequestType))
		}
		if s := m.get(fixtag.Side); s != "" {
			w.word(sideName(s))
		}
		if resp := m.get(fixtag.MassCancelResponse); resp == "0" {
			w.word("rejected")
			w.kv("reason", m.get(fixtag.MassCancelRejectReason))
		} else {
			w.word("accepted")
			w.kv("canceled", m.get(fixtag.TotalAffectedOrders))
		}
		w.text(m)
	case fixtag.MsgTypeReject:
		w.word("reject")
		w.kv("ref-seq", m.get(fixtag.RefSeqNum))
		w.kv("ref-type", m.get(fixtag.RefMsgType))
		w.kv("ref-tag", m.get(fixtag.RefTagID))
		w.kv("reason", m.get(fixtag.SessionRejectReason))
		w.text(m)
	case fixtag.MsgTypeBusinessMessageReject:
		w.word("business-reject")
		w.kv("ref-seq", m.get(fixtag.RefSeqNum))
		w.kv("ref-type", m.get(fixtag.RefMsgType))
		w.kv("ref-id", m.get(fixtag.BusinessRejectRefID))
		w.kv("reason", m.get(fixtag.BusinessRejectReason))
		w.text(m)
	case fixtag.MsgTypeMarketDataRequestReject:
		w.word("md-reject")
		w.kv("req", m.get(fixtag.MDReqID))
		if r := m.get(fixtag.MDReqRejReason); r != "" {
			w.word("reason=" + r + " (" + mdRejReasonName(r) + ")")
		}
		w.text(m)
	case fixtag.MsgTypeNews:
		w.word("news")
		w.word(strconv.Quote(m.get(fixtag.Headline)))
		for _, f := range m.fields {
			if f.tag == fixtag.Text {
				w.word(strconv.Quote(f.val))
			}
		}
	default:
		w.word("msg " + m.typ)
		for _, f := range m.fields {
			switch f.tag {
			case 8, 9, 10, fixtag.MsgType, fixtag.SenderCompID, fixtag.TargetCompID, fixtag.MsgSeqNum, 52:
				continue
			}
			w.word(strconv.Itoa(int(f.tag)) + "=" + f.val)
		}
	}
	return w.b.String()
}
