package cluster

import (
	"errors"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
)

func newTestApplier(t *testing.T, every uint64) *EngineApplier {
	t.Helper()
	a, err := NewEngineApplier(simEngineConfig(), every)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func batch(seqs ...uint64) []byte {
	var b []byte
	for _, s := range seqs {
		c := testCommand(s)
		c.Symbol = 0
		c.ClOrdID, _ = engine.MakeID("o" + string(rune('a'+s%26)) + string(rune('a'+s/26)))
		b = AppendCommand(b, &c)
	}
	return b
}

// TestEngineApplierCheckpoints: a checkpoint that matches is counted, one that
// does not is a DivergenceError naming the raft index, seq and both hashes,
// and one for a seq this node cannot compare is counted as unchecked.
func TestEngineApplierCheckpoints(t *testing.T) {
	a := newTestApplier(t, 2)
	if _, _, ok := a.LastCheckpoint(); ok {
		t.Fatal("a checkpoint before any command")
	}
	if err := a.ApplyBatch(1, batch(1, 2, 3)); err != nil {
		t.Fatal(err)
	}
	seq, h, ok := a.LastCheckpoint()
	if !ok || seq != 2 {
		t.Fatalf("LastCheckpoint %d %x %v, want seq 2", seq, h, ok)
	}
	if err := a.ApplyBatch(2, AppendCheckpoint(batch(4), seq, h)); err != nil {
		t.Fatal(err)
	}
	// The current state (seq 4) is compared directly; seq 1 was never recorded.
	b := AppendCheckpoint(nil, 4, a.Engine().StateHash())
	b = AppendCheckpoint(b, 1, 12345)
	if err := a.ApplyBatch(3, b); err != nil {
		t.Fatal(err)
	}
	if c, u := a.Checkpoints(); c != 2 || u != 1 {
		t.Fatalf("checked %d unchecked %d, want 2 and 1", c, u)
	}
	err := a.ApplyBatch(4, AppendCheckpoint(nil, 2, h^1))
	var d *DivergenceError
	if !errors.As(err, &d) || d.Index != 4 || d.Seq != 2 || d.Proposer != h^1 || d.Local != h {
		t.Fatalf("got %v, want a DivergenceError at index 4 seq 2", err)
	}
	if !strings.Contains(err.Error(), "raft index 4") || !strings.Contains(err.Error(), "seq 2") {
		t.Fatalf("message %q", err)
	}
	err = a.ApplyBatch(5, AppendCheckpoint(nil, 9, 0))
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Index != 5 || !strings.Contains(err.Error(), "past the last applied seq 4") {
		t.Fatalf("checkpoint ahead of the state: %v", err)
	}
}

// TestEngineApplierRefuses: a seq that does not increase and a malformed entry
// are errors naming the raft index; the malformed entry changes nothing.
func TestEngineApplierRefuses(t *testing.T) {
	a := newTestApplier(t, 0)
	if err := a.ApplyBatch(1, batch(5)); err != nil {
		t.Fatal(err)
	}
	err := a.ApplyBatch(2, batch(6, 6))
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Index != 2 || ee.Offset == 0 || !strings.Contains(err.Error(), "seq 6 does not follow the last applied seq 6") {
		t.Fatalf("repeated seq: %v", err)
	}
	before := a.Engine().StateHash()
	bad := append(batch(7, 8), 77)
	err = a.ApplyBatch(3, bad)
	if !errors.As(err, &ee) || ee.Index != 3 || ee.Offset != len(bad)-1 {
		t.Fatalf("malformed: %v", err)
	}
	if a.Engine().StateHash() != before || a.Engine().LastSeq() != 6 {
		t.Fatal("a malformed entry applied some of its commands")
	}
	if err := a.ApplyBatch(4, nil); err != nil || a.Index() != 4 {
		t.Fatalf("an empty entry: %v, index %d", err, a.Index())
	}
}

// TestEngineApplierSnapshot: Restore rebuilds the same state at the index, and
// a damaged snapshot is an error naming it.
func TestEngineApplierSnapshot(t *testing.T) {
	a := newTestApplier(t, 1)
	var seen int
	a.OnCommand = func(index uint64, cmd *engine.Command, evs []engine.Event) {
		if index != 1 || len(evs) == 0 || evs[0].Seq != cmd.Seq {
			t.Errorf("OnCommand(%d, seq %d, %d events)", index, cmd.Seq, len(evs))
		}
		seen++
	}
	if err := a.ApplyBatch(1, batch(1, 2, 3)); err != nil || seen != 3 {
		t.Fatal(err, seen)
	}
	snap := a.AppendSnapshot(nil)
	b := newTestApplier(t, 1)
	if err := b.Restore(9, snap); err != nil {
		t.Fatal(err)
	}
	if b.Index() != 9 || b.Engine().StateHash() != a.Engine().StateHash() {
		t.Fatal("restored state differs")
	}
	if _, _, ok := b.LastCheckpoint(); ok {
		t.Fatal("restored applier has recorded checkpoints")
	}
	if err := b.Restore(10, snap[:len(snap)-3]); err == nil || !strings.Contains(err.Error(), "raft index 10") {
		t.Fatalf("damaged snapshot: %v", err)
	}
}

// TestEngineApplierAllocs: once warm, applying a batch allocates nothing.
func TestEngineApplierAllocs(t *testing.T) {
	a := newTestApplier(t, 0)
	seq := uint64(0)
	var buf []byte
	c := testCommand(0)
	c.Symbol = 0
	c.Qty = 1
	n := testing.AllocsPerRun(200, func() {
		buf = buf[:0]
		for range 4 {
			seq++
			c.Seq = seq
			c.Side = engine.Side(1 + seq%2)
			c.ClOrdID.B[0] = byte(seq)
			c.ClOrdID.B[1] = byte(seq >> 8)
			buf = AppendCommand(buf, &c)
		}
		if err := a.ApplyBatch(seq, buf); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per batch", n)
	}
}

// TestEngineApplierLeaderItem: a leader item is recorded (Leader) and never
// reaches the engine; Restore forgets it.
func TestEngineApplierLeaderItem(t *testing.T) {
	a := newTestApplier(t, 0)
	ref := newTestApplier(t, 0)
	if err := ref.ApplyBatch(1, batch(1, 2)); err != nil {
		t.Fatal(err)
	}
	if node, fix := a.Leader(); node != 0 || fix != "" {
		t.Fatalf("leader before any item: %d %q", node, fix)
	}
	if err := a.ApplyBatch(1, append(AppendLeader(nil, 2, "127.0.0.1:5102"), batch(1, 2)...)); err != nil {
		t.Fatal(err)
	}
	if node, fix := a.Leader(); node != 2 || fix != "127.0.0.1:5102" {
		t.Fatalf("leader %d %q", node, fix)
	}
	if a.Engine().StateHash() != ref.Engine().StateHash() || a.Engine().LastSeq() != 2 {
		t.Fatal("the leader item changed the engine")
	}
	if err := a.Restore(5, ref.AppendSnapshot(nil)); err != nil {
		t.Fatal(err)
	}
	if node, _ := a.Leader(); node != 0 {
		t.Fatalf("leader %d after Restore", node)
	}
}
