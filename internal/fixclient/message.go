package fixclient

import (
	"strconv"
	"strings"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
)

// field is one tag=value of a received message.
type field struct {
	tag quickfix.Tag
	val string
}

// message is a received message's fields in wire order, header included.
// The client reads raw fields rather than QuickFIX's FieldMap because the
// repeating groups of market data (NoMDEntries) are read without a data
// dictionary: an entry starts at each repetition of the group's first tag.
type message struct {
	typ    string
	fields []field
}

// parseMessage splits raw FIX (fields separated by sep, SOH on the wire).
func parseMessage(raw string, sep byte) *message {
	m := &message{fields: make([]field, 0, 32)}
	for raw != "" {
		var kv string
		if i := strings.IndexByte(raw, sep); i >= 0 {
			kv, raw = raw[:i], raw[i+1:]
		} else {
			kv, raw = raw, ""
		}
		k, v, ok := strings.Cut(kv, "=")
		tag, err := strconv.Atoi(k)
		if !ok || err != nil {
			continue
		}
		m.fields = append(m.fields, field{quickfix.Tag(tag), v})
		if quickfix.Tag(tag) == fixtag.MsgType && m.typ == "" {
			m.typ = v
		}
	}
	return m
}

// get returns the first value of tag, or "".
func (m *message) get(tag quickfix.Tag) string {
	for _, f := range m.fields {
		if f.tag == tag {
			return f.val
		}
	}
	return ""
}

// has reports whether tag is present.
func (m *message) has(tag quickfix.Tag) bool {
	for _, f := range m.fields {
		if f.tag == tag {
			return true
		}
	}
	return false
}

// mdEntry is one entry of a W or an X.
type mdEntry struct {
	action byte // MDUpdateAction(279): '0' new, '1' change, '2' delete; 0 in a W
	typ    byte // MDEntryType(269): '0' bid, '1' offer, '2' trade
	symbol string
	px     string
	size   string
	orders string
}

// entries returns the NoMDEntries(268) group of a W or an X, with the
// message's top-level Symbol for entries that carry none.
func (m *message) entries() []mdEntry {
	var out []mdEntry
	top := ""
	var delim quickfix.Tag
	in := false
	for _, f := range m.fields {
		switch {
		case !in && f.tag == fixtag.Symbol && top == "":
			top = f.val
			continue
		case !in && f.tag == fixtag.NoMDEntries:
			in = true
			continue
		case !in || f.tag == 10:
			continue
		}
		if delim == 0 {
			delim = f.tag
		}
		if f.tag == delim {
			out = append(out, mdEntry{symbol: top})
		}
		e := &out[len(out)-1]
		switch f.tag {
		case fixtag.MDUpdateAction:
			e.action = first(f.val)
		case fixtag.MDEntryType:
			e.typ = first(f.val)
		case fixtag.Symbol:
			e.symbol = f.val
		case fixtag.MDEntryPx:
			e.px = f.val
		case fixtag.MDEntrySize:
			e.size = f.val
		case fixtag.NumberOfOrders:
			e.orders = f.val
		}
	}
	return out
}

func first(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}
