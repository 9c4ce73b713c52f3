package engine

import (
	"encoding/binary"
	"math/rand"
	"strings"
	"testing"
)

// randomBusyEngine drives an engine with a seeded random stream so that it holds
// orders on both sides of several symbols, partial fills and a history (with
// request entries: now and then a mass cancel, by symbol and side, whose
// ClOrdID later cancels and replaces may name).
func randomBusyEngine(t testing.TB, seed int64, n int) (*Engine, func(c Command) *Events, *rand.Rand) {
	t.Helper()
	cfg := Config{MaxOrders: 2000, MaxLevels: 400, History: 50, MaxQty: 1000}
	for _, s := range []string{"A", "B", "C"} {
		cfg.Symbols = append(cfg.Symbols, SymbolConfig{Name: s, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 300})
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := NewEvents(64)
	var seq uint64
	apply := func(c Command) *Events {
		seq++
		c.Seq, c.Time = seq, int64(seq)*10
		out.Reset()
		e.Apply(&c, out)
		return out
	}
	r := rand.New(rand.NewSource(seed))
	// sym and side of the order each 'n' ClOrdID was sent for, so that cancels
	// name their order's Symbol and Side (every tenth one a wrong Side).
	syms, sides := make([]uint32, n), make([]Side, n)
	for i := 0; i < n; i++ {
		side := Side(1 + r.Intn(2))
		owner := uint32(r.Intn(3))
		if r.Intn(40) == 0 {
			apply(Command{Kind: KindMassCancel, Owner: owner, Type: MassBySymbol, Symbol: uint32(r.Intn(3)), Side: side,
				ClOrdID: counterID('n', i)})
			continue
		}
		switch r.Intn(4) {
		case 0:
			j := r.Intn(i + 1)
			c := Command{Kind: KindCancel, Owner: owner, Symbol: syms[j], Side: sides[j], ClOrdID: counterID('c', i), OrigClOrdID: counterID('n', j)}
			if i%10 == 0 {
				c.Side = 3 - c.Side
			}
			apply(c)
		case 1:
			j := r.Intn(i + 1)
			syms[i], sides[i] = syms[j], sides[j]
			apply(Command{Kind: KindReplace, Owner: owner, Side: side, Type: Limit, Price: 140 + r.Int63n(20), Qty: 1 + r.Int63n(20),
				ClOrdID: counterID('n', i), OrigClOrdID: counterID('n', j)})
		default:
			syms[i], sides[i] = uint32(r.Intn(3)), side
			apply(Command{Kind: KindNew, Owner: owner, Symbol: syms[i], Side: side, Type: Limit, TIF: TIF(r.Intn(2)),
				Price: 140 + r.Int63n(20), Qty: 1 + r.Int63n(20), ClOrdID: counterID('n', i)})
		}
	}
	return e, apply, r
}

func TestSnapshotRestoreBehavesIdentically(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		e, apply, _ := randomBusyEngine(t, seed, 3000)
		snap := e.AppendSnapshot(nil)
		r, err := Restore(e.Config(), snap)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if r.StateHash() != e.StateHash() {
			t.Fatalf("seed %d: restored state hash differs", seed)
		}
		if err := r.CheckInvariants(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if e.Resting() == 0 {
			t.Fatalf("seed %d: stream left no resting orders; the test proves nothing", seed)
		}
		var before State
		r.State(&before)
		requests := 0
		for _, h := range before.History {
			if h.Request {
				requests++
			}
		}
		if requests == 0 {
			t.Fatalf("seed %d: no request entry in the restored history; the test proves less", seed)
		}
		// Both engines must now produce the same events for the same commands,
		// status requests for the history's and the books' ClOrdIDs and mass
		// cancels among them.
		var st State
		e.State(&st)
		out2 := NewEvents(64)
		seq := e.LastSeq()
		for i := 0; i < 500; i++ {
			c := Command{Kind: KindNew, Owner: uint32(i % 3), Symbol: uint32(i % 3), Side: Side(1 + i%2), Type: Limit, TIF: Day,
				Price: 140 + int64(i*7%20), Qty: 1 + int64(i%9), ClOrdID: counterID('z', i)}
			switch {
			case i%5 == 0:
				c = Command{Kind: KindEndOfDay}
			case i%5 == 1 && len(st.History) > 0:
				h := &st.History[i%len(st.History)]
				c = Command{Kind: KindStatus, Owner: h.Owner, Symbol: h.Symbol, Side: h.Side, OrigClOrdID: h.ClOrdID}
			case i%5 == 2 && len(st.Orders) > 0:
				o := &st.Orders[i%len(st.Orders)]
				c = Command{Kind: KindStatus, Owner: o.Owner, Symbol: o.Symbol, Side: o.Side, OrigClOrdID: o.ClOrdID}
			case i%50 == 3:
				c = Command{Kind: KindMassCancel, Type: MassAll, Owner: uint32(i % 3), Side: Side(i % 3)}
			}
			seq++
			out := apply(c)
			c.Seq, c.Time = seq, int64(seq)*10
			out2.Reset()
			r.Apply(&c, out2)
			if len(out.Slice()) != len(out2.Slice()) {
				t.Fatalf("seed %d step %d: %d events vs %d after restore", seed, i, out.Len(), out2.Len())
			}
			for j := range out.Slice() {
				if *out.At(j) != *out2.At(j) {
					t.Fatalf("seed %d step %d: event %d differs after restore:\n%+v\n%+v", seed, i, j, *out.At(j), *out2.At(j))
				}
			}
		}
		if r.StateHash() != e.StateHash() {
			t.Fatalf("seed %d: state hash differs after continuing", seed)
		}
	}
}

func TestRestoreRejectsDamage(t *testing.T) {
	e, _, _ := randomBusyEngine(t, 7, 2000)
	snap := e.AppendSnapshot(nil)
	if _, err := Restore(e.Config(), snap[:len(snap)-1]); err == nil || !strings.HasPrefix(err.Error(), "engine: snapshot:") {
		t.Fatalf("truncated snapshot: err = %v", err)
	}
	// Every single-byte change either fails with an error or restores an engine
	// whose invariants hold: never a panic, never a corrupt book.
	for i := 0; i < len(snap); i += 7 {
		bad := append([]byte(nil), snap...)
		bad[i] ^= 0x5a
		r, err := Restore(e.Config(), bad)
		if err == nil {
			if ierr := r.CheckInvariants(); ierr != nil {
				t.Fatalf("byte %d flipped: restored an inconsistent engine: %v", i, ierr)
			}
		}
	}
	small := e.Config()
	small.MaxOrders = 1
	if _, err := Restore(small, snap); err == nil {
		t.Fatal("restoring into too small a configuration must fail")
	}
}

// TestDayOpened: the time of the first command since the last end of day, kept
// across snapshots (version 2) and unknown (0) in a version 1 snapshot.
func TestDayOpened(t *testing.T) {
	e, _, _ := randomBusyEngine(t, 3, 0)
	if e.DayOpened() != 0 {
		t.Fatalf("new engine: DayOpened %d, want 0", e.DayOpened())
	}
	out := NewEvents(64)
	var seq uint64
	apply := func(c Command, at int64) {
		seq++
		c.Seq, c.Time = seq, at
		out.Reset()
		e.Apply(&c, out)
	}
	order := func(id int) Command {
		return Command{Kind: KindNew, Owner: 1, Symbol: 0, Side: Buy, Type: Limit, TIF: Day, Price: 100, Qty: 5, ClOrdID: counterID('d', id)}
	}
	steps := []struct {
		cmd  Command
		at   int64
		want int64
	}{
		{Command{Kind: KindEndOfDay}, 50, 0}, // an end of day opens no day
		{order(1), 100, 100},
		{order(2), 200, 100},
		{Command{Kind: KindEndOfDay}, 300, 0},
		{Command{Kind: KindEndOfDay}, 350, 0},
		{Command{Kind: KindNew, Owner: 1, Symbol: 9, ClOrdID: counterID('d', 3)}, 400, 400}, // a reject opens it too
		{order(4), 500, 400},
	}
	for i, s := range steps {
		apply(s.cmd, s.at)
		if got := e.DayOpened(); got != s.want {
			t.Fatalf("step %d (kind %d at %d): DayOpened %d, want %d", i, s.cmd.Kind, s.at, got, s.want)
		}
	}
	snap := e.AppendSnapshot(nil)
	r, err := Restore(e.Config(), snap)
	if err != nil || r.DayOpened() != 400 {
		t.Fatalf("restored: DayOpened %v, %v; want 400", r.DayOpened(), err)
	}
	// The same snapshot in version 1: no dayOpened field.
	v1 := append([]byte(nil), snap[:4]...)
	v1 = append(v1, 1, 0)
	v1 = append(v1, snap[6:22]...)
	v1 = append(v1, snap[30:]...)
	r1, err := Restore(e.Config(), v1)
	if err != nil {
		t.Fatalf("version 1: %v", err)
	}
	if r1.DayOpened() != 0 || r1.StateHash() != e.StateHash() || r1.Resting() != e.Resting() {
		t.Fatalf("version 1: DayOpened %d (want 0), same state %v", r1.DayOpened(), r1.StateHash() == e.StateHash())
	}
	bad := append([]byte(nil), snap...)
	bad[29] = 0x80 // dayOpened negative
	if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("negative dayOpened: err = %v", err)
	}
}

// TestRestoreRejectsCrossedBook: an ask at or below the best bid is refused even
// when it is above the bid just before it in the snapshot (the lowest bid).
func TestRestoreRejectsCrossedBook(t *testing.T) {
	e, _, _ := randomBusyEngine(t, 3, 0)
	out := NewEvents(64)
	for i, p := range []int64{150, 140, 160} {
		side := Buy
		if p == 160 {
			side = Sell
		}
		c := Command{Kind: KindNew, Seq: uint64(i + 1), Owner: 1, Symbol: 0, Side: side, Type: Limit, TIF: GTC, Price: p, Qty: 5, ClOrdID: counterID('x', i)}
		e.Apply(&c, out)
	}
	snap := e.AppendSnapshot(nil)
	if _, err := Restore(e.Config(), snap); err != nil {
		t.Fatal(err)
	}
	const firstPrice = 34 + 4 + 18 // header, order count, the best bid's fields before its price
	for _, p := range []int64{160, 170} {
		bad := append([]byte(nil), snap...)
		binary.LittleEndian.PutUint64(bad[firstPrice:], uint64(p))
		if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), "crossed book") {
			t.Fatalf("best bid moved to %d: err = %v, want a crossed book", p, err)
		}
	}
}

// TestSnapshotHistoryStatus: the history keeps each finished ClOrdID's status
// and details across a snapshot (version 5), a version 3 snapshot restores the
// status without details, a version 2 snapshot restores it as 8 (not known),
// and a status a history entry cannot hold is refused.
func TestSnapshotHistoryStatus(t *testing.T) {
	e, apply, _ := randomBusyEngine(t, 3, 0)
	buy := func(id string, px, qty int64) Command {
		c := Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, TIF: GTC, Price: px, Qty: qty}
		c.ClOrdID, _ = MakeID(id)
		return c
	}
	cancel := func(id, orig string) Command {
		c := Command{Kind: KindCancel, Owner: 1, Side: Buy}
		c.ClOrdID, _ = MakeID(id)
		c.OrigClOrdID, _ = MakeID(orig)
		return c
	}
	apply(buy("f", 100, 2))
	sell := Command{Kind: KindNew, Owner: 2, Side: Sell, Type: Limit, TIF: Day, Price: 100, Qty: 2}
	sell.ClOrdID, _ = MakeID("s")
	apply(sell) // f and s filled
	apply(buy("k", 90, 1))
	apply(cancel("kc", "k")) // k and kc canceled
	apply(buy("r", 80, 3))
	rep := buy("r2", 80, 2)
	rep.Kind, rep.OrigClOrdID = KindReplace, ID{N: 1, B: [MaxIDLen]byte{'r'}}
	apply(rep) // r replaced away while new
	want := map[string]OrdStatus{"f": StatusFilled, "k": StatusCanceled, "kc": StatusCanceled, "r": StatusNew}
	rejectStatus := func(eng *Engine, orig string) OrdStatus {
		c := cancel("probe", orig)
		c.Seq = eng.LastSeq() + 1
		out := NewEvents(4)
		eng.Apply(&c, out)
		if ev := out.At(0); ev.Kind != EvCancelRejected || ev.Reason != ReasonTooLate {
			t.Fatalf("cancel of %s: event kind %d reason %d, want a too-late reject", orig, ev.Kind, ev.Reason)
		}
		return out.At(0).Status
	}
	snap := e.AppendSnapshot(nil)
	if v := binary.LittleEndian.Uint16(snap[4:]); v != 5 {
		t.Fatalf("snapshot version %d, want 5", v)
	}
	r, err := Restore(e.Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if r.StateHash() != e.StateHash() {
		t.Fatal("restored state hash differs")
	}
	for id, st := range want {
		if got := rejectStatus(r, id); got != st {
			t.Errorf("restored: cancel of %s reports OrdStatus %c, want %c", id, got, st)
		}
	}

	var st, rst State
	e.State(&st)
	r.State(&rst)
	for i := range st.History {
		if st.History[i] != rst.History[i] || !st.History[i].Known() {
			t.Errorf("history %d: %+v restored as %+v", i, st.History[i], rst.History[i])
		}
	}

	// The same snapshot in version 3: no details in the history entries.
	const header = 34
	p := header + 4 + int(binary.LittleEndian.Uint32(snap[header:]))*snapOrderSize
	nHist := int(binary.LittleEndian.Uint32(snap[p:]))
	if nHist != 5 {
		t.Fatalf("snapshot holds %d history entries, want 5", nHist)
	}
	v3 := append([]byte(nil), snap[:p+4]...)
	v3[4] = 3
	for i := 0; i < nHist; i++ {
		v3 = append(v3, snap[p+4+i*snapHistSize:][:snapHistSizeV3]...)
	}
	r3, err := Restore(e.Config(), v3)
	if err != nil {
		t.Fatalf("version 3: %v", err)
	}
	r3.State(&rst)
	for i, h := range rst.History {
		want := HistoryEntry{Owner: st.History[i].Owner, Status: st.History[i].Status, ClOrdID: st.History[i].ClOrdID}
		if h != want || h.Known() {
			t.Errorf("version 3: history %d restored as %+v, want %+v (no details)", i, h, want)
		}
	}
	for id, st := range want {
		if got := rejectStatus(r3, id); got != st {
			t.Errorf("version 3: cancel of %s reports OrdStatus %c, want %c", id, got, st)
		}
	}

	// The same snapshot in version 2: no status byte in the history entries.
	v2 := append([]byte(nil), snap[:p+4]...)
	v2[4] = 2
	for i := 0; i < nHist; i++ {
		h := snap[p+4+i*snapHistSize:]
		v2 = append(v2, h[:4]...)
		v2 = append(v2, h[5:snapHistSizeV3]...)
	}
	r2, err := Restore(e.Config(), v2)
	if err != nil {
		t.Fatalf("version 2: %v", err)
	}
	for id := range want {
		if got := rejectStatus(r2, id); got != StatusRejected {
			t.Errorf("version 2: cancel of %s reports OrdStatus %c, want 8 (not known)", id, got)
		}
		// A status request cannot tell more than unknown either.
		c := Command{Kind: KindStatus, Seq: r2.LastSeq() + 1, Owner: 1, Side: Buy}
		c.OrigClOrdID, _ = MakeID(id)
		out := NewEvents(4)
		r2.Apply(&c, out)
		if ev := out.At(0); ev.Kind != EvStatus || ev.Status != StatusRejected || ev.Reason != ReasonUnknownOrderStatus || ev.OrderID != 0 {
			t.Errorf("version 2: status of %s: %+v, want unknown", id, *ev)
		}
	}
	if r2.AppendSnapshot(nil)[p+4+4] != byte(StatusRejected) {
		t.Error("version 2 restored: the first history entry is not written back with status 8")
	}

	// Details that cannot belong to the entry are refused. Entry 0 is f: a
	// filled buy of 2 at 100.
	h0 := p + 4
	const det = 4 + 1 + 1 + MaxIDLen // owner, status, ID: where the details start
	for _, c := range []struct {
		off  int
		val  uint64
		size int
		msg  string
	}{
		{det + 12, 9, 1, "bad side"},
		{det + 13, 7, 1, "bad type or price"},
		{det + 14, 2, 1, "bad time in force"},
		{det + 8, 3, 4, "unknown symbol"},
		{det + 15, 0, 8, "bad type or price"},             // a LIMIT price of 0
		{det + 23, 0, 8, "details without an OrderQty"},   // OrderQty 0 with details
		{det + 23, 3, 8, "status 50 does not fit"},        // filled but CumQty < OrderQty
		{det + 39, 2*300 + 1, 8, "impossible notional"},   // above CumQty x MaxPrice
		{det, 1 << 40, 8, "OrderID after the snapshot's"}, // from the future
	} {
		bad := append([]byte(nil), snap...)
		switch c.size {
		case 1:
			bad[h0+c.off] = byte(c.val)
		case 4:
			binary.LittleEndian.PutUint32(bad[h0+c.off:], uint32(c.val))
		default:
			binary.LittleEndian.PutUint64(bad[h0+c.off:], c.val)
		}
		if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), "history 0: "+c.msg) {
			t.Errorf("history 0 byte %d set to %d: err = %v, want %q", c.off, c.val, err, c.msg)
		}
	}

	for _, st := range []byte{0, '5', 'x'} {
		bad := append([]byte(nil), snap...)
		bad[p+4+4] = st
		if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), "history 0: bad status") {
			t.Errorf("history status %q: err = %v", st, err)
		}
	}
	// C is a status only an expired entry (kind 2) holds.
	bad := append([]byte(nil), snap...)
	bad[p+4+4] = 'C'
	if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), "history 0: status C without the expired kind") {
		t.Errorf("history status C on an order entry: err = %v", err)
	}
}

// TestSnapshotRequestEntry: an accepted mass cancel's ClOrdID (a request
// entry) survives a snapshot: the restored engine rejects its reuse as a
// duplicate and answers a cancel or status request naming it as unknown. A
// kind byte other than 0 or 1, or a request entry with a status or details,
// is refused.
func TestSnapshotRequestEntry(t *testing.T) {
	e, apply, _ := randomBusyEngine(t, 3, 0)
	id := func(s string) ID { v, _ := MakeID(s); return v }
	apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, TIF: GTC, Price: 100, Qty: 2, ClOrdID: id("k")})
	if ev := apply(Command{Kind: KindMassCancel, Owner: 1, Type: MassAll, ClOrdID: id("m")}).At(0); ev.Status != StatusCanceled || ev.OrderQty != 1 {
		t.Fatalf("mass cancel: %+v, want accepted with 1 order", *ev)
	}
	var st State
	e.State(&st)
	want := []HistoryEntry{{Owner: 1, Status: StatusRejected, ClOrdID: id("m"), Request: true}}
	if len(st.History) != 2 || st.History[1] != want[0] || st.History[0].ClOrdID != id("k") {
		t.Fatalf("history %+v, want k then the request entry %+v", st.History, want[0])
	}

	snap := e.AppendSnapshot(nil)
	r, err := Restore(e.Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if r.StateHash() != e.StateHash() {
		t.Fatal("restored state hash differs")
	}
	one := func(c Command) Event {
		c.Seq = r.LastSeq() + 1
		out := NewEvents(4)
		r.Apply(&c, out)
		if out.Len() != 1 {
			t.Fatalf("%+v: %d events, want 1", c, out.Len())
		}
		return *out.At(0)
	}
	if ev := one(Command{Kind: KindMassCancel, Owner: 1, Type: MassAll, ClOrdID: id("m")}); ev.Kind != EvMassCancelReport ||
		ev.Status != StatusRejected || ev.Reason != ReasonOther || ev.Text != TextDuplicateClOrdID {
		t.Errorf("restored: mass cancel reusing m: %+v, want a duplicate reject", ev)
	}
	if ev := one(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, Price: 100, Qty: 1, ClOrdID: id("m")}); ev.Kind != EvRejected ||
		ev.Reason != ReasonDuplicate {
		t.Errorf("restored: new order reusing m: %+v, want a duplicate reject", ev)
	}
	if ev := one(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: id("c"), OrigClOrdID: id("m")}); ev.Kind != EvCancelRejected ||
		ev.Reason != ReasonUnknownOrder || ev.Status != StatusRejected {
		t.Errorf("restored: cancel naming m: %+v, want unknown (1, OrdStatus 8)", ev)
	}
	if ev := one(Command{Kind: KindStatus, Owner: 1, OrigClOrdID: id("m")}); ev.Kind != EvStatus || ev.Status != StatusRejected ||
		ev.Reason != ReasonUnknownOrderStatus || ev.Text != TextUnknownOrder {
		t.Errorf("restored: status of m: %+v, want unknown", ev)
	}

	// The kind byte ends each entry; the request entry is the last one.
	const header = 34
	p := header + 4 + int(binary.LittleEndian.Uint32(snap[header:]))*snapOrderSize + 4
	first, last := p+snapHistSize-1, p+2*snapHistSize-1
	if len(snap) != last+1 || snap[first] != 0 || snap[last] != 1 {
		t.Fatalf("kind bytes %d and %d, snapshot length %d: not the layout expected", snap[first], snap[last], len(snap))
	}
	for _, c := range []struct {
		what string
		edit func(b []byte)
		msg  string
	}{
		{"kind 3", func(b []byte) { b[last] = 3 }, "history 1: bad kind 3"},
		{"a request entry marked expired", func(b []byte) { b[last] = 2 }, "history 1: status C without the expired kind, or the reverse"},
		{"an order entry marked as a request", func(b []byte) { b[first] = 1 }, "history 0: request entry with a status or details"},
		{"a request entry with status 4", func(b []byte) { b[p+snapHistSize+4] = byte(StatusCanceled) },
			"history 1: request entry with a status or details"},
	} {
		bad := append([]byte(nil), snap...)
		c.edit(bad)
		if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want %q", c.what, err, c.msg)
		}
	}
}

// TestSnapshotExpiredEntry: the orders that expired at the last end of day
// (expired entries, kind 2) survive a snapshot: the restored engine rejects a
// cancel naming one as too late with OrdStatus C, reports C on a status
// request, and lets a new order take its ClOrdID. A kind 2 on an entry without
// status C, status C on an entry of kind 0, or an expired entry after an entry
// of another kind, is refused.
func TestSnapshotExpiredEntry(t *testing.T) {
	e, apply, _ := randomBusyEngine(t, 5, 0)
	id := func(s string) ID { v, _ := MakeID(s); return v }
	apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, TIF: Day, Price: 100, Qty: 4, ClOrdID: id("d1")})
	apply(Command{Kind: KindNew, Owner: 2, Side: Sell, Type: Limit, TIF: Day, Price: 100, Qty: 1, ClOrdID: id("s1")})
	apply(Command{Kind: KindNew, Owner: 1, Symbol: 1, Side: Sell, Type: Limit, TIF: Day, Price: 120, Qty: 2, ClOrdID: id("d2")})
	apply(Command{Kind: KindNew, Owner: 1, Side: Sell, Type: Limit, TIF: GTC, Price: 130, Qty: 2, ClOrdID: id("g1")})
	if out := apply(Command{Kind: KindEndOfDay}); out.Len() != 2 {
		t.Fatalf("end of day: %d events, want 2 expiries", out.Len())
	}
	// A DAY order of the new day, canceled: two ordinary entries after the
	// expired ones.
	apply(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, TIF: Day, Price: 90, Qty: 1, ClOrdID: id("z")})
	apply(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: id("zc"), OrigClOrdID: id("z")})
	var st State
	e.State(&st)
	want := []HistoryEntry{
		{Owner: 1, Expired: true, Status: StatusExpired, ClOrdID: id("d1"), OrderID: 1, Side: Buy, Type: Limit, TIF: Day,
			Price: 100, OrderQty: 4, CumQty: 1, Notional: 100},
		{Owner: 1, Expired: true, Status: StatusExpired, ClOrdID: id("d2"), OrderID: 3, Symbol: 1, Side: Sell, Type: Limit,
			TIF: Day, Price: 120, OrderQty: 2},
	}
	if len(st.History) != 4 || st.History[0] != want[0] || st.History[1] != want[1] {
		t.Fatalf("history %+v, want %+v then z and zc", st.History, want)
	}

	snap := e.AppendSnapshot(nil)
	r, err := Restore(e.Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if r.StateHash() != e.StateHash() {
		t.Fatal("restored state hash differs")
	}
	if err := r.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	one := func(c Command) Event {
		c.Seq = r.LastSeq() + 1
		out := NewEvents(4)
		r.Apply(&c, out)
		if out.Len() != 1 {
			t.Fatalf("%+v: %d events, want 1", c, out.Len())
		}
		return *out.At(0)
	}
	if ev := one(Command{Kind: KindCancel, Owner: 1, Side: Buy, ClOrdID: id("c1"), OrigClOrdID: id("d1")}); ev.Kind != EvCancelRejected ||
		ev.Reason != ReasonTooLate || ev.Status != StatusExpired {
		t.Errorf("restored: cancel naming d1: %+v, want too late (0, OrdStatus C)", ev)
	}
	if ev := one(Command{Kind: KindStatus, Owner: 1, Symbol: 1, Side: Sell, OrigClOrdID: id("d2")}); ev.Kind != EvStatus ||
		ev.Status != StatusExpired || ev.OrderID != 3 || ev.OrderQty != 2 || ev.LeavesQty != 0 {
		t.Errorf("restored: status of d2: %+v, want C with its details", ev)
	}
	if ev := one(Command{Kind: KindNew, Owner: 1, Side: Buy, Type: Limit, TIF: Day, Price: 50, Qty: 1, ClOrdID: id("d1")}); ev.Kind != EvAccepted {
		t.Errorf("restored: new order reusing d1: %+v, want accepted", ev)
	}
	if err := r.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	r.State(&st)
	if len(st.History) != 3 || st.History[0].ClOrdID != id("d2") || !st.History[0].Expired {
		t.Errorf("restored history after reusing d1: %+v, want d2 (expired), z, zc", st.History)
	}

	// The kind byte ends each entry: d1, d2, z, zc.
	const header = 34
	p := header + 4 + int(binary.LittleEndian.Uint32(snap[header:]))*snapOrderSize + 4
	kind := func(i int) int { return p + (i+1)*snapHistSize - 1 }
	status := func(i int) int { return p + i*snapHistSize + 4 }
	if len(snap) != p+4*snapHistSize || snap[kind(0)] != 2 || snap[kind(1)] != 2 || snap[kind(2)] != 0 || snap[kind(3)] != 0 {
		t.Fatalf("kind bytes %v, snapshot length %d: not the layout expected", []byte{snap[kind(0)], snap[kind(1)], snap[kind(2)], snap[kind(3)]}, len(snap))
	}
	for _, c := range []struct {
		what string
		edit func(b []byte)
		msg  string
	}{
		{"an expired entry marked as an order", func(b []byte) { b[kind(0)] = 0 }, "history 0: status C without the expired kind"},
		{"a canceled entry marked expired", func(b []byte) { b[kind(2)] = 2 }, "history 2: status C without the expired kind"},
		{"an expired entry after an order entry", func(b []byte) { b[kind(3)], b[status(3)] = 2, byte(StatusExpired) },
			"history 3: expired entry after an entry of another kind"},
		{"an expired entry of a GTC order", func(b []byte) { b[kind(0)-33] = byte(GTC) }, "history 0: expired entry that is not a DAY LIMIT order"},
	} {
		bad := append([]byte(nil), snap...)
		c.edit(bad)
		if _, err := Restore(e.Config(), bad); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want %q", c.what, err, c.msg)
		}
	}
}
