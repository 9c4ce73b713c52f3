package fixclient

import "github.com/quickfixgo/quickfix"

// FIX tags of CONTRACT §6 and §7 and of the session-level rejects that
// internal/fixtag does not name (yet): the client writes and reads them here.
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
	tagMassCancelRequestType   quickfix.Tag = 530
	tagMassCancelResponse      quickfix.Tag = 531
	tagMassCancelRejectReason  quickfix.Tag = 532
	tagTotalAffectedOrders     quickfix.Tag = 533
	tagOrdStatusReqID          quickfix.Tag = 790
)

// MsgType values of CONTRACT §6 and §7.
const (
	msgTypeOrderStatusRequest      = "H"
	msgTypeOrderMassCancelRequest  = "q"
	msgTypeOrderMassCancelReport   = "r"
	msgTypeMarketDataRequest       = "V"
	msgTypeMarketDataSnapshot      = "W"
	msgTypeMarketDataIncremental   = "X"
	msgTypeMarketDataRequestReject = "Y"
)
