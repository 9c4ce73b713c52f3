package fixclient

import (
	"strings"
	"testing"
)

// batchX is one X as the server sends a batched backlog: two commands on
// AAPL around one on MSFT, Symbol in every entry.
const batchX = "35=X|49=ENGINE|56=T|262=r1|268=4|" +
	"279=0|269=0|55=AAPL|270=10.00|271=5|346=1|" +
	"279=0|269=1|55=MSFT|270=20.00|271=7|346=1|" +
	"279=0|269=2|55=AAPL|270=10.00|271=5|" +
	"279=2|269=0|55=AAPL|270=10.00|271=0|346=0|10=1"

// TestMarketDataBatchedX: the entries of an X that covers several symbols
// and commands go to each symbol's book in order; the symbol on the ladder
// is redrawn, not printed, while the other symbol's update is printed on its
// own line with its own entries only.
func TestMarketDataBatchedX(t *testing.T) {
	var out strings.Builder
	c, err := New(Options{Host: "127.0.0.1", Port: 1, Sender: "T", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, w := range []string{"35=W|49=ENGINE|56=T|55=AAPL|262=r1|268=0|10=1", "35=W|49=ENGINE|56=T|55=MSFT|262=r1|268=0|10=1"} {
		c.marketData(msg(w))
	}
	v := &view{symbol: "AAPL", dirty: make(chan struct{}, 1)}
	c.mu.Lock()
	c.view = v
	c.mu.Unlock()
	out.Reset()
	c.marketData(msg(batchX))

	aapl, msft := c.books["AAPL"], c.books["MSFT"]
	// AAPL: a bid came and went (a trade took it): no level left, one trade.
	if got := aapl.summary(0); got != "bids - | asks -" || len(aapl.trades) != 1 || aapl.trades[0].size != "5" || aapl.updates != 2 {
		t.Errorf("AAPL book %s, trades %+v, %d updates", got, aapl.trades, aapl.updates)
	}
	if got := msft.summary(0); got != "bids - | asks 7@20.00(1)" || len(msft.trades) != 0 || msft.updates != 2 {
		t.Errorf("MSFT book %s, trades %+v, %d updates", got, msft.trades, msft.updates)
	}
	select {
	case <-v.dirty:
	default:
		t.Error("the AAPL ladder was not marked for a redraw")
	}
	c.outMu.Lock()
	recent := strings.Join(c.recent, "\n")
	c.outMu.Unlock()
	if want := "ENGINE>T book MSFT update: new ask 7@20.00(1) | top: bids - | asks 7@20.00(1)"; recent != want {
		t.Errorf("lines printed under the ladder:\n got %q\nwant %q", recent, want)
	}
}

// TestMDMatchesBatchedX: expect "book SYMBOL" and "md-trade SYMBOL" look at
// every entry's Symbol of an X, not at its first one.
func TestMDMatchesBatchedX(t *testing.T) {
	x := msg(batchX)
	for _, tc := range []struct {
		book   bool
		symbol string
		want   bool
	}{
		{true, "MSFT", true}, {true, "AAPL", true}, {true, "", true}, {true, "GOOG", false},
		{false, "AAPL", true}, {false, "MSFT", false}, {false, "", true},
	} {
		if got := mdMatches(x, tc.book, tc.symbol); got != tc.want {
			t.Errorf("mdMatches(book %v, %q) = %v, want %v", tc.book, tc.symbol, got, tc.want)
		}
	}
	w := msg("35=W|49=ENGINE|56=T|55=MSFT|262=r1|268=0|10=1")
	if !mdMatches(w, true, "MSFT") || mdMatches(w, true, "AAPL") || mdMatches(w, false, "MSFT") {
		t.Error("W: mdMatches wrong")
	}
}
