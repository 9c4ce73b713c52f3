package marketdata

import "errors"

// EntryType is MDEntryType(269).
type EntryType uint8

// Entry types.
const (
	Bid   EntryType = '0'
	Offer EntryType = '1'
	Trade EntryType = '2'
)

// Action is MDUpdateAction(279); zero in a W.
type Action uint8

// Update actions.
const (
	New    Action = '0'
	Change Action = '1'
	Delete Action = '2'
)

// Types is a set of entry types a subscription asked for (NoMDEntryTypes(267)).
type Types uint8

// Entry type sets.
const (
	TypeBid   Types = 1 << 0
	TypeOffer Types = 1 << 1
	TypeTrade Types = 1 << 2
	// AllTypes is bids, offers and trades.
	AllTypes = TypeBid | TypeOffer | TypeTrade
)

// has reports whether the set holds entry type t.
func (ts Types) has(t EntryType) bool {
	switch t {
	case Bid:
		return ts&TypeBid != 0
	case Offer:
		return ts&TypeOffer != 0
	case Trade:
		return ts&TypeTrade != 0
	}
	return false
}

// Entry is one MDEntry of a W or an X.
type Entry struct {
	// Action is the update action (X only; zero in a W).
	Action Action
	Type   EntryType
	// Price in ticks.
	Price int64
	// Size is the level's total LeavesQty after the command (0 on Delete), or a
	// trade's quantity.
	Size int64
	// Orders is NumberOfOrders(346) at the level (0 on Delete and for trades).
	Orders int32
}

// Refresh is one MarketDataSnapshotFullRefresh (Full) or
// MarketDataIncrementalRefresh for ONE symbol. Refreshes handed out by a Feed
// are shared between subscribers: never modify one you did not build.
//
// Order of Entries: a W has bids best first, then offers best first (trades are
// never in a W). An X has the trade entries of the command in match order
// first, then the level changes (bids then offers, each best first). Applying
// an X to the book the previous W/X left gives exactly the book after command
// Seq.
type Refresh struct {
	Full   bool
	Symbol uint32
	// Seq is the last command covered (a W: the book after this command; 0 =
	// empty journal).
	Seq uint64
	// Time is that command's sequencer time (Unix ns).
	Time    int64
	Entries []Entry
}

// Level is one price level, best first in the slices returned.
type Level struct {
	Price, Size int64
	Orders      int32
}

// TradeRecord is one recent trade (Book keeps the last 32 per symbol).
type TradeRecord struct {
	Seq   uint64
	Time  int64
	Price int64
	Size  int64
}

// ErrDuplicateReqID is returned by Subscribe for an MDReqID the client already
// has a subscription under.
var ErrDuplicateReqID = errors.New("marketdata: MDReqID already subscribed")

// ErrClosed is returned by Subscribe after Close.
var ErrClosed = errors.New("marketdata: feed closed")
