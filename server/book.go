package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/decimal"
	"github.com/openmatch/matchd/marketdata"
)

// GET /book?symbol=S[&depth=N]: one symbol's book for operators, as market data
// sees it (Feed.View: the feed's own market-by-price book at a command boundary,
// never the engine's memory), with the last trades.
//
//	{"symbol":"AAPL","seq":42,"bids":[{"px":"100.01","size":5,"orders":1}],"asks":[...],
//	 "trades":[{"seq":40,"time":"2026-12-03T12:00:00.123456789Z","px":"100.02","size":3}]}
//
// Levels best first; trades oldest first; depth 0 or absent is the full book.
// Errors are JSON too: {"error":"..."} with 400 (no symbol, bad depth) or 404
// (a symbol that is not configured).

type bookLevel struct {
	Px     string `json:"px"`
	Size   int64  `json:"size"`
	Orders int32  `json:"orders"`
}

type bookTrade struct {
	Seq  uint64 `json:"seq"`
	Time string `json:"time"`
	Px   string `json:"px"`
	Size int64  `json:"size"`
}

type bookBody struct {
	Symbol string      `json:"symbol"`
	Seq    uint64      `json:"seq"`
	Bids   []bookLevel `json:"bids"`
	Asks   []bookLevel `json:"asks"`
	Trades []bookTrade `json:"trades"`
}

// bookHandler serves GET /book from feed for the configured symbols.
func bookHandler(feed *marketdata.Feed, symbols []engine.SymbolConfig) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		name := q.Get("symbol")
		if name == "" {
			jsonError(w, http.StatusBadRequest, "symbol is required: /book?symbol=NAME[&depth=N]")
			return
		}
		depth := 0
		if d := q.Get("depth"); d != "" {
			n, err := strconv.Atoi(d)
			if err != nil || n < 0 {
				jsonError(w, http.StatusBadRequest, "depth must be a whole number >= 0 (0: full book), got "+strconv.Quote(d))
				return
			}
			depth = n
		}
		sym := -1
		for i := range symbols {
			if symbols[i].Name == name {
				sym = i
				break
			}
		}
		if sym < 0 {
			jsonError(w, http.StatusNotFound, "unknown symbol "+strconv.Quote(name))
			return
		}
		sc := &symbols[sym]
		v := feed.View(uint32(sym), depth)
		body := bookBody{Symbol: sc.Name, Seq: v.Seq, Bids: levels(v.Bids, sc), Asks: levels(v.Asks, sc),
			Trades: make([]bookTrade, 0, len(v.Trades))}
		for _, t := range v.Trades {
			body.Trades = append(body.Trades, bookTrade{Seq: t.Seq, Time: time.Unix(0, t.Time).UTC().Format(time.RFC3339Nano),
				Px: string(decimal.AppendPrice(nil, t.Price, sc)), Size: t.Size})
		}
		out, err := json.Marshal(body)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(out, '\n'))
	}
}

func levels(ls []marketdata.Level, sc *engine.SymbolConfig) []bookLevel {
	out := make([]bookLevel, 0, len(ls))
	for _, l := range ls {
		out = append(out, bookLevel{Px: string(decimal.AppendPrice(nil, l.Price, sc)), Size: l.Size, Orders: l.Orders})
	}
	return out
}

// jsonError writes {"error":text} with status code.
func jsonError(w http.ResponseWriter, code int, text string) {
	out, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{text})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(out, '\n'))
}
