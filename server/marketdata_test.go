package server

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
	"github.com/openmatch/matchd/replay"
)

// mdEntry is one MDEntry as a subscriber reads it and as replay -md prints it.
type mdEntry struct {
	Action, Type, Symbol, Px string
	Size                     int64
	Orders                   int32
}

// mdMsg is a W or an X: its symbol (W) and entries.
type mdMsg struct {
	Msg, Symbol string
	Entries     []mdEntry
}

var (
	mdActions = map[string]string{"0": "new", "1": "change", "2": "delete"}
	mdTypes   = map[string]string{"0": "bid", "1": "offer", "2": "trade"}
)

// parseMD reads a received W or X from its wire text (fixtest.Wire): the
// entries of NoMDEntries(268), each starting at its delimiter.
func parseMD(t *testing.T, m fields) mdMsg {
	t.Helper()
	out := mdMsg{Msg: m[tMsgType], Symbol: m[fixtag.Symbol]}
	wire := m[fixtest.Wire]
	_, groups, ok := strings.Cut(wire, "|268=")
	if !ok {
		t.Fatalf("%s without NoMDEntries: %s", out.Msg, wire)
	}
	fs := strings.Split(groups, "|")
	n, err := strconv.Atoi(fs[0])
	if err != nil {
		t.Fatalf("NoMDEntries %q", fs[0])
	}
	delim := "269"
	if out.Msg == "X" {
		delim = "279"
	}
	for _, f := range fs[1:] {
		tag, v, _ := strings.Cut(f, "=")
		if tag == "10" || tag == "93" || tag == "89" {
			goto done // the trailer: also right after 268=0 (a W of an empty book)
		}
		if tag == delim {
			out.Entries = append(out.Entries, mdEntry{})
		}
		if len(out.Entries) == 0 {
			t.Fatalf("%s: field %s before the first entry in %s", out.Msg, f, wire)
		}
		e := &out.Entries[len(out.Entries)-1]
		switch tag {
		case "279":
			e.Action = mdActions[v]
		case "269":
			e.Type = mdTypes[v]
		case "55":
			e.Symbol = v
		case "270":
			e.Px = v
		case "271":
			e.Size, _ = strconv.ParseInt(v, 10, 64)
		case "346":
			o, _ := strconv.Atoi(v)
			e.Orders = int32(o)
		default:
			t.Fatalf("%s: unexpected field %s in an entry", out.Msg, f)
		}
	}
done:
	if len(out.Entries) != n {
		t.Fatalf("NoMDEntries %d, %d entries in %s", n, len(out.Entries), wire)
	}
	if out.Msg == "X" {
		for i := range out.Entries {
			out.Symbol = out.Entries[i].Symbol
		}
	}
	return out
}

// replayMD runs replay -md and returns its lines as mdMsgs (X entries carry
// the line's symbol, as the FIX X does).
func replayMD(t *testing.T, args ...string) []mdMsg {
	t.Helper()
	var out, errb bytes.Buffer
	if err := replay.Main(append([]string{"-progress=false", "-md"}, args...), &out, &errb); err != nil {
		t.Fatalf("replay -md: %v (%s)", err, errb.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	var msgs []mdMsg
	for _, l := range lines[:len(lines)-1] {
		var m struct {
			Symbol, Msg string
			Entries     []struct {
				Action, Type, Px string
				Size             int64
				Orders           int32
			}
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v in %s", err, l)
		}
		mm := mdMsg{Msg: m.Msg, Symbol: m.Symbol}
		for _, e := range m.Entries {
			me := mdEntry{Action: e.Action, Type: e.Type, Px: e.Px, Size: e.Size, Orders: e.Orders}
			if m.Msg == "X" {
				me.Symbol = m.Symbol
			}
			mm.Entries = append(mm.Entries, me)
		}
		msgs = append(msgs, mm)
	}
	return msgs
}

// flattenX returns the entries of X messages ms, in order, per symbol; an
// entry without a Symbol fails the test.
func flattenX(t *testing.T, ms []mdMsg) map[string][]mdEntry {
	t.Helper()
	out := map[string][]mdEntry{}
	for i, m := range ms {
		if m.Msg != "X" {
			t.Fatalf("message %d is a %s, want an X: %+v", i, m.Msg, m)
		}
		for _, e := range m.Entries {
			if e.Symbol == "" {
				t.Fatalf("X %d: an entry without Symbol: %+v", i, m)
			}
			out[e.Symbol] = append(out[e.Symbol], e)
		}
	}
	return out
}

// TestMarketDataReplay: what a live full-depth subscriber receives is what
// replay -md rebuilds from the journal. A and B trade a seeded random stream
// (limit, IOC and market orders, cancels, replaces) on AAPL and MSFT; MD
// subscribes to every entry type of all symbols after the first part of the
// stream, so its W shows a book with orders in it; the entries of every X it
// receives are compared, in order per symbol, with replay -md's from the W's
// command on (one live X may hold several of replay's lines: a batch).
func TestMarketDataReplay(t *testing.T) {
	t.Parallel()
	seed := int64(12)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	port := fixtest.FreePort(t)
	o, _ := testOptions(t, dir, port, "")
	s := startServer(t, o)
	ids := &fixtest.ExecIDs{}
	traders := []*fixtest.Client{client(t, port, "FIX.4.4", "MDR_A", ids), client(t, port, "FIX.4.2", "MDR_B", ids)}
	md := client(t, port, "FIX.4.4", "MDR_MD", ids)

	live := [2][]string{} // ClOrdIDs each trader may still cancel or replace
	n := 0
	// send sends one request from trader i and reads up to its first answer
	// (the other trader's fills wait in its queue).
	send := func(i int, spec, id string) {
		c := traders[i]
		c.Send(spec)
		for {
			m := c.Next()
			if m[tClOrdID] == id {
				if m[tExecType] == "0" || m[tExecType] == "5" {
					live[i] = append(live[i], id)
				}
				return
			}
		}
	}
	trade := func(count int) {
		for k := 0; k < count; k++ {
			i := r.Intn(2)
			n++
			id := "o" + strconv.Itoa(n)
			sym := []string{"AAPL", "MSFT"}[r.Intn(2)]
			side := strconv.Itoa(1 + r.Intn(2))
			px := "10" + strconv.Itoa(r.Intn(10)) + ".0" + strconv.Itoa(r.Intn(3))
			qty := strconv.Itoa(1 + r.Intn(20))
			switch p := r.Intn(20); {
			case p < 3 && len(live[i]) > 0: // cancel (perhaps of a finished order: a reject)
				orig := live[i][r.Intn(len(live[i]))]
				send(i, "35=F|11="+id+"|41="+orig+"|55="+sym+"|54="+side, id)
			case p < 5 && len(live[i]) > 0: // replace
				orig := live[i][r.Intn(len(live[i]))]
				send(i, "35=G|11="+id+"|41="+orig+"|55="+sym+"|54="+side+"|38="+qty+"|40=2|44="+px+"|59=1", id)
			case p < 7:
				send(i, "35=D|11="+id+"|55="+sym+"|54="+side+"|38="+qty+"|40=2|44="+px+"|59=3", id) // IOC
			case p < 8:
				send(i, "35=D|11="+id+"|55="+sym+"|54="+side+"|38="+qty+"|40=1", id) // market
			default:
				send(i, "35=D|11="+id+"|55="+sym+"|54="+side+"|38="+qty+"|40=2|44="+px+"|59=1", id)
			}
		}
	}
	// sentinel rests a TEST order at a price nothing else uses and returns its
	// command's Seq (every earlier request has been answered: nothing is in flight).
	sentinel := func(px string) uint64 {
		n++
		id := "o" + strconv.Itoa(n)
		send(0, "35=D|11="+id+"|55=TEST|54=1|38=7|40=2|44="+px+"|59=1", id)
		return s.pipe.Stats().Sequenced
	}

	trade(150)
	from := sentinel("1.00")
	// Subscribe. The W is taken at a command boundary of the feed, which may not
	// yet have the sentinel's events (the feed consumes the ring in parallel with
	// the releaser that sent its ack): subscribe again until it has them, so that
	// the W is the book after command from.
	var ws []mdMsg
	req := ""
	for try := 1; ; try++ {
		req = "all" + strconv.Itoa(try)
		md.Send("35=V|262=" + req + "|263=1|264=0|265=1|267=3|269=0|269=1|269=2|146=3|55=AAPL|55=MSFT|55=TEST")
		ws = nil
		for len(ws) < 3 {
			m := md.Next()
			if m[tMsgType] == "X" && m[fixtag.MDReqID] != req {
				continue // the sentinel's X to an earlier try
			}
			if m[tMsgType] != "W" || m[fixtag.MDReqID] != req {
				t.Fatalf("subscription answered with %v", m)
			}
			ws = append(ws, parseMD(t, m))
		}
		if len(ws[2].Entries) == 1 && ws[2].Entries[0].Px == "1.00" {
			break
		}
		md.Send("35=V|262=" + req + "|263=2")
	}

	trade(400)
	sentinel("2.00")
	var xs []mdMsg
	for {
		m := md.Next()
		if m[tMsgType] != "X" || m[fixtag.MDReqID] != req {
			t.Fatalf("after the W of %s: %v (a resync W means the subscriber fell behind)", req, m)
		}
		x := parseMD(t, m)
		xs = append(xs, x)
		if x.Symbol == "TEST" && x.Entries[len(x.Entries)-1].Px == "2.00" {
			break
		}
	}
	// The feed's metrics, then the subscription ends with MD's logout.
	_, metrics := httpGet(t, "http://"+s.MetricsAddr()+"/metrics")
	for _, want := range []string{"matchd_md_clients 1", "matchd_md_subscriptions 1", "matchd_md_rejects_total 0",
		"matchd_md_resyncs_total 0", "matchd_md_send_errors_total 0", "matchd_md_refreshes_total ", "matchd_md_messages_total "} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	md.Close()
	for deadline := time.Now().Add(10 * time.Second); s.feed.Stats().Clients != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("feed still has %+v 10 s after the subscriber logged out", s.feed.Stats())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	rep := replayMD(t, "-data", dir, "-md-from-seq", strconv.FormatUint(from, 10))
	if len(rep) < 3 || !reflect.DeepEqual(rep[:3], ws) {
		t.Fatalf("live W %+v\nreplay W %+v", ws, rep[:min(3, len(rep))])
	}
	rep = rep[3:]
	// One live X may cover several of replay's (the feed batches a backlog of
	// one subscription), so compare the entries, flattened in order, per
	// symbol: dropping, changing, adding or reordering one fails.
	gotE, wantE := flattenX(t, xs), flattenX(t, rep)
	if len(xs) > len(rep) {
		t.Errorf("live subscriber got %d X, more than replay's %d", len(xs), len(rep))
	}
	trades := 0
	for _, sym := range []string{"AAPL", "MSFT", "TEST"} {
		l, r := gotE[sym], wantE[sym]
		for i := 0; i < len(l) || i < len(r); i++ {
			if i >= len(l) || i >= len(r) || l[i] != r[i] {
				var le, re any = "(none)", "(none)"
				if i < len(l) {
					le = l[i]
				}
				if i < len(r) {
					re = r[i]
				}
				t.Fatalf("%s: entry %d of %d live, %d replayed differs:\nlive   %+v\nreplay %+v", sym, i, len(l), len(r), le, re)
			}
			if l[i].Type == "trade" {
				trades++
			}
		}
	}
	if trades == 0 || len(rep) < 100 {
		t.Fatalf("%d X with %d trades: the stream does not exercise market data", len(rep), trades)
	}
	t.Logf("%d live X messages, %d replayed, %d trade entries, compared from seq %d", len(xs), len(rep), trades, from)
}
