package marketdata

import (
	"strconv"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/decimal"
)

// AppendJSON appends r as one line of JSON (with the trailing newline), the
// format `replay -md` prints:
//
//	{"seq":N,"time":"2026-12-03T12:00:00.123456789Z","symbol":"AAPL","msg":"W"|"X",
//	 "entries":[{"action":"new|change|delete","type":"bid|offer|trade","px":"100.01","size":5,"orders":1}]}
//
// Prices are decimals of sym's tick grid (exactly TickDecimals decimals, from
// integer ticks, never through floating point); "action" is left out of a W;
// "orders" is 0 for trades and deleted levels. time is the command's sequencer
// time in UTC.
func AppendJSON(dst []byte, r *Refresh, sym *engine.SymbolConfig) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, r.Seq, 10)
	dst = append(dst, `,"time":"`...)
	dst = time.Unix(0, r.Time).UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","symbol":`...)
	dst = appendJSONString(dst, sym.Name)
	if r.Full {
		dst = append(dst, `,"msg":"W","entries":[`...)
	} else {
		dst = append(dst, `,"msg":"X","entries":[`...)
	}
	for i := range r.Entries {
		e := &r.Entries[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		if !r.Full {
			dst = append(dst, `"action":"`...)
			dst = append(dst, actionName(e.Action)...)
			dst = append(dst, `",`...)
		}
		dst = append(dst, `"type":"`...)
		dst = append(dst, typeName(e.Type)...)
		dst = append(dst, `","px":"`...)
		dst = decimal.AppendPrice(dst, e.Price, sym)
		dst = append(dst, `","size":`...)
		dst = strconv.AppendInt(dst, e.Size, 10)
		dst = append(dst, `,"orders":`...)
		dst = strconv.AppendInt(dst, int64(e.Orders), 10)
		dst = append(dst, '}')
	}
	return append(dst, "]}\n"...)
}

// actionName is the JSON name of an MDUpdateAction; a trade's entry, which
// may carry no action, is "new" (as in the FIX X).
func actionName(a Action) string {
	switch a {
	case Change:
		return "change"
	case Delete:
		return "delete"
	}
	return "new"
}

func typeName(t EntryType) string {
	switch t {
	case Bid:
		return "bid"
	case Offer:
		return "offer"
	case Trade:
		return "trade"
	}
	return "unknown"
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
