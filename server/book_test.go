package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/marketdata"
)

// bookFeed is a feed fed by a real engine, without a pipeline: the events of
// each command are delivered in order, the last one marked, as the pipeline does.
func bookFeed(t *testing.T, cmds []engine.Command) (*marketdata.Feed, []engine.SymbolConfig) {
	t.Helper()
	cfg := engine.Config{MaxOrders: 64, MaxLevels: 64, History: 64, MaxQty: 1_000_000}
	for _, n := range []string{"AAPL", "MSFT"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: n, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1_000_000})
	}
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	feed := marketdata.NewFeed(marketdata.Options{Symbols: len(cfg.Symbols)})
	t.Cleanup(feed.Close)
	out := engine.NewEvents(16)
	for i := range cmds {
		c := cmds[i]
		c.Seq, c.Time = uint64(i+1), 1_796_299_200_000_000_000+int64(i)
		out.Reset()
		eng.Apply(&c, out)
		for j := 0; j < out.Len(); j++ {
			feed.Deliver(out.At(j))
		}
	}
	return feed, cfg.Symbols
}

func limit(owner uint32, id string, side engine.Side, px, qty int64) engine.Command {
	cid, _ := engine.MakeID(id)
	return engine.Command{Kind: engine.KindNew, Owner: owner, Symbol: 0, Side: side, Type: engine.Limit,
		TIF: engine.GTC, Price: px, Qty: qty, ClOrdID: cid}
}

func TestBookEndpoint(t *testing.T) {
	feed, syms := bookFeed(t, []engine.Command{
		limit(1, "b1", engine.Buy, 10001, 5),
		limit(1, "b2", engine.Buy, 10001, 3),
		limit(1, "b3", engine.Buy, 9990, 7),
		limit(2, "s1", engine.Sell, 10010, 4),
		limit(2, "s2", engine.Sell, 10020, 9),
		limit(2, "s3", engine.Sell, 10001, 6), // trades 5 with b1, 1 with b2
	})
	srv := httptest.NewServer(bookHandler(feed, syms))
	defer srv.Close()
	get := func(query string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/book" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", query, ct)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v in %s", query, err, b)
		}
		return resp.StatusCode, v
	}
	code, v := get("?symbol=AAPL")
	if code != 200 {
		t.Fatalf("code %d: %v", code, v)
	}
	lv := func(px string, size, orders float64) map[string]any {
		return map[string]any{"px": px, "size": size, "orders": orders}
	}
	want := map[string]any{
		"symbol": "AAPL", "seq": float64(6),
		"bids": []any{lv("100.01", 2, 1), lv("99.90", 7, 1)},
		"asks": []any{lv("100.10", 4, 1), lv("100.20", 9, 1)},
		"trades": []any{
			map[string]any{"seq": float64(6), "time": "2026-12-03T12:00:00.000000005Z", "px": "100.01", "size": float64(5)},
			map[string]any{"seq": float64(6), "time": "2026-12-03T12:00:00.000000005Z", "px": "100.01", "size": float64(1)},
		},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("full book:\n got %v\nwant %v", v, want)
	}
	code, v = get("?symbol=AAPL&depth=1")
	if code != 200 || !reflect.DeepEqual(v["bids"], []any{lv("100.01", 2, 1)}) || !reflect.DeepEqual(v["asks"], []any{lv("100.10", 4, 1)}) {
		t.Errorf("depth 1: %d %v", code, v)
	}
	code, v = get("?symbol=MSFT")
	if code != 200 || !reflect.DeepEqual(v["bids"], []any{}) || !reflect.DeepEqual(v["trades"], []any{}) || v["symbol"] != "MSFT" {
		t.Errorf("empty book: %d %v", code, v)
	}
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"", 400}, {"?symbol=", 400}, {"?symbol=AAPL&depth=-1", 400}, {"?symbol=AAPL&depth=x", 400},
		{"?symbol=ZZZZ", 404}, {"?symbol=aapl", 404},
	} {
		code, v := get(tc.query)
		if msg, _ := v["error"].(string); code != tc.code || msg == "" {
			t.Errorf("%q: %d %v, want %d with an error", tc.query, code, v, tc.code)
		}
	}
}

// TestBookAfterRestart: the feed's book starts from the recovered engine, so
// GET /book shows the orders resting before the restart (and no trades: the
// trades before it are not kept).
func TestBookAfterRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	o, _ := testOptions(t, dir, port, "")
	s1 := startServer(t, o)
	a := fixtest.Connect(t, fixtest.Options{Port: port, BeginString: "FIX.4.4", Name: "BOOK_A"})
	a.Send("35=D|11=a1|55=TEST|54=1|38=10|40=2|44=50.00|59=1")
	a.Expect(fields{tExecType: "0", tClOrdID: "a1"})
	a.Send("35=D|11=a2|55=TEST|54=2|38=4|40=2|44=50.01|59=1")
	a.Expect(fields{tExecType: "0", tClOrdID: "a2"})
	a.Close()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := startServer(t, o)
	code, body := httpGet(t, "http://"+s2.MetricsAddr()+"/book?symbol=TEST")
	want := `{"symbol":"TEST","seq":2,"bids":[{"px":"50.00","size":10,"orders":1}],"asks":[{"px":"50.01","size":4,"orders":1}],"trades":[]}` + "\n"
	if code != 200 || body != want {
		t.Fatalf("/book after restart: %d %s\nwant %s", code, body, want)
	}
}
