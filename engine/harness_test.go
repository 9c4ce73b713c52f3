package engine_test

// Shared pieces of the engine's correctness harness: one interface over the fast
// engine and the reference book, and stable text forms of commands, events and
// states for the scenario files and for failure messages.

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/engine/internal/refbook"
)

// timeBase is the Time of Seq 0 in harness-built commands: Time = timeBase + Seq.
const timeBase int64 = 1_700_000_000_000_000_000

// matcher is what the harness drives: the fast engine or the reference book.
type matcher interface {
	// apply applies c and returns its events; the slice is valid until the next call.
	apply(c *engine.Command) []engine.Event
	state(s *engine.State)
	hash() uint64
	// check verifies internal consistency (the engine's CheckInvariants).
	check() error
}

type refMatcher struct {
	b   *refbook.Book
	buf []engine.Event
}

func newRefMatcher(cfg engine.Config) (matcher, error) {
	b, err := refbook.New(cfg)
	if err != nil {
		return nil, err
	}
	return &refMatcher{b: b}, nil
}

func (m *refMatcher) apply(c *engine.Command) []engine.Event {
	m.buf = m.b.Apply(c, m.buf[:0])
	return m.buf
}
func (m *refMatcher) state(s *engine.State) { m.b.State(s) }
func (m *refMatcher) hash() uint64          { return m.b.StateHash() }
func (m *refMatcher) check() error          { return nil }

type engineMatcher struct {
	e  *engine.Engine
	ev *engine.Events
	st engine.State
}

func newEngineMatcher(cfg engine.Config) (matcher, error) {
	e, err := engine.New(cfg)
	if err != nil {
		return nil, err
	}
	return &engineMatcher{e: e, ev: engine.NewEvents(64)}, nil
}

func (m *engineMatcher) apply(c *engine.Command) []engine.Event {
	m.ev.Reset()
	m.e.Apply(c, m.ev)
	return m.ev.Slice()
}
func (m *engineMatcher) state(s *engine.State) { m.e.State(s) }
func (m *engineMatcher) hash() uint64          { return m.e.StateHash() }

// check runs CheckInvariants and also verifies that the streaming StateHash
// agrees with the hash of the materialized State.
func (m *engineMatcher) check() error {
	if err := m.e.CheckInvariants(); err != nil {
		return err
	}
	m.e.State(&m.st)
	if h, sh := m.e.StateHash(), m.st.Hash(); h != sh {
		return fmt.Errorf("StateHash() = %#x but State().Hash() = %#x", h, sh)
	}
	return nil
}

// --- text forms ---

func symName(cfg *engine.Config, s uint32) string {
	if s == engine.NoSymbol {
		return "?"
	}
	if int64(s) < int64(len(cfg.Symbols)) {
		return cfg.Symbols[s].Name
	}
	return "#" + strconv.FormatUint(uint64(s), 10)
}

func sideName(s engine.Side) string {
	switch s {
	case engine.Buy:
		return "buy"
	case engine.Sell:
		return "sell"
	}
	return "side(" + strconv.Itoa(int(s)) + ")"
}

func typeName(t engine.OrdType) string {
	switch t {
	case engine.Limit:
		return "limit"
	case engine.Market:
		return "market"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

func tifName(t engine.TIF) string {
	switch t {
	case engine.Day:
		return "day"
	case engine.GTC:
		return "gtc"
	case engine.IOC:
		return "ioc"
	case engine.FOK:
		return "fok"
	}
	return "tif(" + strconv.Itoa(int(t)) + ")"
}

func kindName(k engine.EventKind) string {
	switch k {
	case engine.EvAccepted:
		return "accepted"
	case engine.EvFill:
		return "fill"
	case engine.EvCanceled:
		return "canceled"
	case engine.EvReplaced:
		return "replaced"
	case engine.EvRejected:
		return "rejected"
	case engine.EvCancelRejected:
		return "cxl-rejected"
	case engine.EvExpired:
		return "expired"
	case engine.EvStatus:
		return "status"
	case engine.EvMassCancelReport:
		return "mass-report"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

func statusName(s engine.OrdStatus) string {
	switch s {
	case engine.StatusNew:
		return "new"
	case engine.StatusPartiallyFilled:
		return "partial"
	case engine.StatusFilled:
		return "filled"
	case engine.StatusCanceled:
		return "canceled"
	case engine.StatusReplaced:
		return "replaced"
	case engine.StatusRejected:
		return "rejected"
	case engine.StatusExpired:
		return "expired"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

func invalidName(v engine.Invalid) string {
	switch v {
	case engine.InvalidNone:
		return "none"
	case engine.InvalidQty:
		return "qty"
	case engine.InvalidTick:
		return "tick"
	case engine.InvalidPrice:
		return "price"
	}
	return strconv.Itoa(int(v))
}

func scopeName(t engine.OrdType) string {
	switch t {
	case engine.MassBySymbol:
		return "symbol"
	case engine.MassAll:
		return "all"
	case engine.MassOnDisconnect:
		return "disconnect"
	}
	return strconv.Itoa(int(t))
}

// idText renders an ID bare when it is plain, quoted otherwise.
func idText(id engine.ID) string {
	s := id.String()
	if s == "" || strings.ContainsAny(s, " \t\"=()") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

// avgPx renders Notional/CumQty exactly when it terminates within 4 decimals,
// else rounded to 4 decimals.
func avgPx(notional, cum int64) string {
	s := new(big.Rat).SetFrac64(notional, cum).FloatString(4)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// formatEvent renders every field of e except Seq and Time (which the harness
// checks separately). Fields that only some kinds use are shown for those kinds,
// and for any other kind when they are non-zero.
func formatEvent(cfg *engine.Config, e *engine.Event) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s exec=%d owner=%d id=%s", kindName(e.Kind), e.ExecID, e.Owner, idText(e.ClOrdID))
	if e.OrigClOrdID != (engine.ID{}) || e.Kind == engine.EvReplaced || e.Kind == engine.EvCancelRejected {
		w(" orig=%s", idText(e.OrigClOrdID))
	}
	w(" oid=%d st=%s %s %s %s %s px=%d qty=%d", e.OrderID, statusName(e.Status), symName(cfg, e.Symbol),
		sideName(e.Side), typeName(e.Type), tifName(e.TIF), e.Price, e.OrderQty)
	if e.Kind == engine.EvFill || e.LastQty != 0 || e.LastPx != 0 {
		w(" last=%d@%d", e.LastQty, e.LastPx)
	}
	w(" cum=%d leaves=%d ntl=%d", e.CumQty, e.LeavesQty, e.Notional)
	if e.CumQty > 0 {
		w(" avgpx=%s", avgPx(e.Notional, e.CumQty))
	}
	if e.Kind == engine.EvRejected || e.Kind == engine.EvCancelRejected || e.Status == engine.StatusRejected || e.Reason != 0 {
		w(" reason=%d", e.Reason)
	}
	switch {
	case e.Kind == engine.EvMassCancelReport:
		w(" scope=%s", scopeName(engine.OrdType(e.ResponseTo)))
	case e.ResponseTo == 1:
		w(" to=cancel")
	case e.ResponseTo == 2:
		w(" to=replace")
	case e.ResponseTo != 0 || e.Kind == engine.EvCancelRejected:
		w(" to=%d", e.ResponseTo)
	}
	if e.Text != engine.TextNone {
		w(" text=%q", engine.TextOf(e.Text))
	}
	return b.String()
}

// formatCommand renders c in the scenario-file syntax.
func formatCommand(cfg *engine.Config, c *engine.Command) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	switch c.Kind {
	case engine.KindNew:
		b.WriteString("new")
	case engine.KindCancel:
		b.WriteString("cancel")
	case engine.KindReplace:
		b.WriteString("replace")
	case engine.KindEndOfDay:
		b.WriteString("eod")
	case engine.KindStatus:
		w("status seq=%d owner=%d id=%s req=%s sym=%s side=%s", c.Seq, c.Owner, idText(c.OrigClOrdID), idText(c.ClOrdID),
			symName(cfg, c.Symbol), sideName(c.Side))
		return b.String()
	case engine.KindMassCancel:
		w("mass seq=%d owner=%d id=%s scope=%s sym=%s side=%s", c.Seq, c.Owner, idText(c.ClOrdID), scopeName(c.Type),
			symName(cfg, c.Symbol), sideName(c.Side))
		return b.String()
	default:
		w("raw kind=%d", c.Kind)
	}
	w(" seq=%d owner=%d id=%s orig=%s sym=%s side=%s type=%s tif=%s px=%d qty=%d",
		c.Seq, c.Owner, idText(c.ClOrdID), idText(c.OrigClOrdID), symName(cfg, c.Symbol),
		sideName(c.Side), typeName(c.Type), tifName(c.TIF), c.Price, c.Qty)
	if c.Invalid != engine.InvalidNone {
		w(" invalid=%s", invalidName(c.Invalid))
	}
	return b.String()
}

// formatOrder renders one resting order.
func formatOrder(cfg *engine.Config, o *engine.OrderView, withSym bool) string {
	var b strings.Builder
	if withSym {
		b.WriteString(symName(cfg, o.Symbol) + " ")
	}
	side := "bid"
	if o.Side != engine.Buy {
		side = "ask"
		if o.Side != engine.Sell {
			side = sideName(o.Side)
		}
	}
	fmt.Fprintf(&b, "%s px=%d owner=%d id=%s oid=%d %s qty=%d cum=%d leaves=%d ntl=%d",
		side, o.Price, o.Owner, idText(o.ClOrdID), o.OrderID, tifName(o.TIF), o.OrderQty, o.Cum, o.Leaves, o.Notional)
	return b.String()
}

// formatState renders a canonical state, one order per line, then the history,
// oldest first, one entry per line: owner/ClOrdID:status and the order's details
// (or "no details" for an entry restored from an old snapshot), or
// owner/ClOrdID:request for a request entry (a mass cancel's ClOrdID).
func formatState(cfg *engine.Config, s *engine.State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "last-seq=%d next-exec=%d hash=%#016x\n", s.LastSeq, s.NextExecID, s.Hash())
	for i := range s.Orders {
		b.WriteString(formatOrder(cfg, &s.Orders[i], true) + "\n")
	}
	b.WriteString("history:")
	if len(s.History) == 0 {
		b.WriteString(" (empty)")
	}
	b.WriteString("\n")
	for i := range s.History {
		b.WriteString("  " + formatHistory(cfg, &s.History[i]) + "\n")
	}
	return b.String()
}

// formatHistory renders one history entry.
func formatHistory(cfg *engine.Config, h *engine.HistoryEntry) string {
	if h.Request && h.Status == engine.StatusRejected && !h.Known() {
		return fmt.Sprintf("%d/%s:request", h.Owner, idText(h.ClOrdID))
	}
	s := fmt.Sprintf("%d/%s:%s", h.Owner, idText(h.ClOrdID), statusName(h.Status))
	if h.Request {
		s += " request" // with a status or details it must not have
	}
	if !h.Known() {
		return s + " no details"
	}
	return s + fmt.Sprintf(" oid=%d %s %s %s %s px=%d qty=%d cum=%d ntl=%d", h.OrderID, symName(cfg, h.Symbol),
		sideName(h.Side), typeName(h.Type), tifName(h.TIF), h.Price, h.OrderQty, h.CumQty, h.Notional)
}

// diffLines returns the first line where a and b differ, with both versions.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("first difference at line %d:\n  engine: %s\n  ref:    %s", i+1, x, y)
		}
	}
	return "no difference"
}

// compareEvents compares one command's events from the engine (got) and the
// reference (want) and returns a description of the first difference, or "".
func compareEvents(cfg *engine.Config, got, want []engine.Event) string {
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("event %d missing from engine; ref: %s", i, formatEvent(cfg, &want[i]))
		case i >= len(want):
			return fmt.Sprintf("event %d extra in engine: %s", i, formatEvent(cfg, &got[i]))
		case got[i] != want[i]:
			return fmt.Sprintf("event %d differs:\n  engine: %s seq=%d time=%d\n  ref:    %s seq=%d time=%d", i,
				formatEvent(cfg, &got[i]), got[i].Seq, got[i].Time, formatEvent(cfg, &want[i]), want[i].Seq, want[i].Time)
		}
	}
	return ""
}
