package gateway_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// Market data in scenario files. W and X reach a session from the feed's
// sender for that session, not in order with its reports, so collect prints
// them apart: each session's reports (and Rejects, and Ys, which FromApp sends
// at once) first, then its W and X in the order the feed sent them. To know
// that everything a message caused has arrived, collect then syncs with the
// feed (mdSync) and sends each session that ever sent a V a snapshot probe
// (mdProbe), reading up to its W. The sync's orders are on TEST: files with
// market data leave TEST alone.
//
// One X may cover several commands or symbols (the feed batches a backlog of
// one subscription, see marketdata.BatchClient), so whether a step's X of one
// MDReqID arrive as one message or several depends on timing: collect prints
// consecutive X of one session and MDReqID as one X (mergeX), which is what
// they mean, whichever way they came.

// isMD reports whether m is a W or an X.
func isMD(m fixtest.Fields) bool {
	mt := m[fixtag.MsgType]
	return mt == fixtag.MsgTypeMarketDataSnapshot || mt == fixtag.MsgTypeMarketDataIncremental
}

// mdSync returns once the feed has queued the market data of every command
// sequenced so far for every subscriber. A hidden session subscribed to TEST's
// bids rests (and, next time, cancels) an order on TEST and reads up to the X
// of that command: the feed handles commands in order and queues a command's
// X for all subscribers at once, so every earlier X is queued too.
func (sc *scenario) mdSync(t *testing.T) {
	h := sc.mdSyncer
	if h == nil {
		h = fixtest.Start(sc.t, fixtest.Options{Port: sc.port, BeginString: "FIX.4.4", Name: sc.prefix + "ZSYNC"})
		h.SetT(t)
		h.WaitLogon()
		h.Send("35=V|262=~sync|263=1|264=0|267=1|269=0|146=1|55=TEST")
		if m := h.Next(); m[fixtag.MsgType] != "W" {
			t.Fatalf("sync subscription answered with %v", m)
		}
		sc.mdSyncer = h
	}
	h.SetT(t)
	sc.mdProbes++
	sc.probes++
	id := "~sync" + strconv.Itoa(sc.mdProbes)
	if sc.mdProbes%2 == 1 {
		h.Send("35=D|11=" + id + "|55=TEST|54=1|38=1|40=2|44=0.01|59=1")
	} else {
		h.Send("35=F|11=" + id + "|41=~sync" + strconv.Itoa(sc.mdProbes-1) + "|55=TEST|54=1")
	}
	for {
		m := h.Next()
		if m[fixtag.MsgType] == "X" {
			return
		}
		if mt := m[fixtag.MsgType]; mt != "8" {
			t.Fatalf("sync session got %v", m)
		}
	}
}

// mdProbe asks for a snapshot of TEST on name's session and returns the
// market data it received before the snapshot.
func (sc *scenario) mdProbe(t *testing.T, name string) []fixtest.Fields {
	c := sc.clients[name]
	c.SetT(t)
	sc.mdProbes++
	id := "~snap" + strconv.Itoa(sc.mdProbes)
	c.Send("35=V|262=" + id + "|263=0|264=1|267=1|269=0|146=1|55=TEST")
	var out []fixtest.Fields
	for {
		m := c.Next()
		if m[fixtag.MsgType] == "W" && m[fixtag.MDReqID] == id {
			return out
		}
		out = append(out, m)
	}
}

// mergeX merges consecutive X of the same MDReqID in ms (one session's
// market data, in order) into one X with every entry in order.
func mergeX(ms []fixtest.Fields) []fixtest.Fields {
	var out []fixtest.Fields
	for _, m := range ms {
		if n := len(out); n > 0 && m[fixtag.MsgType] == "X" && out[n-1][fixtag.MsgType] == "X" &&
			m[fixtag.MDReqID] == out[n-1][fixtag.MDReqID] {
			merged := fixtest.Fields{}
			for k, v := range out[n-1] {
				merged[k] = v
			}
			merged[fixtest.Wire] = joinGroups(out[n-1][fixtest.Wire], m[fixtest.Wire])
			out[n-1] = merged
			continue
		}
		out = append(out, m)
	}
	return out
}

// joinGroups returns wire text a with the NoMDEntries entries of b appended
// to its own (the count adjusted; a's other fields kept).
func joinGroups(a, b string) string {
	headA, na, entriesA, tailA := splitGroups(a)
	_, nb, entriesB, _ := splitGroups(b)
	return headA + "|268=" + strconv.Itoa(na+nb) + "|" + strings.Join(append(entriesA, entriesB...), "|") + "|" + tailA
}

// splitGroups cuts wire text at NoMDEntries: what precedes it, its count, the
// entries' fields and what follows them.
func splitGroups(wire string) (head string, n int, entries []string, tail string) {
	head, groups, _ := strings.Cut(wire, "|268=")
	fs := strings.Split(groups, "|")
	n, _ = strconv.Atoi(fs[0])
	i := 1
	for ; i < len(fs); i++ {
		tag, _, _ := strings.Cut(fs[i], "=")
		if _, member := mdEntryNames[tag]; !member {
			break
		}
	}
	return head, n, fs[1:i], strings.Join(fs[i:], "|")
}

// mdEntryNames name the fields of a W's or an X's entries.
var mdEntryNames = map[string]string{"279": "MDUpdateAction", "269": "MDEntryType", "55": "Symbol",
	"270": "MDEntryPx", "271": "MDEntrySize", "346": "NumberOfOrders"}

// mdGroups formats the NoMDEntries(268) group of a W or an X from its wire
// text, one [...] per entry, and reports which tags occur only inside the
// group (so that format does not print them again).
func mdGroups(wire string) (string, map[string]bool) {
	head, groups, ok := strings.Cut(wire, "|268=")
	if !ok {
		return "", nil
	}
	top := map[string]bool{}
	for _, f := range strings.Split(head, "|") {
		tag, _, _ := strings.Cut(f, "=")
		top[tag] = true
	}
	fs := strings.Split(groups, "|")
	var b strings.Builder
	b.WriteString("NoMDEntries=" + fs[0])
	inGroup := map[string]bool{}
	delim := ""
	open := false
	for _, f := range fs[1:] {
		tag, v, _ := strings.Cut(f, "=")
		name, member := mdEntryNames[tag]
		if !member {
			break // the trailer
		}
		if delim == "" {
			delim = tag
		}
		if tag == delim {
			if open {
				b.WriteString("]")
			}
			b.WriteString(" [")
			open = true
		} else {
			b.WriteString(" ")
		}
		b.WriteString(name + "=" + v)
		if !top[tag] {
			inGroup[tag] = true
		}
	}
	if open {
		b.WriteString("]")
	}
	return b.String(), inGroup
}

// TestMergeX: consecutive X of one MDReqID print as one X with every entry
// in order; an X of another MDReqID, or a W, in between keeps them apart.
func TestMergeX(t *testing.T) {
	x := func(req, entries string, n int) fixtest.Fields {
		return fixtest.Fields{fixtag.MsgType: "X", fixtag.MDReqID: req,
			fixtest.Wire: "8=FIX.4.4|35=X|34=5|262=" + req + "|268=" + strconv.Itoa(n) + "|" + entries + "|10=123|"}
	}
	e1 := "279=0|269=0|55=AAPL|270=1.00|271=5|346=1"
	e2 := "279=2|269=1|55=MSFT|270=2.00|271=0|346=0"
	e3 := "279=0|269=2|55=AAPL|270=1.00|271=3"
	w := fixtest.Fields{fixtag.MsgType: "W", fixtag.MDReqID: "a", fixtest.Wire: "35=W|55=AAPL|262=a|268=0|10=1|"}
	got := mergeX([]fixtest.Fields{x("a", e1, 1), x("a", e2+"|"+e3, 2), x("b", e1, 1), x("a", e3, 1), w, x("a", e1, 1)})
	want := []string{"8=FIX.4.4|35=X|34=5|262=a|268=3|" + e1 + "|" + e2 + "|" + e3 + "|10=123|", x("b", e1, 1)[fixtest.Wire],
		x("a", e3, 1)[fixtest.Wire], w[fixtest.Wire], x("a", e1, 1)[fixtest.Wire]}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i][fixtest.Wire] != want[i] {
			t.Errorf("message %d:\n got %s\nwant %s", i, got[i][fixtest.Wire], want[i])
		}
	}
	if g, _ := mdGroups(got[0][fixtest.Wire]); !strings.HasPrefix(g, "NoMDEntries=3 [MDUpdateAction=0") || strings.Count(g, "[") != 3 {
		t.Errorf("merged groups print as %s", g)
	}
}
