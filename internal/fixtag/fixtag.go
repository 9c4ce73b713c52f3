// Package fixtag names the FIX tags and MsgType values matchd reads or writes,
// once for the gateway, its tests and the FIX load client (bench/fixbench).
// Messages are built and read with raw tags on quickfix.Message: the generated
// fix42/fix44 modules are not used (see gateway/doc.go, Messages).
//
// Names are FIX's own; each tag's comment gives its number and what matchd does
// with it.
package fixtag

import "github.com/quickfixgo/quickfix"

// FIX tags, in tag order.
const (
	// AvgPx (6): average price of the fills so far, on every ExecutionReport.
	AvgPx quickfix.Tag = 6
	// ClOrdID (11): the client's ID of an order or of a cancel/replace request.
	ClOrdID quickfix.Tag = 11
	// CumQty (14): quantity filled so far.
	CumQty quickfix.Tag = 14
	// ExecID (17): ID of an ExecutionReport, unique per session.
	ExecID quickfix.Tag = 17
	// ExecTransType (20): FIX 4.2 only; 0 (New), or 3 (Status) answering an
	// OrderStatusRequest.
	ExecTransType quickfix.Tag = 20
	// LastPx (31): price of this fill.
	LastPx quickfix.Tag = 31
	// LastQty (32): quantity of this fill (LastShares in FIX 4.2).
	LastQty quickfix.Tag = 32
	// LinesOfText (33): count of Text lines in a News message.
	LinesOfText quickfix.Tag = 33
	// MsgSeqNum (34): header; the session's message sequence number.
	MsgSeqNum quickfix.Tag = 34
	// MsgType (35): header; one of the MsgType values below.
	MsgType quickfix.Tag = 35
	// OrderID (37): the engine's ID of an order.
	OrderID quickfix.Tag = 37
	// OrderQty (38): quantity ordered.
	OrderQty quickfix.Tag = 38
	// OrdStatus (39): state of the order after this report.
	OrdStatus quickfix.Tag = 39
	// OrdType (40): 1 (Market) or 2 (Limit).
	OrdType quickfix.Tag = 40
	// OrigClOrdID (41): the ClOrdID of the order a cancel or replace refers to.
	OrigClOrdID quickfix.Tag = 41
	// PossDupFlag (43): header; Y on a resent message.
	PossDupFlag quickfix.Tag = 43
	// Price (44): limit price.
	Price quickfix.Tag = 44
	// Side (54): 1 (Buy) or 2 (Sell).
	Side quickfix.Tag = 54
	// Symbol (55): instrument name.
	Symbol quickfix.Tag = 55
	// Text (58): free text, e.g. the reason of a reject.
	Text quickfix.Tag = 58
	// TimeInForce (59): 0 (Day), 1 (GTC), 3 (IOC) or 4 (FOK).
	TimeInForce quickfix.Tag = 59
	// TransactTime (60): the command's timestamp, UTC with microseconds.
	TransactTime quickfix.Tag = 60
	// PossResend (97): header; Y on an application message that may
	// duplicate one sent before under another MsgSeqNum (a failover resend).
	PossResend quickfix.Tag = 97
	// CxlRejReason (102): why a cancel or replace was refused.
	CxlRejReason quickfix.Tag = 102
	// OrdRejReason (103): why an order was refused.
	OrdRejReason quickfix.Tag = 103
	// ResetSeqNumFlag (141): Logon; Y resets both sides' MsgSeqNums to 1.
	ResetSeqNumFlag quickfix.Tag = 141
	// Headline (148): title of a News message.
	Headline quickfix.Tag = 148
	// ExecType (150): what this ExecutionReport reports.
	ExecType quickfix.Tag = 150
	// LeavesQty (151): quantity still open.
	LeavesQty quickfix.Tag = 151
	// CxlRejResponseTo (434): 1 (cancel) or 2 (replace) on an OrderCancelReject.
	CxlRejResponseTo quickfix.Tag = 434
	// MassCancelRequestType (530): scope of an OrderMassCancelRequest, 1 (by
	// Symbol) or 7 (all orders); echoed on its OrderMassCancelReport.
	MassCancelRequestType quickfix.Tag = 530
	// MassCancelResponse (531): the request type when accepted, 0 when rejected.
	MassCancelResponse quickfix.Tag = 531
	// MassCancelRejectReason (532): why a mass cancel was rejected (0 type not
	// supported, 1 unknown security).
	MassCancelRejectReason quickfix.Tag = 532
	// TotalAffectedOrders (533): orders an accepted mass cancel canceled.
	TotalAffectedOrders quickfix.Tag = 533
	// Username (553): Logon credentials.
	Username quickfix.Tag = 553
	// Password (554): Logon credentials.
	Password quickfix.Tag = 554
	// OrdStatusReqID (790): optional ID of an OrderStatusRequest, echoed on its
	// ExecutionReport.
	OrdStatusReqID quickfix.Tag = 790
)

// MsgType (35) values matchd sends, accepts or looks for.
const (
	// MsgTypeReject is the session-level Reject (3).
	MsgTypeReject = "3"
	// MsgTypeLogout is Logout (5).
	MsgTypeLogout = "5"
	// MsgTypeExecutionReport is ExecutionReport (8).
	MsgTypeExecutionReport = "8"
	// MsgTypeOrderCancelReject is OrderCancelReject (9).
	MsgTypeOrderCancelReject = "9"
	// MsgTypeLogon is Logon (A).
	MsgTypeLogon = "A"
	// MsgTypeNews is News (B).
	MsgTypeNews = "B"
	// MsgTypeNewOrderSingle is NewOrderSingle (D).
	MsgTypeNewOrderSingle = "D"
	// MsgTypeOrderCancelRequest is OrderCancelRequest (F).
	MsgTypeOrderCancelRequest = "F"
	// MsgTypeOrderCancelReplaceRequest is OrderCancelReplaceRequest (G).
	MsgTypeOrderCancelReplaceRequest = "G"
	// MsgTypeOrderStatusRequest is OrderStatusRequest (H).
	MsgTypeOrderStatusRequest = "H"
	// MsgTypeBusinessMessageReject is BusinessMessageReject (j).
	MsgTypeBusinessMessageReject = "j"
	// MsgTypeOrderMassCancelRequest is OrderMassCancelRequest (q).
	MsgTypeOrderMassCancelRequest = "q"
	// MsgTypeOrderMassCancelReport is OrderMassCancelReport (r).
	MsgTypeOrderMassCancelReport = "r"
)

// Header and reject tags the test and people's clients read.
const (
	// RefSeqNum (45): the MsgSeqNum a Reject refers to.
	RefSeqNum quickfix.Tag = 45
	// SenderCompID (49).
	SenderCompID quickfix.Tag = 49
	// TargetCompID (56).
	TargetCompID quickfix.Tag = 56
	// RefTagID (371): the tag a Reject refers to.
	RefTagID quickfix.Tag = 371
	// RefMsgType (372): the MsgType a Reject refers to.
	RefMsgType quickfix.Tag = 372
	// SessionRejectReason (373).
	SessionRejectReason quickfix.Tag = 373
	// BusinessRejectRefID (379).
	BusinessRejectRefID quickfix.Tag = 379
	// BusinessRejectReason (380).
	BusinessRejectReason quickfix.Tag = 380
)
