package fixtag

import "github.com/quickfixgo/quickfix"

// Market-data tags (CONTRACT.md §6), in tag order. A file of their own so that
// the helpers adding order-status and mass-cancel tags to fixtag.go do not
// collide with these.
const (
	// NoRelatedSym (146): count of Symbol entries in a MarketDataRequest.
	NoRelatedSym quickfix.Tag = 146
	// MDReqID (262): the client's ID of a market-data subscription.
	MDReqID quickfix.Tag = 262
	// SubscriptionRequestType (263): 0 snapshot, 1 snapshot + updates, 2 unsubscribe.
	SubscriptionRequestType quickfix.Tag = 263
	// MarketDepth (264): 0 full book, N the top N price levels.
	MarketDepth quickfix.Tag = 264
	// MDUpdateType (265): 1 incremental refresh (the only one served).
	MDUpdateType quickfix.Tag = 265
	// NoMDEntryTypes (267): count of MDEntryType entries in a MarketDataRequest.
	NoMDEntryTypes quickfix.Tag = 267
	// NoMDEntries (268): count of entries in a W or an X.
	NoMDEntries quickfix.Tag = 268
	// MDEntryType (269): 0 bid, 1 offer, 2 trade.
	MDEntryType quickfix.Tag = 269
	// MDEntryPx (270): the level's (or trade's) price.
	MDEntryPx quickfix.Tag = 270
	// MDEntrySize (271): the level's total quantity, or the trade's quantity.
	MDEntrySize quickfix.Tag = 271
	// MDUpdateAction (279): 0 new, 1 change, 2 delete (X only).
	MDUpdateAction quickfix.Tag = 279
	// MDReqRejReason (281): why a MarketDataRequest was refused.
	MDReqRejReason quickfix.Tag = 281
	// NumberOfOrders (346): resting orders at the level.
	NumberOfOrders quickfix.Tag = 346
)

// Market-data MsgType (35) values.
const (
	// MsgTypeMarketDataRequest is MarketDataRequest (V).
	MsgTypeMarketDataRequest = "V"
	// MsgTypeMarketDataSnapshot is MarketDataSnapshotFullRefresh (W).
	MsgTypeMarketDataSnapshot = "W"
	// MsgTypeMarketDataIncremental is MarketDataIncrementalRefresh (X).
	MsgTypeMarketDataIncremental = "X"
	// MsgTypeMarketDataRequestReject is MarketDataRequestReject (Y).
	MsgTypeMarketDataRequestReject = "Y"
)
