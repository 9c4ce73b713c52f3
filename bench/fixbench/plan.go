package fixbench

import (
	"math/rand"
	"strconv"
)

// opKind is what an order is for.
type opKind uint8

const (
	// passive orders never cross: buys below and sells above the crossing
	// price. IOC by default (acknowledged, then canceled at once), or DAY
	// (they rest) with Options.PassiveDay.
	passive opKind = iota
	// maker orders are DAY sells at the crossing price; they rest until a
	// taker of the same session takes them.
	maker
	// taker orders are IOC buys at the crossing price that fill against a
	// resting maker: their fill is measured.
	taker
)

// op is one planned order (4 bytes: the plan of a long run stays small).
type op struct {
	kind opKind
	sym  uint8 // index into Options.Symbols
	buy  bool
	tick uint8 // passive: distance from the crossing price in ticks, 1..maxTicks
}

// maxTicks is how far from the crossing price passive orders go.
const maxTicks = 100

// planSession draws n orders for one session. A fraction cross of them are
// takers and as many are makers; each taker follows its maker in the same
// session, so (one session's orders being sequenced in order) a maker always
// rests when its taker arrives and every taker fills at once, while the book
// never holds more than one maker per session. The rest are passive.
func planSession(r *rand.Rand, n int, cross float64, symbols int) []op {
	ops := make([]op, n)
	pending := -1 // index of a maker waiting for its taker
	for i := range ops {
		o := &ops[i]
		if r.Float64() < 2*cross {
			if pending < 0 {
				*o = op{kind: maker, sym: uint8(r.Intn(symbols))}
				pending = i
			} else {
				*o = op{kind: taker, sym: ops[pending].sym, buy: true}
				pending = -1
			}
			continue
		}
		*o = op{kind: passive, sym: uint8(r.Intn(symbols)), buy: r.Intn(2) == 0, tick: uint8(1 + r.Intn(maxTicks))}
	}
	if pending >= 0 { // a maker without a taker would stay in the book
		ops[pending] = op{kind: passive, sym: ops[pending].sym, tick: 1}
	}
	return ops
}

// prices holds the order prices as FIX field bytes, computed once.
type prices struct {
	cross []byte               // the crossing price
	buy   [maxTicks + 1][]byte // buy[k]: crossing price minus k ticks
	sell  [maxTicks + 1][]byte // sell[k]: crossing price plus k ticks
}

// newPrices formats prices around cents (the crossing price in hundredths),
// which must exceed maxTicks so that every buy price stays positive.
func newPrices(cents int64) *prices {
	p := &prices{cross: formatCents(cents)}
	for k := 1; k <= maxTicks; k++ {
		p.buy[k] = formatCents(cents - int64(k))
		p.sell[k] = formatCents(cents + int64(k))
	}
	return p
}

// formatCents renders 12345 as "123.45".
func formatCents(c int64) []byte {
	frac := c % 100
	b := strconv.AppendInt(nil, c/100, 10)
	b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	return b
}

// parseCents reads a price with at most two decimals ("100", "100.5",
// "100.25") into hundredths.
func parseCents(s string) (int64, bool) {
	whole, frac, dot := s, "", false
	for i := range len(s) {
		if s[i] == '.' {
			whole, frac, dot = s[:i], s[i+1:], true
			break
		}
	}
	if whole == "" || len(frac) > 2 || (dot && frac == "") {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1<<40 {
		return 0, false
	}
	var f int64
	for i := range 2 {
		f *= 10
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return 0, false
			}
			f += int64(frac[i] - '0')
		}
	}
	return w*100 + f, true
}
