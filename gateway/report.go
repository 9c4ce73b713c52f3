package gateway

import (
	"strconv"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/decimal"
	"github.com/openmatch/matchd/internal/fixtag"
)

// unknownSymbolText is Symbol(55) of a report whose symbol name is no longer known
// (an unknown symbol whose slot was reused; see unknownSlots).
const unknownSymbolText = "UNKNOWN"

// transactTimeLayout is TransactTime(60): UTC with microseconds.
const transactTimeLayout = "20060102-15:04:05.000000"

// Header values set by buildReport. QuickFIX keeps a reference to a value and
// copies it into the field's wire bytes; it never writes to it.
var (
	msgTypeExecutionReport = []byte(fixtag.MsgTypeExecutionReport)
	msgTypeCancelReject    = []byte(fixtag.MsgTypeOrderCancelReject)
	msgTypeMassCancelRep   = []byte(fixtag.MsgTypeOrderMassCancelReport)
	possResendYes          = []byte("Y")
)

// reportBuilder formats reports into reused quickfix.Messages. A new Message
// costs a map and its growth for each of its three field maps, and clearing a
// reused one costs a field slice and a map insertion per field when it is
// refilled. So a builder keeps one message per shape of report (its MsgType
// and the list of body tags it sets: an ack, a fill, a cancel, a reject, ...)
// and overwrites that message's fields in place, which costs QuickFIX one
// small allocation per field (the field's wire bytes). A message may be reused
// once SendToTarget has returned: QuickFIX serializes it there and keeps only
// the bytes. A builder belongs to one goroutine.
//
// A report is built in two steps: its values are appended to one buffer and
// listed (tag, bounds), then the message of its shape gets them. Each field
// keeps its own sub-slice of the buffer (QuickFIX keeps a reference to the
// value), so a value is never overwritten while its message is being built.
type reportBuilder struct {
	buf     []byte
	fields  []fieldRef
	msgType []byte
	shapes  []reportShape
	// resend makes the next reports carry PossResend(97)=Y (failover
	// resends, role.go); such reports have shapes of their own.
	resend bool
}

// fieldRef is one body field of the report being built: its value is
// buf[start:end].
type fieldRef struct {
	tag        quickfix.Tag
	start, end int
}

// reportShape is a cached message and the fields it holds.
type reportShape struct {
	msgType []byte
	tags    []quickfix.Tag
	resend  bool
	m       *quickfix.Message
}

// maxShapes bounds a builder's cache. Reports come in a dozen shapes; past
// the bound the last slot is cleared and refilled (correct, just slower).
const maxShapes = 32

func newReportBuilder() *reportBuilder {
	return &reportBuilder{buf: make([]byte, 0, 384), fields: make([]fieldRef, 0, 24)}
}

func (w *reportBuilder) set(tag quickfix.Tag, start int) {
	w.fields = append(w.fields, fieldRef{tag: tag, start: start, end: len(w.buf)})
}

// message hands the listed fields to the message of their shape and returns it.
func (w *reportBuilder) message() *quickfix.Message {
	sh := w.shape()
	for _, f := range w.fields {
		sh.m.Body.SetBytes(f.tag, w.buf[f.start:f.end:f.end])
	}
	return sh.m
}

// shape finds or makes the cached message for the listed fields.
func (w *reportBuilder) shape() *reportShape {
next:
	for i := range w.shapes {
		sh := &w.shapes[i]
		if sh.msgType[0] != w.msgType[0] || len(sh.tags) != len(w.fields) || sh.resend != w.resend {
			continue
		}
		for j, f := range w.fields {
			if sh.tags[j] != f.tag {
				continue next
			}
		}
		return sh
	}
	var sh *reportShape
	if len(w.shapes) < maxShapes {
		w.shapes = append(w.shapes, reportShape{m: quickfix.NewMessage()})
		sh = &w.shapes[len(w.shapes)-1]
	} else {
		sh = &w.shapes[len(w.shapes)-1]
		sh.m.Header.Clear()
		sh.m.Body.Clear()
		sh.m.Trailer.Clear()
	}
	// MsgType is set once: QuickFIX reads it at send but never changes it,
	// and sets the rest of the header (CompIDs, MsgSeqNum, SendingTime,
	// BodyLength) again at every send.
	sh.msgType = w.msgType
	sh.m.Header.SetBytes(fixtag.MsgType, w.msgType)
	sh.resend = w.resend
	if w.resend {
		sh.m.Header.SetBytes(fixtag.PossResend, possResendYes)
	}
	sh.tags = sh.tags[:0]
	for _, f := range w.fields {
		sh.tags = append(sh.tags, f.tag)
	}
	return sh
}

func (w *reportBuilder) str(tag quickfix.Tag, s string) {
	start := len(w.buf)
	w.buf = append(w.buf, s...)
	w.set(tag, start)
}

func (w *reportBuilder) char(tag quickfix.Tag, c byte) {
	start := len(w.buf)
	w.buf = append(w.buf, c)
	w.set(tag, start)
}

func (w *reportBuilder) int(tag quickfix.Tag, v int64) {
	start := len(w.buf)
	w.buf = strconv.AppendInt(w.buf, v, 10)
	w.set(tag, start)
}

func (w *reportBuilder) uint(tag quickfix.Tag, v uint64) {
	start := len(w.buf)
	w.buf = strconv.AppendUint(w.buf, v, 10)
	w.set(tag, start)
}

func (w *reportBuilder) id(tag quickfix.Tag, id *engine.ID) {
	start := len(w.buf)
	w.buf = append(w.buf, id.Bytes()...)
	w.set(tag, start)
}

func (w *reportBuilder) price(tag quickfix.Tag, ticks int64, sc *engine.SymbolConfig) {
	start := len(w.buf)
	w.buf = decimal.AppendPrice(w.buf, ticks, sc)
	w.set(tag, start)
}

func (w *reportBuilder) orderID(id uint64) {
	start := len(w.buf)
	if id == 0 {
		w.buf = append(w.buf, "NONE"...)
	} else {
		w.buf = strconv.AppendUint(w.buf, id, 10)
	}
	w.set(fixtag.OrderID, start)
}

func (w *reportBuilder) transactTime(ns int64) {
	start := len(w.buf)
	w.buf = time.Unix(0, ns).UTC().AppendFormat(w.buf, transactTimeLayout)
	w.set(fixtag.TransactTime, start)
}

// build formats ev as the message for its owner's session: an
// ExecutionReport (8), an OrderCancelReject (9) for EvCancelRejected, or an
// OrderMassCancelReport (r) for EvMassCancelReport (report_status.go). fix42
// selects FIX 4.2 conventions (ExecTransType 0, ExecType 1/2 for fills; for
// EvStatus ExecTransType 3 and ExecType = OrdStatus, see statusExecType). The
// message is the builder's cached one for the report's shape, valid until the
// next build of that shape.
func (b *reportBuilder) build(ev *engine.Event, fix42 bool, syms *symbolTable) *quickfix.Message {
	w := b
	w.buf, w.fields = w.buf[:0], w.fields[:0]
	if ev.Kind == engine.EvCancelRejected {
		w.msgType = msgTypeCancelReject
		w.orderID(ev.OrderID)
		w.id(fixtag.ClOrdID, &ev.ClOrdID)
		w.id(fixtag.OrigClOrdID, &ev.OrigClOrdID)
		w.char(fixtag.OrdStatus, byte(ev.Status))
		w.int(fixtag.CxlRejResponseTo, int64(ev.ResponseTo))
		w.int(fixtag.CxlRejReason, int64(ev.Reason))
		if ev.Text != engine.TextNone {
			w.str(fixtag.Text, engine.TextOf(ev.Text))
		}
		w.transactTime(ev.Time)
		return w.message()
	}
	if ev.Kind == engine.EvMassCancelReport {
		return w.massCancelReport(ev, syms)
	}

	w.msgType = msgTypeExecutionReport
	w.orderID(ev.OrderID)
	w.uint(fixtag.ExecID, ev.ExecID)
	status := ev.Kind == engine.EvStatus
	if fix42 {
		if status {
			w.char(fixtag.ExecTransType, execTransTypeStatus)
		} else {
			w.char(fixtag.ExecTransType, '0')
		}
	}
	w.char(fixtag.ExecType, execType(ev, fix42))
	w.char(fixtag.OrdStatus, byte(ev.Status))
	unknown := status && ev.Status == engine.StatusRejected
	if ev.Kind == engine.EvRejected || unknown {
		w.int(fixtag.OrdRejReason, int64(ev.Reason))
	}
	if ev.ClOrdID.N > 0 {
		w.id(fixtag.ClOrdID, &ev.ClOrdID)
	}
	// An EvStatus carries the OrdStatusReqID in OrigClOrdID.
	if ev.OrigClOrdID.N > 0 && !status {
		w.id(fixtag.OrigClOrdID, &ev.OrigClOrdID)
	}
	sc := syms.config(ev.Symbol)
	name := syms.name(ev.Symbol)
	if name == "" {
		name = unknownSymbolText
	}
	w.str(fixtag.Symbol, name)
	if ev.Side == engine.Buy || ev.Side == engine.Sell {
		w.char(fixtag.Side, '0'+byte(ev.Side))
	}
	// An unknown order's status has no OrdType or TimeInForce to tell.
	if (ev.Type == engine.Market || ev.Type == engine.Limit) && !unknown {
		w.char(fixtag.OrdType, '0'+byte(ev.Type))
	}
	switch ev.TIF {
	case engine.Day, engine.GTC, engine.IOC, engine.FOK:
		if !unknown {
			w.char(fixtag.TimeInForce, '0'+byte(ev.TIF))
		}
	}
	w.int(fixtag.OrderQty, ev.OrderQty)
	if ev.Type == engine.Limit && ev.Price != 0 && sc != nil {
		w.price(fixtag.Price, ev.Price, sc)
	}
	if ev.Kind == engine.EvFill {
		w.int(fixtag.LastQty, ev.LastQty)
		if sc != nil {
			w.price(fixtag.LastPx, ev.LastPx, sc)
		}
	}
	w.int(fixtag.LeavesQty, ev.LeavesQty)
	w.int(fixtag.CumQty, ev.CumQty)
	start := len(w.buf)
	if sc != nil {
		w.buf = decimal.AppendAvgPx(w.buf, ev.Notional, ev.CumQty, sc)
	} else {
		w.buf = append(w.buf, '0')
	}
	w.set(fixtag.AvgPx, start)
	if status && ev.OrigClOrdID.N > 0 {
		w.id(fixtag.OrdStatusReqID, &ev.OrigClOrdID)
	}
	if ev.Text != engine.TextNone {
		w.str(fixtag.Text, engine.TextOf(ev.Text))
	}
	w.transactTime(ev.Time)
	return w.message()
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
	case engine.EvStatus:
		return statusExecType(ev, fix42)
	}
	return '8'
}

// buildLostNotice is the News (B) a session gets when reports for it could
// not be regenerated from the journal (see fillGap): ExecIDs from..to.
func buildLostNotice(from, to uint64) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetString(fixtag.MsgType, fixtag.MsgTypeNews)
	m.Body.SetString(fixtag.Headline, "execution reports lost")
	m.Body.SetInt(fixtag.LinesOfText, 1)
	m.Body.SetString(fixtag.Text, "execution reports for this session with ExecIDs from "+strconv.FormatUint(from, 10)+
		" to "+strconv.FormatUint(to, 10)+" could not be regenerated from the journal; order states may differ from the reports received")
	return m
}
