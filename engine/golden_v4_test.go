package engine

import (
	"encoding/binary"
	"testing"
)

// TestRestoreGoldenV4: testdata/snapshot-v4.bin was written by the engine at
// snapshot version 4 (before history entries carried a kind byte, when a mass
// cancel's ClOrdID was not remembered) after goldenV3Commands. It restores to
// exactly the state the current engine reaches on those commands (which
// include no mass cancel), details and all, with no request entries; written
// back it is version 5 and round-trips.
func TestRestoreGoldenV4(t *testing.T) {
	data, r, e := restoreGolden(t, "testdata/snapshot-v4.bin", 4)
	var want, got State
	e.State(&want)
	r.State(&got)
	if len(got.Orders) != 3 || len(got.History) != 8 {
		t.Fatalf("restored %d orders and %d history entries, want 3 and 8", len(got.Orders), len(got.History))
	}
	for i, h := range got.History {
		if !h.Known() || h.Request {
			t.Errorf("history %d: %+v, want an order's entry with details", i, h)
		}
	}
	if r.StateHash() != e.StateHash() || r.DayOpened() != e.DayOpened() {
		t.Fatalf("restored state differs from the current engine's on the same commands:\n%+v\n%+v", got, want)
	}

	snap := r.AppendSnapshot(nil)
	if v := binary.LittleEndian.Uint16(snap[4:]); v != snapVersion || len(snap) != len(data)+len(got.History) {
		t.Fatalf("written back as version %d, %d bytes; want %d, %d (one kind byte per history entry)", v, len(snap),
			snapVersion, len(data)+len(got.History))
	}
	again, err := Restore(goldenV3Config(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if again.StateHash() != r.StateHash() {
		t.Fatal("version 5 round trip of the restored engine changed its state")
	}
}
