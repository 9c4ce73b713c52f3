package gateway

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/marketdata"
)

// rawV frames "262=a|263=1|..." as a wire message with a header and trailer
// (checksum not checked by the scanner), the way QuickFIX hands it over.
func rawV(body string) []byte {
	b := "8=FIX.4.4|9=99|35=V|49=C|56=ENGINE|34=2|52=20261203-12:00:00.000|" + body + "|10=000|"
	return []byte(strings.ReplaceAll(b, "|", "\x01"))
}

func TestDecodeMarketData(t *testing.T) {
	d := newTestDecoder(t)
	for _, tc := range []struct {
		name string
		body string
		want mdRequest
	}{
		{"full book updates", "262=m1|263=1|264=0|265=1|267=3|269=0|269=1|269=2|146=1|55=AAPL",
			mdRequest{subType: subUpdates, req: marketdata.Request{ReqID: "m1", Symbols: []uint32{0}, Depth: 0, Types: marketdata.AllTypes, Updates: true}}},
		{"top 5 snapshot, MDUpdateType ignored", "262=m2|263=0|264=5|265=0|267=1|269=1|146=2|55=NICK|55=AAPL",
			mdRequest{subType: subSnapshot, req: marketdata.Request{ReqID: "m2", Symbols: []uint32{1, 0}, Depth: 5, Types: marketdata.TypeOffer}}},
		{"groups before the scalars, MDUpdateType absent", "146=1|55=AAPL|267=1|269=2|262=m3|263=1|264=1",
			mdRequest{subType: subUpdates, req: marketdata.Request{ReqID: "m3", Symbols: []uint32{0}, Depth: 1, Types: marketdata.TypeTrade, Updates: true}}},
		{"other Instrument fields in the entry, a symbol twice", "262=m4|263=1|264=0|267=2|269=0|269=0|146=2|55=AAPL|48=US0378331005|22=4|55=AAPL",
			mdRequest{subType: subUpdates, req: marketdata.Request{ReqID: "m4", Symbols: []uint32{0}, Types: marketdata.TypeBid, Updates: true}}},
		{"unsubscribe needs only the ID", "262=m5|263=2",
			mdRequest{subType: subUnsubscribe, req: marketdata.Request{ReqID: "m5"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, serr, rej := d.decodeMarketData(rawV(tc.body))
			if serr != nil || rej != nil {
				t.Fatalf("refused: %v %v", serr, rej)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDecodeMarketDataReject(t *testing.T) {
	d := newTestDecoder(t)
	for _, tc := range []struct {
		name   string
		body   string
		kind   RejectKind
		reason int
		tag    quickfix.Tag
		text   string
	}{
		{"no MDReqID", "263=1|264=0|267=1|269=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.MDReqID, "MDReqID(262)"},
		{"empty MDReqID", "262=|263=1|264=0|267=1|269=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.MDReqID, "MDReqID(262)"},
		{"long MDReqID", "262=" + strings.Repeat("x", 65) + "|263=2", RejectIDTooLong, 5, fixtag.MDReqID, "longer than 64"},
		{"no SubscriptionRequestType", "262=a|264=0|267=1|269=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.SubscriptionRequestType, "(263)"},
		{"no MarketDepth", "262=a|263=1|267=1|269=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.MarketDepth, "(264)"},
		{"MarketDepth not a number", "262=a|263=0|264=x|267=1|269=0|146=1|55=AAPL", RejectBadFormat, 6, fixtag.MarketDepth, `got "x"`},
		{"no NoMDEntryTypes", "262=a|263=1|264=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.NoMDEntryTypes, "(267)"},
		{"MDEntryType without its count", "262=a|263=1|264=0|269=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.NoMDEntryTypes, "NoMDEntryTypes(267) before"},
		{"MDEntryType before its count", "262=a|263=1|264=0|269=0|267=1|269=0|146=1|55=AAPL", RejectMissingTag, 1, fixtag.NoMDEntryTypes, "before"},
		{"MDEntryType after its group closed", "262=a|263=1|267=1|269=0|264=0|269=1|146=1|55=AAPL", RejectBadValue, 15, fixtag.MDEntryType, "outside"},
		{"no NoRelatedSym", "262=a|263=1|264=0|267=1|269=0", RejectMissingTag, 1, fixtag.NoRelatedSym, "(146)"},
		{"Symbol without its count", "262=a|263=1|264=0|55=AAPL|267=1|269=0", RejectMissingTag, 1, fixtag.NoRelatedSym, "NoRelatedSym(146) before"},
		{"Symbol after its group closed", "262=a|263=1|146=1|55=AAPL|264=0|55=AAPL|267=1|269=0", RejectBadValue, 15, fixtag.Symbol, "outside"},
		{"count too high", "262=a|263=1|264=0|267=2|269=0|146=1|55=AAPL", RejectBadValue, 16, fixtag.NoMDEntryTypes, "is 2 but the group has 1"},
		{"count too low", "262=a|263=1|264=0|267=1|269=0|146=1|55=AAPL|55=NICK", RejectBadValue, 16, fixtag.NoRelatedSym, "is 1 but the group has 2"},
		{"count cut by another tag", "262=a|263=1|267=2|269=0|264=0|269=1|146=1|55=AAPL", RejectBadValue, 16, fixtag.NoMDEntryTypes, "is 2 but"},
		{"count not a number", "262=a|263=1|264=0|267=one|269=0|146=1|55=AAPL", RejectBadFormat, 6, fixtag.NoMDEntryTypes, "not a number"},
		{"negative count", "262=a|263=1|264=0|267=1|269=0|146=-1|55=AAPL", RejectBadFormat, 6, fixtag.NoRelatedSym, "not a number"},
		{"count twice", "262=a|263=1|264=0|267=1|269=0|267=1|269=1|146=1|55=AAPL", RejectBadValue, 13, fixtag.NoMDEntryTypes, "more than once"},
		{"MDReqID twice", "262=a|262=b|263=2", RejectBadValue, 13, fixtag.MDReqID, "more than once"},
		{"unsubscribe with a broken group", "262=a|263=2|146=2|55=AAPL", RejectBadValue, 16, fixtag.NoRelatedSym, "is 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, serr, rej := d.decodeMarketData(rawV(tc.body))
			if serr == nil {
				t.Fatalf("accepted (business reject %v), want Reject(3) reason %d", rej, tc.reason)
			}
			if rej != nil {
				t.Fatal("both a Reject and a Y")
			}
			if serr.kind != tc.kind || serr.reason != tc.reason || serr.tag != tc.tag || serr.business ||
				!strings.Contains(serr.text, tc.text) {
				t.Fatalf("got kind %v reason %d tag %d business %v text %q, want %v %d %d %q",
					serr.kind, serr.reason, serr.tag, serr.business, serr.text, tc.kind, tc.reason, tc.tag, tc.text)
			}
		})
	}
}

func TestDecodeMarketDataBusinessReject(t *testing.T) {
	d := newTestDecoder(t)
	for _, tc := range []struct {
		name   string
		body   string
		reason int
		text   string
	}{
		{"unknown symbol", "262=a|263=1|264=0|267=1|269=0|146=2|55=AAPL|55=ZZZZ", mdRejUnknownSymbol, `unknown symbol "ZZZZ"`},
		{"no symbol", "262=a|263=1|264=0|267=1|269=0|146=0", mdRejUnknownSymbol, "at least one Symbol"},
		{"SubscriptionRequestType 3", "262=a|263=3|264=0|267=1|269=0|146=1|55=AAPL", mdRejUnsupportedSubReq, `"3"`},
		{"SubscriptionRequestType x", "262=a|263=x", mdRejUnsupportedSubReq, `"x"`},
		{"negative depth", "262=a|263=1|264=-1|267=1|269=0|146=1|55=AAPL", mdRejUnsupportedDepth, `"-1"`},
		{"too deep", "262=a|263=1|264=1001|267=1|269=0|146=1|55=AAPL", mdRejUnsupportedDepth, "1 to 1000"},
		{"depth beyond int", "262=a|263=1|264=99999999999999999999|267=1|269=0|146=1|55=AAPL", mdRejUnsupportedDepth, "MarketDepth"},
		{"full refresh updates", "262=a|263=1|264=0|265=0|267=1|269=0|146=1|55=AAPL", mdRejUnsupportedUpdate, `"0"`},
		{"MDEntryType 4", "262=a|263=1|264=0|267=2|269=0|269=4|146=1|55=AAPL", mdRejUnsupportedType, `"4"`},
		{"no MDEntryType", "262=a|263=1|264=0|267=0|146=1|55=AAPL", mdRejUnsupportedType, "at least one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, serr, rej := d.decodeMarketData(rawV(tc.body))
			if serr != nil {
				t.Fatalf("Reject(3) %q, want Y %d", serr.text, tc.reason)
			}
			if rej == nil {
				t.Fatalf("accepted, want Y %d", tc.reason)
			}
			if rej.reqID != "a" || rej.reason != tc.reason || !strings.Contains(rej.text, tc.text) {
				t.Fatalf("got %+v, want reason %d text ~%q", rej, tc.reason, tc.text)
			}
		})
	}
}

// TestDecodeMarketDataXMLData: an XmlData(213) value may hold SOH and "262=";
// the scanner skips it by its XmlDataLen(212).
func TestDecodeMarketDataXMLData(t *testing.T) {
	d := newTestDecoder(t)
	xml := "<a>\x01262=evil\x01</a>"
	raw := rawV("262=m|263=2")
	i := bytes.Index(raw, []byte("262=m"))
	head := "212=" + strconv.Itoa(len(xml)) + "\x01213=" + xml + "\x01"
	raw = append(append(append([]byte{}, raw[:i]...), head...), raw[i:]...)
	got, serr, rej := d.decodeMarketData(raw)
	if serr != nil || rej != nil || got.req.ReqID != "m" {
		t.Fatalf("got %+v %v %v", got, serr, rej)
	}
}

// FuzzDecodeMarketData: any bytes give exactly one answer (a request, a
// Reject or a Y), never a panic; an accepted subscription is complete.
func FuzzDecodeMarketData(f *testing.F) {
	f.Add(rawV("262=m1|263=1|264=0|265=1|267=3|269=0|269=1|269=2|146=1|55=AAPL"))
	f.Add(rawV("262=a|263=1|264=0|267=2|269=0|146=1|55=AAPL"))
	f.Add(rawV("262=a|263=2"))
	f.Add([]byte("262=\x01=\x01212=5\x01213=ab"))
	d := newTestDecoder(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, serr, rej := d.decodeMarketData(raw)
		n := 0
		if serr != nil {
			n++
		}
		if rej != nil {
			n++
		}
		if n > 1 {
			t.Fatal("both a Reject and a Y")
		}
		if n == 0 && r.subType != subUnsubscribe {
			if r.req.ReqID == "" || r.req.Types == 0 || len(r.req.Symbols) == 0 || r.req.Depth < 0 || r.req.Depth > maxMarketDepth {
				t.Fatalf("incomplete request accepted: %+v", r)
			}
		}
	})
}
