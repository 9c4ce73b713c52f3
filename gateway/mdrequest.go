package gateway

import (
	"strconv"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/marketdata"
)

// MarketDataRequest (V) decoding. The rules as a client sees them, and the
// decisions where FIX leaves room: docs/MARKETDATA.md.
//
// Why the raw bytes: without a data dictionary (matchd's default: no
// DataDictionary setting) QuickFIX/Go puts every body field into one flat
// FieldMap keyed by tag, so of the three MDEntryType(269) of a NoMDEntryTypes
// group only the last survives in msg.Body; Body.GetGroup can still read the
// entries (it walks the parsed fields in wire order past the count), but only
// with a template, stopping silently at the first tag not in it, and it counts
// the entries only after the fact. With a DataDictionary the group becomes one
// body field whose members are not in msg.Body at all (Body.Has(55) is false),
// and the validator has already refused count mismatches. Scanning the message
// as it came off the wire gives the same fields in the same order in both
// cases, so the gateway checks the structure itself, the same way whatever the
// settings.

// maxMDReqIDLen bounds MDReqID(262): it is kept per subscription.
const maxMDReqIDLen = 64

// maxMarketDepth is the deepest top-N view served; 0 (full book) is always served.
const maxMarketDepth = 1000

// Subscription request types (SubscriptionRequestType(263)).
const (
	subSnapshot    = '0'
	subUpdates     = '1'
	subUnsubscribe = '2'
)

// MDReqRejReason(281) values.
const (
	mdRejUnknownSymbol     = 0
	mdRejDuplicateReqID    = 1
	mdRejUnsupportedSubReq = 4
	mdRejUnsupportedDepth  = 5
	mdRejUnsupportedUpdate = 6
	mdRejUnsupportedType   = 8
	// mdRejNone: a Y without MDReqRejReason (the unsubscribe of an unknown MDReqID,
	// for which FIX has no reason code).
	mdRejNone = -1
)

// SessionRejectReason(373) values for the structure of a V (the others are in decode.go).
const (
	sessRejTagTwice        = 13
	sessRejGroupOutOfOrder = 15
	sessRejGroupCount      = 16
)

// mdRequest is a decoded MarketDataRequest.
type mdRequest struct {
	subType byte // subSnapshot, subUpdates or subUnsubscribe
	req     marketdata.Request
}

// mdReject is a business refusal, answered with MarketDataRequestReject (Y).
type mdReject struct {
	reqID  string
	reason int // MDReqRejReason(281), or mdRejNone
	text   string
}

// mdFields are the V's tags of interest in wire order, gathered by scanV.
type mdFields struct {
	reqID, subType, depth, updateType []byte
	has                               [4]bool // reqID, subType, depth, updateType present
	types                             [][]byte
	symbols                           [][]byte
	typesCount, symbolsCount          int // -1: count tag absent
}

// decodeMarketData decodes the raw bytes of a V. It returns the request, or an
// *mdError for a structural problem (Reject(3)), or an mdReject for a
// business one (Y); never both.
func (d *decoder) decodeMarketData(raw []byte) (mdRequest, *mdError, *mdReject) {
	var f mdFields
	if e := scanV(raw, &f); e != nil {
		return mdRequest{}, e, nil
	}
	if !f.has[0] || len(f.reqID) == 0 {
		return mdRequest{}, mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.MDReqID, "required tag missing: MDReqID(262)"), nil
	}
	if len(f.reqID) > maxMDReqIDLen {
		return mdRequest{}, mdStruct(RejectIDTooLong, sessRejValueIncorrect, fixtag.MDReqID, "MDReqID(262) longer than 64 characters"), nil
	}
	if !f.has[1] || len(f.subType) == 0 {
		return mdRequest{}, mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.SubscriptionRequestType, "required tag missing: SubscriptionRequestType(263)"), nil
	}
	r := mdRequest{req: marketdata.Request{ReqID: string(f.reqID)}}
	rej := func(reason int, text string) (mdRequest, *mdError, *mdReject) {
		return mdRequest{}, nil, &mdReject{reqID: r.req.ReqID, reason: reason, text: text}
	}
	st := f.subType
	if len(st) != 1 || (st[0] != subSnapshot && st[0] != subUpdates && st[0] != subUnsubscribe) {
		return rej(mdRejUnsupportedSubReq, "unsupported SubscriptionRequestType(263) "+quoted(st)+": must be 0 (snapshot), 1 (snapshot + updates) or 2 (unsubscribe)")
	}
	r.subType = st[0]
	if r.subType == subUnsubscribe {
		return r, nil, nil
	}
	r.req.Updates = r.subType == subUpdates

	// The structure first: every Reject(3) before any Y.
	if !f.has[2] || len(f.depth) == 0 {
		return mdRequest{}, mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.MarketDepth, "required tag missing: MarketDepth(264)"), nil
	}
	depth, ok := parseCount(f.depth)
	if !ok && !isSignedInt(f.depth) {
		return mdRequest{}, mdStruct(RejectBadFormat, sessRejIncorrectFormat, fixtag.MarketDepth, "MarketDepth(264) is not a number, got "+quoted(f.depth)), nil
	}
	if f.typesCount < 0 {
		return mdRequest{}, mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.NoMDEntryTypes, "required tag missing: NoMDEntryTypes(267)"), nil
	}
	if f.symbolsCount < 0 {
		return mdRequest{}, mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.NoRelatedSym, "required tag missing: NoRelatedSym(146)"), nil
	}

	if !ok || depth > maxMarketDepth {
		return rej(mdRejUnsupportedDepth, "unsupported MarketDepth(264) "+quoted(f.depth)+": must be 0 (full book) or 1 to "+strconv.Itoa(maxMarketDepth))
	}
	r.req.Depth = depth
	if r.req.Updates && f.has[3] && (len(f.updateType) != 1 || f.updateType[0] != '1') {
		return rej(mdRejUnsupportedUpdate, "unsupported MDUpdateType(265) "+quoted(f.updateType)+": only 1 (incremental refresh) is served")
	}
	if len(f.types) == 0 {
		return rej(mdRejUnsupportedType, "NoMDEntryTypes(267) must list at least one MDEntryType(269)")
	}
	for _, t := range f.types {
		if len(t) != 1 || t[0] < '0' || t[0] > '2' {
			return rej(mdRejUnsupportedType, "unsupported MDEntryType(269) "+quoted(t)+": must be 0 (bid), 1 (offer) or 2 (trade)")
		}
		r.req.Types |= marketdata.Types(1) << (t[0] - '0')
	}
	if len(f.symbols) == 0 {
		return rej(mdRejUnknownSymbol, "NoRelatedSym(146) must list at least one Symbol(55)")
	}
next:
	for _, s := range f.symbols {
		i, known := d.syms.known(s)
		if !known {
			return rej(mdRejUnknownSymbol, "unknown symbol "+quoted(s))
		}
		for _, j := range r.req.Symbols {
			if j == i { // the same symbol twice: one subscription, one W
				continue next
			}
		}
		r.req.Symbols = append(r.req.Symbols, i)
	}
	return r, nil, nil
}

// scanV walks the fields of a raw FIX message and gathers the V's tags of
// interest into f, checking the two repeating groups: each count appears once,
// is a non-negative number, and is followed by exactly that many entries; an
// entry without its count is a missing count, one after another tag of
// interest has closed its group is out of order. Tags the
// gateway does not use (header, trailer, other Instrument fields of a
// NoRelatedSym entry) are skipped and do not close a group.
func scanV(raw []byte, f *mdFields) *mdError {
	f.typesCount, f.symbolsCount = -1, -1
	const (
		inNone = iota
		inTypes
		inSymbols
	)
	group := inNone
	closed := [3]bool{} // the group was opened and is over
	sc := newFieldScanner(raw)
	for sc.more() {
		tag, v, ok := sc.next()
		if !ok {
			return mdStruct(RejectBadFormat, sessRejIncorrectFormat, 0, "malformed field in MarketDataRequest")
		}
		switch quickfix.Tag(tag) {
		case fixtag.MDEntryType:
			if group != inTypes && f.typesCount < 0 {
				return mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.NoMDEntryTypes, "required tag missing: NoMDEntryTypes(267) before MDEntryType(269)")
			}
			if group != inTypes {
				return groupOrder(fixtag.MDEntryType, "MDEntryType(269) outside its NoMDEntryTypes(267) group")
			}
			f.types = append(f.types, v)
			continue
		case fixtag.Symbol:
			if group != inSymbols && f.symbolsCount < 0 {
				return mdStruct(RejectMissingTag, sessRejRequiredTagMissing, fixtag.NoRelatedSym, "required tag missing: NoRelatedSym(146) before Symbol(55)")
			}
			if group != inSymbols {
				return groupOrder(fixtag.Symbol, "Symbol(55) outside its NoRelatedSym(146) group")
			}
			f.symbols = append(f.symbols, v)
			continue
		case fixtag.MDReqID, fixtag.SubscriptionRequestType, fixtag.MarketDepth, fixtag.MDUpdateType,
			fixtag.NoMDEntryTypes, fixtag.NoRelatedSym:
		default:
			continue // not the gateway's
		}
		// A tag of interest outside the groups closes the open one.
		if e := closeGroup(group, f); e != nil {
			return e
		}
		closed[group] = group != inNone
		group = inNone
		var slot int
		switch quickfix.Tag(tag) {
		case fixtag.MDReqID:
			slot, f.reqID = 0, v
		case fixtag.SubscriptionRequestType:
			slot, f.subType = 1, v
		case fixtag.MarketDepth:
			slot, f.depth = 2, v
		case fixtag.MDUpdateType:
			slot, f.updateType = 3, v
		case fixtag.NoMDEntryTypes:
			if f.typesCount >= 0 || closed[inTypes] {
				return tagTwice(fixtag.NoMDEntryTypes, "NoMDEntryTypes(267)")
			}
			if f.typesCount, ok = parseCount(v); !ok {
				return mdStruct(RejectBadFormat, sessRejIncorrectFormat, fixtag.NoMDEntryTypes, "NoMDEntryTypes(267) is not a number, got "+quoted(v))
			}
			group = inTypes
			continue
		case fixtag.NoRelatedSym:
			if f.symbolsCount >= 0 || closed[inSymbols] {
				return tagTwice(fixtag.NoRelatedSym, "NoRelatedSym(146)")
			}
			if f.symbolsCount, ok = parseCount(v); !ok {
				return mdStruct(RejectBadFormat, sessRejIncorrectFormat, fixtag.NoRelatedSym, "NoRelatedSym(146) is not a number, got "+quoted(v))
			}
			group = inSymbols
			continue
		}
		if f.has[slot] {
			return tagTwice(quickfix.Tag(tag), mdTagNames[slot])
		}
		f.has[slot] = true
	}
	return closeGroup(group, f)
}

var mdTagNames = [4]string{"MDReqID(262)", "SubscriptionRequestType(263)", "MarketDepth(264)", "MDUpdateType(265)"}

// closeGroup checks that the group being closed had as many entries as its count said.
func closeGroup(group int, f *mdFields) *mdError {
	switch {
	case group == 1 && len(f.types) != f.typesCount:
		return mdStruct(RejectBadValue, sessRejGroupCount, fixtag.NoMDEntryTypes,
			"NoMDEntryTypes(267) is "+strconv.Itoa(f.typesCount)+" but the group has "+strconv.Itoa(len(f.types))+" MDEntryType(269) entries")
	case group == 2 && len(f.symbols) != f.symbolsCount:
		return mdStruct(RejectBadValue, sessRejGroupCount, fixtag.NoRelatedSym,
			"NoRelatedSym(146) is "+strconv.Itoa(f.symbolsCount)+" but the group has "+strconv.Itoa(len(f.symbols))+" Symbol(55) entries")
	}
	return nil
}

// mdError is a structural problem of a V: QuickFIX answers rejectError with
// Reject(3); kind is its Counters.MessageRejects index.
type mdError struct {
	rejectError
	kind RejectKind
}

func mdStruct(kind RejectKind, reason int, tag quickfix.Tag, text string) *mdError {
	return &mdError{rejectError: rejectError{text: text, reason: reason, tag: tag}, kind: kind}
}

func groupOrder(tag quickfix.Tag, text string) *mdError {
	return mdStruct(RejectBadValue, sessRejGroupOutOfOrder, tag, text)
}

func tagTwice(tag quickfix.Tag, name string) *mdError {
	return mdStruct(RejectBadValue, sessRejTagTwice, tag, "tag appears more than once: "+name)
}

// parseCount parses a non-negative decimal integer of at most 9 digits.
func parseCount(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// isSignedInt reports whether b is an optionally negative run of digits (a
// number, if perhaps one too large or negative for its field).
func isSignedInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// quoted quotes a client's value for a Text, truncated to 32 bytes.
func quoted(b []byte) string {
	if len(b) > 32 {
		b = b[:32]
	}
	return strconv.Quote(string(b))
}
