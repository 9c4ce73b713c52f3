package engine

import "testing"

// FuzzRestore: Restore on arbitrary bytes either fails with an error or builds
// an engine whose invariants hold, which snapshots to bytes that restore to
// the same state, and which keeps its invariants while it trades on (status
// requests, mass cancels, end of day and reuse of expired ClOrdIDs among its
// commands). Never a
// panic. Seeds are snapshots of busy engines, so mutations reach every field.
//
//	go test ./engine -run '^$' -fuzz FuzzRestore -fuzztime 1000000x -fuzzminimizetime 1000x
//
// Keep -fuzzminimizetime short: a snapshot is kilobytes, and minimizing each
// new input for the default 60 s stalls the run (it looks hung).
func FuzzRestore(f *testing.F) {
	var cfg Config
	for seed := int64(1); seed <= 3; seed++ {
		e, _, _ := randomBusyEngine(f, seed, 30*int(seed)) // small: big inputs make fuzzing crawl
		cfg = e.Config()
		f.Add(e.AppendSnapshot(nil))
	}
	// One with expired entries (kind 2), some of them dropped by reuse.
	e, apply, _ := randomBusyEngine(f, 4, 60)
	apply(Command{Kind: KindEndOfDay})
	for i := range 60 {
		apply(Command{Kind: KindNew, Owner: uint32(i % 3), Symbol: uint32(i % 3), Side: Side(1 + i%2), Type: Limit,
			Price: 150, Qty: 1, ClOrdID: counterID('n', i)})
	}
	f.Add(e.AppendSnapshot(nil))
	empty, _, _ := randomBusyEngine(f, 9, 0)
	f.Add(empty.AppendSnapshot(nil))
	f.Add([]byte("MESN"))
	f.Fuzz(func(t *testing.T, data []byte) { checkRestore(t, cfg, data) })
}

// checkRestore is FuzzRestore's check of one input.
func checkRestore(t testing.TB, cfg Config, data []byte) {
	{
		e, err := Restore(cfg, data)
		if err != nil {
			return
		}
		if err := e.CheckInvariants(); err != nil {
			t.Fatalf("restored an inconsistent engine: %v", err)
		}
		again, err := Restore(cfg, e.AppendSnapshot(nil))
		if err != nil {
			t.Fatalf("the restored engine's own snapshot does not restore: %v", err)
		}
		if again.StateHash() != e.StateHash() || again.DayOpened() != e.DayOpened() {
			t.Fatal("snapshot round trip changed the state")
		}
		out := NewEvents(64)
		seq := e.LastSeq()
		for i := range 40 {
			seq++
			c := Command{Kind: KindNew, Seq: seq, Time: int64(seq), Owner: uint32(i % 3), Symbol: uint32(i % 3), Side: Side(1 + i%2),
				Type: Limit, TIF: TIF(i % 2), Price: 130 + int64(i*7%40), Qty: 1 + int64(i%9), ClOrdID: counterID('f', i)}
			switch i % 8 {
			case 3:
				c = Command{Kind: KindStatus, Seq: seq, Time: int64(seq), Owner: uint32(i % 3), Symbol: uint32(i % 3), Side: Side(1 + i%2),
					OrigClOrdID: counterID('n', i*37)}
			case 6:
				c = Command{Kind: KindMassCancel, Seq: seq, Time: int64(seq), Owner: uint32(i % 3), Symbol: uint32(i % 3),
					Type: [...]OrdType{MassBySymbol, MassAll, MassOnDisconnect}[i%3], Side: Side(i % 3)}
			case 5:
				c = Command{Kind: KindCancel, Seq: seq, Time: int64(seq), Owner: uint32(i % 3), Symbol: uint32(i % 3), Side: Side(1 + i%2),
					ClOrdID: counterID('x', i), OrigClOrdID: counterID('n', i*37)}
			case 7:
				c = Command{Kind: KindEndOfDay, Seq: seq, Time: int64(seq)}
			case 4:
				// A seed's ClOrdID: a duplicate, an expired one to reclaim, or free.
				c.ClOrdID = counterID('n', i*37)
			}
			out.Reset()
			e.Apply(&c, out)
			if err := e.CheckInvariants(); err != nil {
				t.Fatalf("after command %d on the restored engine: %v", i, err)
			}
		}
	}
}
