package marketdata

import (
	"encoding/json"
	"testing"

	"github.com/openmatch/matchd/engine"
)

func TestAppendJSON(t *testing.T) {
	sym := &engine.SymbolConfig{Name: "AAPL", TickDecimals: 2, TickSize: 1}
	w := &Refresh{Full: true, Symbol: 0, Seq: 7, Time: 1_796_299_200_123_456_789, Entries: []Entry{
		{Type: Bid, Price: 10001, Size: 5, Orders: 1},
		{Type: Offer, Price: 10003, Size: 7, Orders: 2},
	}}
	if got, want := string(AppendJSON(nil, w, sym)),
		`{"seq":7,"time":"2026-12-03T12:00:00.123456789Z","symbol":"AAPL","msg":"W","entries":[`+
			`{"type":"bid","px":"100.01","size":5,"orders":1},{"type":"offer","px":"100.03","size":7,"orders":2}]}`+"\n"; got != want {
		t.Errorf("W:\n got %s\nwant %s", got, want)
	}
	x := &Refresh{Symbol: 0, Seq: 8, Time: 1_796_299_200_000_000_000, Entries: []Entry{
		{Action: New, Type: Trade, Price: 10003, Size: 7},
		{Action: Delete, Type: Offer, Price: 10003},
		{Action: Change, Type: Bid, Price: 5, Size: 1, Orders: 1},
	}}
	got := AppendJSON([]byte("prefix "), x, sym)
	if want := `prefix {"seq":8,"time":"2026-12-03T12:00:00Z","symbol":"AAPL","msg":"X","entries":[` +
		`{"action":"new","type":"trade","px":"100.03","size":7,"orders":0},` +
		`{"action":"delete","type":"offer","px":"100.03","size":0,"orders":0},` +
		`{"action":"change","type":"bid","px":"0.05","size":1,"orders":1}]}` + "\n"; string(got) != want {
		t.Errorf("X:\n got %s\nwant %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal(got[len("prefix "):], &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	odd := &engine.SymbolConfig{Name: "Q\"\n", TickDecimals: 0, TickSize: 5}
	if got, want := string(AppendJSON(nil, &Refresh{Full: true}, odd)),
		`{"seq":0,"time":"1970-01-01T00:00:00Z","symbol":"Q\"\u000a","msg":"W","entries":[]}`+"\n"; got != want {
		t.Errorf("escaping:\n got %s\nwant %s", got, want)
	}
}
