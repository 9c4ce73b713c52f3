package fixclient

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// mdLevel is one price level of a side.
type mdLevel struct {
	key          int64 // the price in units of 1e-8, for ordering
	px           string
	size, orders string
}

// mdTrade is one trade seen in the market data.
type mdTrade struct {
	px, size string
	at       time.Time // when the client received it
}

// keepTrades is how many trades a book shows.
const keepTrades = 8

// mdBook is the client's copy of one symbol's book, built from the W and
// the X messages that follow it (market by price).
type mdBook struct {
	symbol     string
	bids, asks map[int64]mdLevel
	trades     []mdTrade // oldest first
	updates    int       // W and X messages applied
}

func newMDBook(symbol string) *mdBook {
	return &mdBook{symbol: symbol, bids: map[int64]mdLevel{}, asks: map[int64]mdLevel{}}
}

// priceKey turns a decimal into units of 1e-8 (false: not a decimal).
func priceKey(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 8 || len(whole) > 10 {
		return 0, false
	}
	var k int64
	for _, d := range whole + frac + strings.Repeat("0", 8-len(frac)) {
		if d < '0' || d > '9' {
			return 0, false
		}
		k = k*10 + int64(d-'0')
	}
	if neg {
		k = -k
	}
	return k, true
}

// apply folds entries of one symbol into the book: a full refresh replaces
// it, an incremental one changes levels and adds trades. It returns the
// entries in words, for a line.
func (b *mdBook) apply(full bool, es []mdEntry, now time.Time) string {
	b.updates++
	if full {
		clear(b.bids)
		clear(b.asks)
	}
	var parts []string
	for _, e := range es {
		if e.typ == '2' {
			b.trades = append(b.trades, mdTrade{px: e.px, size: e.size, at: now})
			if len(b.trades) > keepTrades {
				b.trades = b.trades[1:]
			}
			parts = append(parts, "trade "+e.size+"@"+e.px)
			continue
		}
		side, name := b.bids, "bid"
		switch e.typ {
		case '0':
		case '1':
			side, name = b.asks, "ask"
		default:
			parts = append(parts, fmt.Sprintf("entry-type-%c %s@%s", e.typ, e.size, e.px))
			continue
		}
		k, ok := priceKey(e.px)
		if !ok {
			parts = append(parts, fmt.Sprintf("%s with a bad price %q", name, e.px))
			continue
		}
		switch e.action {
		case '2':
			delete(side, k)
			parts = append(parts, "delete "+name+" "+e.px)
		default:
			side[k] = mdLevel{key: k, px: e.px, size: e.size, orders: e.orders}
			if !full {
				act := "new"
				if e.action == '1' {
					act = "change"
				}
				parts = append(parts, act+" "+name+" "+levelWords(side[k]))
			}
		}
	}
	if full {
		return "snapshot: " + b.summary(0)
	}
	return "update: " + strings.Join(parts, ", ") + " | top: " + b.summary(1)
}

func levelWords(l mdLevel) string {
	s := l.size + "@" + l.px
	if l.orders != "" {
		s += "(" + l.orders + ")"
	}
	return s
}

// summary lists up to depth levels of each side (0: all).
func (b *mdBook) summary(depth int) string {
	side := func(ls []mdLevel) string {
		if len(ls) == 0 {
			return "-"
		}
		w := make([]string, len(ls))
		for i, l := range ls {
			w[i] = levelWords(l)
		}
		return strings.Join(w, " ")
	}
	return "bids " + side(b.levels(b.bids, true, depth)) + " | asks " + side(b.levels(b.asks, false, depth))
}

// levels returns a side best first, at most depth levels (0: all).
func (b *mdBook) levels(side map[int64]mdLevel, bids bool, depth int) []mdLevel {
	ls := make([]mdLevel, 0, len(side))
	for _, l := range side {
		ls = append(ls, l)
	}
	slices.SortFunc(ls, func(x, y mdLevel) int {
		if bids {
			x, y = y, x
		}
		switch {
		case x.key < y.key:
			return -1
		case x.key > y.key:
			return 1
		}
		return 0
	})
	if depth > 0 && len(ls) > depth {
		ls = ls[:depth]
	}
	return ls
}

// maxLadderRows bounds the ladder's height on a full-depth subscription.
const maxLadderRows = 20

// render draws the ladder: bids and asks side by side, best first, then the
// last trades, newest first. title says whose view it is.
func (b *mdBook) render(w io.Writer, title string, depth int) {
	rows := depth
	if rows == 0 {
		rows = maxLadderRows
	}
	bids, asks := b.levels(b.bids, true, rows), b.levels(b.asks, false, rows)
	view := "full depth"
	if depth > 0 {
		view = fmt.Sprintf("top %d", depth)
	}
	var s strings.Builder
	plural := "s"
	if b.updates == 1 {
		plural = ""
	}
	fmt.Fprintf(&s, "%s  %s  (%s)  %d update%s\n\n", b.symbol, view, title, b.updates, plural)
	fmt.Fprintf(&s, "%8s %10s %12s | %-12s %10s %8s\n", "orders", "size", "bid", "ask", "size", "orders")
	if len(bids) == 0 && len(asks) == 0 {
		s.WriteString("  (no orders in the book)\n")
	}
	for i := 0; i < max(len(bids), len(asks)); i++ {
		var l, r string
		if i < len(bids) {
			l = fmt.Sprintf("%8s %10s %12s", bids[i].orders, bids[i].size, bids[i].px)
		} else {
			l = strings.Repeat(" ", 32)
		}
		if i < len(asks) {
			r = fmt.Sprintf("%-12s %10s %8s", asks[i].px, asks[i].size, asks[i].orders)
		}
		fmt.Fprintf(&s, "%s | %s\n", l, strings.TrimRight(r, " "))
	}
	if more := len(b.bids) - len(bids) + len(b.asks) - len(asks); depth == 0 && more > 0 {
		fmt.Fprintf(&s, "  (%d more levels)\n", more)
	}
	s.WriteString("\nlast trades\n")
	if len(b.trades) == 0 {
		s.WriteString("  none yet\n")
	}
	for i := len(b.trades) - 1; i >= 0; i-- {
		t := b.trades[i]
		fmt.Fprintf(&s, "  %s  %s @ %s\n", t.at.Format("15:04:05.000"), t.size, t.px)
	}
	s.WriteString("\nCtrl-C to stop\n")
	io.WriteString(w, s.String())
}
