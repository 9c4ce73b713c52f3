package fixclient

import "github.com/quickfixgo/quickfix"

// FIX tags of market data (CONTRACT §6) and of the session-level and
// business rejects that internal/fixtag does not name: the client writes
// and reads them here.
const (
	tagSenderCompID            quickfix.Tag = 49
	tagTargetCompID            quickfix.Tag = 56
	tagRefSeqNum               quickfix.Tag = 45
	tagNoRelatedSym            quickfix.Tag = 146
	tagMDReqID                 quickfix.Tag = 262
	tagSubscriptionRequestType quickfix.Tag = 263
	tagMarketDepth             quickfix.Tag = 264
	tagMDUpdateType            quickfix.Tag = 265
	tagNoMDEntryTypes          quickfix.Tag = 267
	tagNoMDEntries             quickfix.Tag = 268
	tagMDEntryType             quickfix.Tag = 269
	tagMDEntryPx               quickfix.Tag = 270
	tagMDEntrySize             quickfix.Tag = 271
	tagMDUpdateAction          quickfix.Tag = 279
	tagMDReqRejReason          quickfix.Tag = 281
	tagNumberOfOrders          quickfix.Tag = 346
	tagRefTagID                quickfix.Tag = 371
	tagRefMsgType              quickfix.Tag = 372
	tagSessionRejectReason     quickfix.Tag = 373
	tagBusinessRejectRefID     quickfix.Tag = 379
	tagBusinessRejectReason    quickfix.Tag = 380
)

// MsgType values of market data (CONTRACT §6).
const (
	msgTypeMarketDataRequest       = "V"
	msgTypeMarketDataSnapshot      = "W"
	msgTypeMarketDataIncremental   = "X"
	msgTypeMarketDataRequestReject = "Y"
)
