package fixclient

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
)

// msg parses "35=8|49=ENGINE|..." as a received message.
func msg(s string) *message { return parseMessage(s, '|') }

func TestFormatMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"8=FIX.4.4|9=1|35=8|49=ENGINE|56=BOB|34=3|37=2|11=c1|17=9|150=F|39=2|55=AAPL|54=1|38=100|40=2|44=150.00|59=0|32=100|31=150.00|151=0|14=100|6=150.00|10=000",
			"ENGINE>BOB exec trade buy 100 AAPL @150.00 day id=c1 order=2 last=100@150.00 status=filled leaves=0 cum=100 avg=150.00"},
		{"35=8|49=ENGINE|56=BOB|37=NONE|11=c2|150=8|39=8|55=ZZZZ|54=2|38=1|40=2|151=0|14=0|6=0|103=1|58=unknown symbol",
			`ENGINE>BOB exec rejected sell 1 ZZZZ id=c2 status=rejected leaves=0 cum=0 reason=1 "unknown symbol"`},
		{"35=8|49=ENGINE|56=A|37=5|11=x|41=o|150=4|39=4|55=TEST|54=2|38=7|40=1|59=3|151=0|14=3|6=10.5|58=IOC remainder canceled",
			`ENGINE>A exec canceled sell 7 TEST market ioc id=x orig=o order=5 status=canceled leaves=0 cum=3 avg=10.5 "IOC remainder canceled"`},
		{"35=8|49=ENGINE|56=A|37=NONE|11=q1|150=I|39=8|103=5|790=r7|55=AAPL|54=1|151=0|14=0|6=0",
			"ENGINE>A exec status buy AAPL id=q1 status=rejected leaves=0 cum=0 reason=5 req=r7"},
		{"35=9|49=ENGINE|56=A|11=c3|41=c1|37=NONE|39=8|434=2|102=1|58=unknown order",
			`ENGINE>A cancel-reject (replace) id=c3 orig=c1 reason=1 (unknown order) status=rejected "unknown order"`},
		{"35=r|49=ENGINE|56=A|11=m1|530=7|531=7|533=3",
			"ENGINE>A mass-cancel-report id=m1 all orders accepted canceled=3"},
		{"35=r|49=ENGINE|56=A|11=m2|530=1|55=ZZZZ|54=2|531=0|532=1|58=unknown symbol",
			`ENGINE>A mass-cancel-report id=m2 symbol ZZZZ sell rejected reason=1 "unknown symbol"`},
		{"35=3|49=ENGINE|56=A|45=4|371=44|372=D|373=6|58=bad price",
			`ENGINE>A reject ref-seq=4 ref-type=D ref-tag=44 reason=6 "bad price"`},
		{"35=j|49=ENGINE|56=A|45=2|372=V|379=r1|380=3|58=unsupported",
			`ENGINE>A business-reject ref-seq=2 ref-type=V ref-id=r1 reason=3 "unsupported"`},
		{"35=Y|49=ENGINE|56=A|262=r1|281=0|58=unknown symbol ZZZZ",
			`ENGINE>A md-reject req=r1 reason=0 (unknown symbol) "unknown symbol ZZZZ"`},
		{"35=B|49=ENGINE|56=A|148=reports lost|33=1|58=3 reports were dropped",
			`ENGINE>A news "reports lost" "3 reports were dropped"`},
		{"35=Z|49=ENGINE|56=A|34=9|52=x|1=2", "ENGINE>A msg Z 1=2"},
	} {
		if got := formatMessage(msg(tc.in)); got != tc.want {
			t.Errorf("formatMessage(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

// TestBookEntries folds a W and two X messages into a book: levels are
// replaced, changed and deleted, trades kept, and the words printed name
// each entry.
func TestBookEntries(t *testing.T) {
	w := msg("35=W|49=ENGINE|56=W|55=AAPL|262=r1|268=3|269=0|270=149.99|271=100|346=1|269=0|270=149.5|271=20|346=2|269=1|270=150.00|271=300|346=3|10=1")
	es := w.entries()
	if len(es) != 3 || es[2].typ != '1' || es[2].symbol != "AAPL" || es[1].px != "149.5" || es[1].orders != "2" {
		t.Fatalf("W entries %+v", es)
	}
	b := newMDBook("AAPL")
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	if got, want := b.apply(true, es, now), "snapshot: bids 100@149.99(1) 20@149.5(2) | asks 300@150.00(3)"; got != want {
		t.Errorf("W: %s, want %s", got, want)
	}
	x := msg("35=X|49=ENGINE|56=W|262=r1|268=3|279=0|269=2|55=AAPL|270=150.00|271=100|279=1|269=1|55=AAPL|270=150.00|271=200|346=2|279=2|269=0|55=AAPL|270=149.99|10=1")
	es = x.entries()
	if len(es) != 3 || es[0].action != '0' || es[0].typ != '2' || es[2].action != '2' {
		t.Fatalf("X entries %+v", es)
	}
	want := "update: trade 100@150.00, change ask 200@150.00(2), delete bid 149.99 | top: bids 20@149.5(2) | asks 200@150.00(2)"
	if got := b.apply(false, es, now); got != want {
		t.Errorf("X:\n got %s\nwant %s", got, want)
	}
	// A new better bid goes first; priceKey orders 149.6 above 149.5.
	es = msg("35=X|268=1|279=0|269=0|55=AAPL|270=149.6|271=5|346=1").entries()
	if got := b.apply(false, es, now); !strings.Contains(got, "top: bids 5@149.6(1) | asks 200@150.00(2)") {
		t.Errorf("X: %s", got)
	}
	if got := b.summary(0); got != "bids 5@149.6(1) 20@149.5(2) | asks 200@150.00(2)" {
		t.Errorf("summary %s", got)
	}
	var sb strings.Builder
	b.render(&sb, "W from ENGINE", 0)
	for _, want := range []string{"AAPL  full depth  (W from ENGINE)  3 updates", "149.6 | 150.00", "12:00:00.000  100 @ 150.00"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("ladder lacks %q:\n%s", want, sb.String())
		}
	}
	// A new snapshot replaces the book.
	if got := b.apply(true, nil, now); got != "snapshot: bids - | asks -" {
		t.Errorf("empty W: %s", got)
	}
}

func TestPriceKey(t *testing.T) {
	for _, tc := range []struct {
		s  string
		k  int64
		ok bool
	}{
		{"150.00", 15_000_000_000, true}, {"150", 15_000_000_000, true}, {".5", 50_000_000, true},
		{"0.00000001", 1, true}, {"0.000000001", 0, false}, {"1x", 0, false}, {"", 0, false}, {".", 0, false},
	} {
		if k, ok := priceKey(tc.s); k != tc.k || ok != tc.ok {
			t.Errorf("priceKey(%q) = %d %v, want %d %v", tc.s, k, ok, tc.k, tc.ok)
		}
	}
}

// TestOrdersFile: orders, aliases and replacements survive a reopen, and a
// report of an order the client never sent teaches it.
func TestOrdersFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.txt")
	o, err := openOrders(path)
	if err != nil {
		t.Fatal(err)
	}
	o.add("a1", &order{side: engine.Sell, symbol: "AAPL", tif: engine.GTC})
	o.alias("r1", o.get("a1"))
	o.learn(msg("35=8|11=r1|41=a1|150=5|39=0|54=2|55=AAPL"))
	o.learn(msg("35=8|11=z9|150=F|39=1|54=1|55=MSFT|59=1|40=1"))
	if err := o.close(); err != nil {
		t.Fatal(err)
	}
	o, err = openOrders(path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	a := o.get("a1")
	if a == nil || o.get("r1") != a || a.cur != "r1" || a.side != engine.Sell || a.tif != engine.GTC || a.symbol != "AAPL" {
		t.Fatalf("a1 after reopen: %+v (r1 %p)", a, o.get("r1"))
	}
	if z := o.get("z9"); z == nil || z.side != engine.Buy || z.symbol != "MSFT" || !z.market || z.tif != engine.GTC {
		t.Fatalf("z9 after reopen: %+v", z)
	}
}

func TestOrdersFileDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.txt")
	writeFile(t, path, "order a1 1 AAPL 0 limit\nsomething else\n")
	if _, err := openOrders(path); err == nil || !strings.Contains(err.Error(), "orders.txt:2: not an order record") {
		t.Fatalf("openOrders: %v", err)
	}
	writeFile(t, path, "order a1 7 AAPL 0 limit\n")
	if _, err := openOrders(path); err == nil || !strings.Contains(err.Error(), "orders.txt:1: bad side") {
		t.Fatalf("openOrders: %v", err)
	}
}
