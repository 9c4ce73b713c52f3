package replay_test

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// mdLine is one line of replay -md.
type mdLine struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	Symbol  string `json:"symbol"`
	Msg     string `json:"msg"`
	Entries []struct {
		Action string `json:"action"`
		Type   string `json:"type"`
		Px     string `json:"px"`
		Size   int64  `json:"size"`
		Orders int32  `json:"orders"`
	} `json:"entries"`
}

// mdLines parses replay -md output up to the summary line.
func mdLines(t *testing.T, out string) []mdLine {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if !summary.MatchString(lines[len(lines)-1]) {
		t.Fatalf("no summary line at the end: %q", lines[len(lines)-1])
	}
	var md []mdLine
	for _, l := range lines[:len(lines)-1] {
		var m mdLine
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%v in %s", err, l)
		}
		md = append(md, m)
	}
	return md
}

type level struct {
	size   int64
	orders int32
}

// mdBooks is symbol -> "bid"/"offer" -> price -> level.
type mdBooks map[string]map[string]map[string]level

// applyMD checks that each W lists levels best first and that each X's
// actions fit the book (new: absent; change, delete: present), and returns the
// books the lines leave.
func applyMD(t *testing.T, lines []mdLine) mdBooks {
	t.Helper()
	books := mdBooks{}
	for _, m := range lines {
		if books[m.Symbol] == nil || m.Msg == "W" {
			books[m.Symbol] = map[string]map[string]level{"bid": {}, "offer": {}}
		}
		b := books[m.Symbol]
		last := map[string]int64{}
		for _, e := range m.Entries {
			px, err := strconv.ParseInt(strings.Replace(e.Px, ".", "", 1), 10, 64)
			if err != nil || !strings.Contains(e.Px, ".") {
				t.Fatalf("seq %d: px %q", m.Seq, e.Px)
			}
			if e.Type == "trade" {
				if m.Msg == "W" || e.Action != "new" || e.Size <= 0 {
					t.Fatalf("seq %d: trade entry %+v in %s", m.Seq, e, m.Msg)
				}
				continue
			}
			side := b[e.Type]
			if side == nil {
				t.Fatalf("seq %d: entry type %q", m.Seq, e.Type)
			}
			_, had := side[e.Px]
			switch {
			case m.Msg == "W":
				if p, ok := last[e.Type]; ok && (e.Type == "bid" && px >= p || e.Type == "offer" && px <= p) {
					t.Fatalf("seq %d: W %s levels not best first at %s", m.Seq, e.Type, e.Px)
				}
				last[e.Type] = px
				side[e.Px] = level{e.Size, e.Orders}
			case e.Action == "new" && !had, e.Action == "change" && had:
				side[e.Px] = level{e.Size, e.Orders}
			case e.Action == "delete" && had:
				delete(side, e.Px)
			default:
				t.Fatalf("seq %d: %s %s %s on a book that had it: %v", m.Seq, e.Action, e.Type, e.Px, had)
			}
		}
	}
	return books
}

// TestCLIMarketData: the W at the start of a range plus every X of the range
// gives exactly the W at its end; X lines come in command order, each after
// the range start; -symbol selects one symbol.
func TestCLIMarketData(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, 300)
	out, _, err := run(t, "-data", dir, "-md", "-md-from-seq", "100", "-stop-seq", "250")
	if err != nil {
		t.Fatal(err)
	}
	lines := mdLines(t, out)
	if len(lines) < 10 || lines[0].Msg != "W" || lines[0].Symbol != "AAPL" || lines[1].Msg != "W" || lines[1].Symbol != "MSFT" {
		t.Fatalf("want a W of AAPL and MSFT first, then X; got %d lines starting %+v", len(lines), lines[:min(2, len(lines))])
	}
	trades := 0
	prev := uint64(100)
	for _, m := range lines[2:] {
		if m.Msg != "X" || m.Seq <= 100 || m.Seq > 250 || m.Seq < prev || len(m.Entries) == 0 {
			t.Fatalf("X line %+v after seq %d", m, prev)
		}
		prev = m.Seq
		for _, e := range m.Entries {
			if e.Type == "trade" {
				trades++
			}
		}
	}
	if trades == 0 {
		t.Fatal("no trades in the range: the journal does not exercise trade entries")
	}
	got := applyMD(t, lines)
	end, _, err := run(t, "-data", dir, "-md", "-md-from-seq", "250", "-stop-seq", "250")
	if err != nil {
		t.Fatal(err)
	}
	endLines := mdLines(t, end)
	if len(endLines) != 2 {
		t.Fatalf("-md-from-seq = -stop-seq: want only the two W, got %d lines", len(endLines))
	}
	if want := applyMD(t, endLines); !reflect.DeepEqual(got, want) {
		t.Fatalf("W(100) + X(101..250) = %v\nW(250) = %v", got, want)
	}

	aapl, _, err := run(t, "-data", dir, "-md", "-md-from-seq", "100", "-stop-seq", "250", "-symbol", "AAPL")
	if err != nil {
		t.Fatal(err)
	}
	var want []mdLine
	for _, m := range lines {
		if m.Symbol == "AAPL" {
			want = append(want, m)
		}
	}
	if got := mdLines(t, aapl); !reflect.DeepEqual(got, want) {
		t.Fatalf("-symbol AAPL: %d lines, want the %d AAPL lines of the full output", len(got), len(want))
	}

	for _, args := range [][]string{
		{"-md-from-seq", "5"}, {"-md", "-events"}, {"-md", "-from-snapshot"},
		{"-md", "-md-from-seq", "20", "-stop-seq", "10"}, {"-md", "-symbol", "ZZZZ"},
	} {
		if _, _, err := run(t, append([]string{"-data", dir}, args...)...); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
