package gateway

import (
	"strconv"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// unknownSymbolText is Symbol(55) of a report whose symbol name is no longer known
// (an unknown symbol whose slot was reused; see unknownSlots).
const unknownSymbolText = "UNKNOWN"

// transactTimeLayout is TransactTime(60): UTC with microseconds.
const transactTimeLayout = "20060102-15:04:05.000000"

// fieldWriter sets body fields from bytes appended to one growing buffer. Each
// field keeps its own sub-slice (QuickFIX keeps a reference to the value), so a
// value is never overwritten by a later one.
type fieldWriter struct {
	m   *quickfix.Message
	buf []byte
}

func (w *fieldWriter) set(tag quickfix.Tag, start int) {
	end := len(w.buf)
	w.m.Body.SetBytes(tag, w.buf[start:end:end])
}

func (w *fieldWriter) str(tag quickfix.Tag, s string) {
	start := len(w.buf)
	w.buf = append(w.buf, s...)
	w.set(tag, start)
}

func (w *fieldWriter) char(tag quickfix.Tag, c byte) {
	start := len(w.buf)
	w.buf = append(w.buf, c)
	w.set(tag, start)
}

func (w *fieldWriter) int(tag quickfix.Tag, v int64) {
	start := len(w.buf)
	w.buf = strconv.AppendInt(w.buf, v, 10)
	w.set(tag, start)
}

func (w *fieldWriter) uint(tag quickfix.Tag, v uint64) {
	start := len(w.buf)
	w.buf = strconv.AppendUint(w.buf, v, 10)
	w.set(tag, start)
}

func (w *fieldWriter) id(tag quickfix.Tag, id *engine.ID) {
	start := len(w.buf)
	w.buf = append(w.buf, id.Bytes()...)
	w.set(tag, start)
}

func (w *fieldWriter) price(tag quickfix.Tag, ticks int64, sc *engine.SymbolConfig) {
	start := len(w.buf)
	w.buf = appendPrice(w.buf, ticks, sc)
	w.set(tag, start)
}

func (w *fieldWriter) orderID(id uint64) {
	start := len(w.buf)
	if id == 0 {
		w.buf = append(w.buf, "NONE"...)
	} else {
		w.buf = strconv.AppendUint(w.buf, id, 10)
	}
	w.set(tagOrderID, start)
}

func (w *fieldWriter) transactTime(ns int64) {
	start := len(w.buf)
	w.buf = time.Unix(0, ns).UTC().AppendFormat(w.buf, transactTimeLayout)
	w.set(tagTransactTime, start)
}

// buildReport formats ev as the message for its owner's session: an
// ExecutionReport (8), or an OrderCancelReject (9) for EvCancelRejected. fix42
// selects FIX 4.2 conventions (ExecTransType 0, ExecType 1/2 for fills).
func buildReport(ev *engine.Event, fix42 bool, syms *symbolTable) *quickfix.Message {
	m := quickfix.NewMessage()
	w := fieldWriter{m: m, buf: make([]byte, 0, 384)}
	if ev.Kind == engine.EvCancelRejected {
		m.Header.SetBytes(tagMsgType, []byte{'9'})
		w.orderID(ev.OrderID)
		w.id(tagClOrdID, &ev.ClOrdID)
		w.id(tagOrigClOrdID, &ev.OrigClOrdID)
		w.char(tagOrdStatus, byte(ev.Status))
		w.int(tagCxlRejResponseTo, int64(ev.ResponseTo))
		w.int(tagCxlRejReason, int64(ev.Reason))
		if ev.Text != engine.TextNone {
			w.str(tagText, engine.TextOf(ev.Text))
		}
		w.transactTime(ev.Time)
		return m
	}

	m.Header.SetBytes(tagMsgType, []byte{'8'})
	w.orderID(ev.OrderID)
	w.uint(tagExecID, ev.ExecID)
	if fix42 {
		w.char(tagExecTransType, '0')
	}
	w.char(tagExecType, execType(ev, fix42))
	w.char(tagOrdStatus, byte(ev.Status))
	if ev.Kind == engine.EvRejected {
		w.int(tagOrdRejReason, int64(ev.Reason))
	}
	if ev.ClOrdID.N > 0 {
		w.id(tagClOrdID, &ev.ClOrdID)
	}
	if ev.OrigClOrdID.N > 0 {
		w.id(tagOrigClOrdID, &ev.OrigClOrdID)
	}
	sc := syms.config(ev.Symbol)
	name := syms.name(ev.Symbol)
	if name == "" {
		name = unknownSymbolText
	}
	w.str(tagSymbol, name)
	if ev.Side == engine.Buy || ev.Side == engine.Sell {
		w.char(tagSide, '0'+byte(ev.Side))
	}
	if ev.Type == engine.Market || ev.Type == engine.Limit {
		w.char(tagOrdType, '0'+byte(ev.Type))
	}
	switch ev.TIF {
	case engine.Day, engine.GTC, engine.IOC, engine.FOK:
		w.char(tagTimeInForce, '0'+byte(ev.TIF))
	}
	w.int(tagOrderQty, ev.OrderQty)
	if ev.Type == engine.Limit && ev.Price != 0 && sc != nil {
		w.price(tagPrice, ev.Price, sc)
	}
	if ev.Kind == engine.EvFill {
		w.int(tagLastQty, ev.LastQty)
		if sc != nil {
			w.price(tagLastPx, ev.LastPx, sc)
		}
	}
	w.int(tagLeavesQty, ev.LeavesQty)
	w.int(tagCumQty, ev.CumQty)
	start := len(w.buf)
	if sc != nil {
		w.buf = appendAvgPx(w.buf, ev.Notional, ev.CumQty, sc)
	} else {
		w.buf = append(w.buf, '0')
	}
	w.set(tagAvgPx, start)
	if ev.Text != engine.TextNone {
		w.str(tagText, engine.TextOf(ev.Text))
	}
	w.transactTime(ev.Time)
	return m
}

// execType maps an event to ExecType(150).
func execType(ev *engine.Event, fix42 bool) byte {
	switch ev.Kind {
	case engine.EvAccepted:
		return '0'
	case engine.EvFill:
		if !fix42 {
			return 'F'
		}
		if ev.Status == engine.StatusFilled {
			return '2'
		}
		return '1'
	case engine.EvCanceled:
		return '4'
	case engine.EvReplaced:
		return '5'
	case engine.EvRejected:
		return '8'
	case engine.EvExpired:
		return 'C'
	}
	return '8'
}

// buildLostNotice is the News (B) a session gets at logon when reports for it
// were dropped while it was offline because its pending queue was full.
func buildLostNotice(dropped, lastExecID uint64, limit int) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetBytes(tagMsgType, []byte{'B'})
	m.Body.SetString(tagHeadline, "execution reports lost")
	m.Body.SetInt(tagLinesOfText, 1)
	m.Body.SetString(tagText, strconv.FormatUint(dropped, 10)+
		" execution reports for this session were dropped while it was offline (pending limit "+
		strconv.Itoa(limit)+"); the last dropped ExecID is "+strconv.FormatUint(lastExecID, 10)+
		"; order states may differ from the reports received")
	return m
}
