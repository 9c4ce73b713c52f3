package engine

import (
	"encoding/binary"
	"os"
	"testing"
)

// goldenV3Config and goldenV3Commands built testdata/snapshot-v3.bin with the
// engine as it was at snapshot version 3 (before history entries kept the
// order's details).
func goldenV3Config() Config {
	return Config{
		Symbols: []SymbolConfig{
			{Name: "AAPL", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1000},
			{Name: "MSFT", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1000},
		},
		MaxOrders: 100, MaxLevels: 100, History: 100, MaxQty: 1000,
	}
}

func goldenV3Commands() []Command {
	id := func(s string) ID { v, _ := MakeID(s); return v }
	lim := func(owner uint32, cl string, sym uint32, side Side, tif TIF, px, qty int64) Command {
		return Command{Kind: KindNew, Owner: owner, ClOrdID: id(cl), Symbol: sym, Side: side, Type: Limit, TIF: tif, Price: px, Qty: qty}
	}
	rep := func(owner uint32, cl, orig string, sym uint32, side Side, tif TIF, px, qty int64) Command {
		c := lim(owner, cl, sym, side, tif, px, qty)
		c.Kind, c.OrigClOrdID = KindReplace, id(orig)
		return c
	}
	return []Command{
		lim(1, "f1", 0, Buy, Day, 100, 5),  // 1: filled below
		lim(2, "s1", 0, Sell, Day, 100, 5), // 2: fills f1, s1 filled
		lim(1, "k1", 0, Buy, GTC, 90, 4),   // 3
		{Kind: KindCancel, Owner: 1, ClOrdID: id("kc1"), OrigClOrdID: id("k1"), Symbol: 0, Side: Buy}, // 4: k1, kc1 canceled
		lim(1, "r1", 1, Sell, GTC, 200, 6),       // 5
		rep(1, "r2", "r1", 1, Sell, GTC, 210, 8), // 6: r1 replaced away while new
		lim(2, "p1", 1, Buy, Day, 210, 3),        // 7: r2 partially filled (3 of 8)
		rep(1, "r3", "r2", 1, Sell, GTC, 210, 7), // 8: r2 replaced away while partial
		lim(2, "i1", 0, Buy, IOC, 50, 2),         // 9: IOC remainder canceled
		lim(2, "g1", 0, Sell, GTC, 300, 9),       // 10: rests
		lim(1, "b1", 0, Buy, Day, 80, 2),         // 11: rests
	}
}

// restoreGolden restores the golden snapshot file, which must have the given
// version and was written after goldenV3Commands, and returns its bytes, the
// restored engine (its invariants checked) and a current engine that applied
// the same commands.
func restoreGolden(t *testing.T, file string, version uint16) (data []byte, restored, replayed *Engine) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint16(data[4:]); v != version {
		t.Fatalf("golden snapshot has version %d, want %d", v, version)
	}
	cfg := goldenV3Config()
	r, err := Restore(cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := NewEvents(64)
	for i, c := range goldenV3Commands() {
		c.Seq, c.Time = uint64(i+1), int64(1000+i)
		out.Reset()
		e.Apply(&c, out)
	}
	return data, r, e
}

// TestRestoreGoldenV3: a version 3 snapshot written by the engine of that
// version restores to the state the current engine reaches on the same
// commands, except that its history entries have no details; a status
// request naming one of them reports its status with OrderID 0 and zero
// quantities (8, unknown, only for the v1/v2 "not known" status); live orders
// answer in full. Written back, the snapshot is the current version and keeps
// the entries without details.
func TestRestoreGoldenV3(t *testing.T) {
	_, r, e := restoreGolden(t, "testdata/snapshot-v3.bin", 3)
	out := NewEvents(64)
	var want, got State
	e.State(&want)
	r.State(&got)
	if got.LastSeq != want.LastSeq || got.NextExecID != want.NextExecID || len(got.Orders) != 3 || len(got.Orders) != len(want.Orders) {
		t.Fatalf("restored: last seq %d, next exec %d, %d orders; want %d, %d, 3", got.LastSeq, got.NextExecID, len(got.Orders),
			want.LastSeq, want.NextExecID)
	}
	for i := range want.Orders {
		if got.Orders[i] != want.Orders[i] {
			t.Errorf("order %d: restored %+v, want %+v", i, got.Orders[i], want.Orders[i])
		}
	}
	if len(got.History) != 8 || len(got.History) != len(want.History) {
		t.Fatalf("restored %d history entries, want 8 (%d)", len(got.History), len(want.History))
	}
	for i, h := range want.History {
		if !h.Known() {
			t.Fatalf("history %d: the current engine left no details", i)
		}
		bare := HistoryEntry{Owner: h.Owner, Status: h.Status, ClOrdID: h.ClOrdID}
		if got.History[i] != bare {
			t.Errorf("history %d: restored %+v, want %+v", i, got.History[i], bare)
		}
	}

	seq := r.LastSeq()
	status := func(owner uint32, id string, sym uint32, side Side) Event {
		seq++
		c := Command{Kind: KindStatus, Seq: seq, Owner: owner, Symbol: sym, Side: side}
		c.OrigClOrdID, _ = MakeID(id)
		c.ClOrdID, _ = MakeID("req")
		out.Reset()
		r.Apply(&c, out)
		if out.Len() != 1 || out.At(0).Kind != EvStatus || !out.At(0).Last {
			t.Fatalf("status of %s: %d events, want one EvStatus", id, out.Len())
		}
		return *out.At(0)
	}
	// Finished ClOrdIDs: the status only, whatever Side and Symbol are sent.
	for _, c := range []struct {
		owner uint32
		id    string
		st    OrdStatus
	}{{1, "f1", StatusFilled}, {1, "kc1", StatusCanceled}, {1, "r1", StatusNew}, {1, "r2", StatusPartiallyFilled}, {2, "i1", StatusCanceled}} {
		ev := status(c.owner, c.id, 1, Sell)
		if ev.Status != c.st || ev.OrderID != 0 || ev.CumQty != 0 || ev.LeavesQty != 0 || ev.OrderQty != 0 || ev.Notional != 0 ||
			ev.Reason != 0 || ev.Text != TextNone || ev.Symbol != 1 || ev.Side != Sell || ev.ClOrdID.String() != c.id ||
			ev.OrigClOrdID.String() != "req" {
			t.Errorf("status of %s (no details): %+v, want status %c and nothing else", c.id, ev, c.st)
		}
	}
	// A live order answers in full; another owner's is unknown.
	if ev := status(1, "r3", 1, Sell); ev.Status != StatusPartiallyFilled || ev.OrderID != 5 || ev.OrderQty != 7 || ev.CumQty != 3 ||
		ev.LeavesQty != 4 || ev.Notional != 3*210 || ev.Price != 210 {
		t.Errorf("status of live r3: %+v", ev)
	}
	if ev := status(2, "f1", 0, Buy); ev.Status != StatusRejected || ev.Reason != ReasonUnknownOrderStatus {
		t.Errorf("status of another owner's f1: %+v", ev)
	}

	snap := r.AppendSnapshot(nil)
	if v := binary.LittleEndian.Uint16(snap[4:]); v != snapVersion {
		t.Fatalf("written back as version %d", v)
	}
	again, err := Restore(goldenV3Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if again.StateHash() != r.StateHash() {
		t.Fatal("round trip of the restored engine changed its state")
	}
}
