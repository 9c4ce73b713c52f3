package cluster

import (
	"encoding/binary"
	"maps"
	"strings"
	"testing"
)

// TestSnapshotData: the cluster snapshot round-trips, has the documented
// layout, is told apart from a bare engine snapshot, restores to the same
// engine as the bare one, and a truncated one is an error at every length.
func TestSnapshotData(t *testing.T) {
	a := newTestApplier(t, 1)
	if err := a.ApplyBatch(1, batch(1, 2, 3)); err != nil {
		t.Fatal(err)
	}
	bare := a.AppendSnapshot(nil)
	m := SnapshotMeta{LastSeq: 3, LastTime: -5, Leader: 2, LeaderFIX: "127.0.0.1:5102",
		Members: map[uint64]string{3: "c:3", 1: "a:1", 2: "b:2"}}
	data := AppendSnapshotData([]byte("x"), &m, a.Engine().AppendSnapshot)[1:]

	// The layout, built by hand.
	le := binary.LittleEndian
	var want []byte
	want = append(want, "MDCS"...)
	want = le.AppendUint16(want, 1)
	want = le.AppendUint16(want, 0)
	want = le.AppendUint64(want, 3)
	want = le.AppendUint64(want, uint64(0xfffffffffffffffb))
	want = le.AppendUint64(want, 2)
	want = le.AppendUint16(want, 14)
	want = append(want, "127.0.0.1:5102"...)
	want = le.AppendUint32(want, 3)
	for i, addr := range []string{"a:1", "b:2", "c:3"} {
		want = le.AppendUint64(want, uint64(i+1))
		want = le.AppendUint16(want, 3)
		want = append(want, addr...)
	}
	want = le.AppendUint64(want, uint64(len(bare)))
	want = append(want, bare...)
	if string(data) != string(want) {
		t.Fatalf("layout differs:\n got %x\nwant %x", data, want)
	}
	got, es, err := DecodeSnapshotData(7, data)
	if err != nil || got.LastSeq != 3 || got.LastTime != -5 || got.Leader != 2 || got.LeaderFIX != m.LeaderFIX ||
		!maps.Equal(got.Members, m.Members) || string(es) != string(bare) {
		t.Fatalf("decoded %+v %v", got, err)
	}
	if !IsSnapshotData(data) || IsSnapshotData(bare) {
		t.Fatal("the forms are not told apart")
	}
	for _, d := range [][]byte{data, bare} {
		e, err := RestoreEngine(simEngineConfig(), 7, d)
		if err != nil || e.StateHash() != a.Engine().StateHash() {
			t.Fatalf("RestoreEngine: %v", err)
		}
	}
	for n := 4; n < len(data); n++ {
		if _, err := RestoreEngine(simEngineConfig(), 7, data[:n]); err == nil || !strings.Contains(err.Error(), "raft index 7") &&
			!strings.Contains(err.Error(), "index 7") {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	b := append([]byte(nil), data...)
	b[4] = 9
	if _, _, err := DecodeSnapshotData(7, b); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("version 9: %v", err)
	}
}
