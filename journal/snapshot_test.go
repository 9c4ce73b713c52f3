package journal

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshotSeqs lists the seqs of dir's snapshots.
func snapshotSeqs(t *testing.T, dir string) []uint64 {
	t.Helper()
	list, err := ListSnapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, s := range list {
		seqs = append(seqs, s.Seq)
	}
	return seqs
}

func snapPayload(seq uint64) []byte {
	return bytes.Repeat([]byte{byte(seq)}, int(100+seq))
}

func TestSnapshotRoundTripAndRetention(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "00000000000000000001.log"), []byte("not a snapshot"), 0o644)
	for _, seq := range []uint64{50, 10, 40, 20, 30} {
		if err := WriteSnapshot(dir, seq, snapPayload(seq)); err != nil {
			t.Fatal(err)
		}
	}
	// Retention keeps the newest three by seq, whatever the write order.
	if got := snapshotSeqs(t, dir); len(got) != 3 || got[0] != 30 || got[1] != 40 || got[2] != 50 {
		t.Fatalf("snapshots kept: %v, want [30 40 50]", got)
	}
	s, damaged, err := LatestSnapshot(dir)
	if err != nil || len(damaged) != 0 {
		t.Fatalf("LatestSnapshot: %v, damaged %v", err, damaged)
	}
	if s.Seq != 50 || !bytes.Equal(s.Payload, snapPayload(50)) || filepath.Base(s.Path) != snapshotName(50) {
		t.Fatalf("LatestSnapshot = seq %d, %d bytes, %s", s.Seq, len(s.Payload), s.Path)
	}
	if filepath.Base(s.Path) != "snapshot-00000000000000000050.snap" {
		t.Fatalf("file name %s", s.Path)
	}
	// Empty payloads and replacing a seq work too.
	if err := WriteSnapshot(dir, 50, nil); err != nil {
		t.Fatal(err)
	}
	if s, _, err := LatestSnapshot(dir); err != nil || s.Seq != 50 || len(s.Payload) != 0 {
		t.Fatalf("replaced snapshot: seq %d, %d bytes, %v", s.Seq, len(s.Payload), err)
	}
}

func TestLatestSnapshotSkipsDamaged(t *testing.T) {
	dir := t.TempDir()
	for _, seq := range []uint64{10, 20, 30, 40} {
		if err := WriteSnapshotKeep(dir, seq, snapPayload(seq), 0); err != nil {
			t.Fatal(err)
		}
	}
	path := func(seq uint64) string { return filepath.Join(dir, snapshotName(seq)) }
	damage := func(seq uint64, fn func([]byte) []byte) {
		b, err := os.ReadFile(path(seq))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path(seq), fn(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	damage(40, func(b []byte) []byte { b[len(b)-7] ^= 1; return b })
	damage(30, func(b []byte) []byte { return b[:len(b)-1] })
	// 20's file holds 10's bytes: a header naming another seq.
	b10, _ := os.ReadFile(path(10))
	os.WriteFile(path(20), b10, 0o644)

	s, damaged, err := LatestSnapshot(dir)
	if err != nil || s.Seq != 10 || !bytes.Equal(s.Payload, snapPayload(10)) {
		t.Fatalf("LatestSnapshot = %d, %v; want 10", s.Seq, err)
	}
	wantReasons := []struct {
		seq    uint64
		reason string
	}{{40, "payload checksum mismatch"}, {30, "file holds"}, {20, "header says seq 10"}}
	if len(damaged) != len(wantReasons) {
		t.Fatalf("damaged = %v", damaged)
	}
	for i, w := range wantReasons {
		d := damaged[i]
		if d.Seq != w.seq || d.Path != path(w.seq) || !strings.Contains(d.Reason, w.reason) ||
			!strings.HasPrefix(d.String(), "journal: snapshot") {
			t.Errorf("damaged[%d] = %v, want seq %d with reason containing %q", i, d, w.seq, w.reason)
		}
	}
	if _, err := ReadSnapshot(SnapshotInfo{Seq: 40, Path: path(40)}); err == nil || !strings.Contains(err.Error(), path(40)) {
		t.Errorf("ReadSnapshot of a damaged file: %v", err)
	}

	damage(10, func(b []byte) []byte { b[0] = 'X'; return b })
	_, damaged, err = LatestSnapshot(dir)
	if !errors.Is(err, ErrNoSnapshot) || len(damaged) != 4 || !strings.Contains(damaged[3].Reason, "magic") {
		t.Fatalf("all damaged: %v, %v", err, damaged)
	}
	damage(10, func(b []byte) []byte { return b[:5] })
	if _, damaged, _ = LatestSnapshot(dir); !strings.Contains(damaged[3].Reason, "shorter than") {
		t.Fatalf("short file: %v", damaged[3])
	}
}

func TestPruneKeepsValidSnapshots(t *testing.T) {
	dir := t.TempDir()
	for _, seq := range []uint64{1, 2, 3} {
		if err := WriteSnapshotKeep(dir, seq, snapPayload(seq), 0); err != nil {
			t.Fatal(err)
		}
	}
	p3 := filepath.Join(dir, snapshotName(3))
	os.WriteFile(p3, []byte("garbage"), 0o644)
	stale := filepath.Join(dir, ".snapshot-123.tmp")
	os.WriteFile(stale, []byte("half written"), 0o644)

	// Only two valid snapshots: nothing is removed but the temporary file.
	removed, err := PruneSnapshots(dir, 2)
	if err != nil || len(removed) != 1 || removed[0] != stale {
		t.Fatalf("prune: removed %v, %v; want only %s", removed, err, stale)
	}
	// A new valid snapshot lets seq 1 go; the damaged 3 is newer and stays.
	if err := WriteSnapshotKeep(dir, 4, snapPayload(4), 2); err != nil {
		t.Fatal(err)
	}
	if got := snapshotSeqs(t, dir); len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 4 {
		t.Fatalf("after prune: %v, want [2 3 4]", got)
	}
	if _, err := PruneSnapshots(dir, 0); err == nil {
		t.Fatal("PruneSnapshots with keep 0 succeeded")
	}
}

func TestSnapshotDirErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := ListSnapshots(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ListSnapshots: %v", err)
	}
	if _, _, err := LatestSnapshot(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LatestSnapshot: %v", err)
	}
	if err := WriteSnapshot(missing, 1, nil); err == nil || !strings.HasPrefix(err.Error(), "journal: ") {
		t.Errorf("WriteSnapshot: %v", err)
	}
	if _, _, err := LatestSnapshot(t.TempDir()); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("LatestSnapshot of an empty dir: %v", err)
	}
	for name, ok := range map[string]bool{
		"snapshot-7.snap": true, "snapshot-.snap": false, "snapshot-+7.snap": false,
		"snapshot-7.snap.tmp": false, "snapshot-99999999999999999999999.snap": false, "x-7.snap": false,
	} {
		if _, got := parseSnapshotName(name); got != ok {
			t.Errorf("parseSnapshotName(%q) = %v, want %v", name, got, ok)
		}
	}
}
