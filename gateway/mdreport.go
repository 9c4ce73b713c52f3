package gateway

import (
	"strconv"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/decimal"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/marketdata"
)

// Market-data messages out: W, X and Y. A fresh quickfix.Message each (market
// data is not the order path, and a Refresh is shared by many subscribers, each
// with its own MDReqID and session). Repeating groups go through QuickFIX's
// RepeatingGroup, which writes each entry's fields in template order, the
// delimiter (MDUpdateAction in an X, MDEntryType in a W) first.

var (
	snapshotTemplate = quickfix.GroupTemplate{
		quickfix.GroupElement(fixtag.MDEntryType), quickfix.GroupElement(fixtag.MDEntryPx),
		quickfix.GroupElement(fixtag.MDEntrySize), quickfix.GroupElement(fixtag.NumberOfOrders),
	}
	incrementalTemplate = quickfix.GroupTemplate{
		quickfix.GroupElement(fixtag.MDUpdateAction), quickfix.GroupElement(fixtag.MDEntryType),
		quickfix.GroupElement(fixtag.Symbol), quickfix.GroupElement(fixtag.MDEntryPx),
		quickfix.GroupElement(fixtag.MDEntrySize), quickfix.GroupElement(fixtag.NumberOfOrders),
	}
)

// buildRefresh formats r for the subscription reqID: a
// MarketDataSnapshotFullRefresh (W) when r.Full, else a
// MarketDataIncrementalRefresh (X). NumberOfOrders is left out of trade entries.
func buildRefresh(reqID string, r *marketdata.Refresh, sym *engine.SymbolConfig) *quickfix.Message {
	if !r.Full {
		rs := [1]*marketdata.Refresh{r}
		return buildIncremental(reqID, rs[:], func(uint32) *engine.SymbolConfig { return sym })
	}
	m := quickfix.NewMessage()
	m.Body.SetString(fixtag.MDReqID, reqID)
	m.Header.SetString(fixtag.MsgType, fixtag.MsgTypeMarketDataSnapshot)
	m.Body.SetString(fixtag.Symbol, sym.Name)
	var buf []byte
	g := quickfix.NewRepeatingGroup(fixtag.NoMDEntries, snapshotTemplate)
	for i := range r.Entries {
		e := &r.Entries[i]
		it := g.Add()
		buf = setEntry(it, e, sym, buf)
	}
	m.Body.SetGroup(g)
	return m
}

// buildIncremental formats refreshes rs (none Full) of the subscription reqID
// as ONE MarketDataIncrementalRefresh (X): NoMDEntries holds every entry of
// every refresh, in order, each with the Symbol of its refresh (sym resolves
// a symbol index; it never returns nil for the indexes given). Applied in
// order the entries mean what the refreshes sent one by one do: one X may
// cover several commands and symbols (a batch, see marketdata.BatchClient).
func buildIncremental(reqID string, rs []*marketdata.Refresh, sym func(uint32) *engine.SymbolConfig) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Body.SetString(fixtag.MDReqID, reqID)
	m.Header.SetString(fixtag.MsgType, fixtag.MsgTypeMarketDataIncremental)
	var buf []byte
	g := quickfix.NewRepeatingGroup(fixtag.NoMDEntries, incrementalTemplate)
	for _, r := range rs {
		sc := sym(r.Symbol)
		for i := range r.Entries {
			e := &r.Entries[i]
			it := g.Add()
			action := e.Action
			if action == 0 { // a trade carries no action in the Refresh: it is news
				action = marketdata.New
			}
			it.SetString(fixtag.MDUpdateAction, string(rune(action)))
			it.SetString(fixtag.Symbol, sc.Name)
			buf = setEntry(it, e, sc, buf)
		}
	}
	m.Body.SetGroup(g)
	return m
}

// setEntry sets the fields an entry of a W and of an X share: MDEntryType,
// MDEntryPx, MDEntrySize and, except on trades, NumberOfOrders. buf is scratch
// for the price; the grown buffer is returned. The group template, not the
// order of these calls, decides the order on the wire.
func setEntry(it *quickfix.Group, e *marketdata.Entry, sym *engine.SymbolConfig, buf []byte) []byte {
	it.SetString(fixtag.MDEntryType, string(rune(e.Type)))
	buf = decimal.AppendPrice(buf[:0], e.Price, sym)
	it.SetString(fixtag.MDEntryPx, string(buf))
	it.SetString(fixtag.MDEntrySize, strconv.FormatInt(e.Size, 10))
	if e.Type != marketdata.Trade {
		it.SetString(fixtag.NumberOfOrders, strconv.FormatInt(int64(e.Orders), 10))
	}
	return buf
}

// buildMDReject formats a MarketDataRequestReject (Y).
func buildMDReject(r *mdReject) *quickfix.Message {
	m := quickfix.NewMessage()
	m.Header.SetString(fixtag.MsgType, fixtag.MsgTypeMarketDataRequestReject)
	m.Body.SetString(fixtag.MDReqID, r.reqID)
	if r.reason != mdRejNone {
		m.Body.SetInt(fixtag.MDReqRejReason, r.reason)
	}
	m.Body.SetString(fixtag.Text, r.text)
	return m
}
