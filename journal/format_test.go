package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSegmentBytesUnchanged builds a sealed segment by hand in the documented
// format 2 (header, crc(4) length(4) type(1) frames as the journal has always
// framed them, a commit mark after the group's fsync, the footer) and checks
// that the Writer writes exactly those bytes. Format 1, the same without
// commit marks, is read from testdata/v1 (TestGoldenV1).
func TestSegmentBytesUnchanged(t *testing.T) {
	le := binary.LittleEndian
	tab := crc32.MakeTable(crc32.Castagnoli)
	frame := func(b []byte, typ byte, p []byte) ([]byte, []byte) {
		start := len(b)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len(p)))
		b = append(b, typ)
		b = append(b, p...)
		le.PutUint32(b[start:], crc32.Checksum(b[start+4:], tab))
		return b, b[start : start+4]
	}
	want := []byte("MJNL\x02\x00\x00\x00")
	want = le.AppendUint64(want, 1)
	want = le.AppendUint64(want, 1)
	want = le.AppendUint32(want, crc32.Checksum(want, tab))
	var chain uint32
	var sum []byte
	want, sum = frame(want, 1, []byte("first command"))
	chain = crc32.Update(chain, tab, sum)
	want, sum = frame(want, 2, []byte("checkpoint"))
	chain = crc32.Update(chain, tab, sum)
	want, _ = frame(want, 254, le.AppendUint64(nil, 2)) // records up to 2 fsynced
	want, _ = frame(want, 255, le.AppendUint32(le.AppendUint64(nil, 2), chain))

	dir := t.TempDir()
	w, _, err := Open(Options{Dir: dir, Policy: PolicyBatch, SegmentSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(TypeCommand, []byte("first command")); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(TypeCheckpoint, []byte("checkpoint")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // the group's commit seals segment 1
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, segmentName(1)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("segment 1 is\n% x\nwant\n% x", got, want)
	}
}

// TestTornTailTruncateFailure: Open reports a torn tail it could not cut off
// (SA4006 once hid it) and leaves the file as it was.
func TestTornTailTruncateFailure(t *testing.T) {
	dir := t.TempDir()
	w, _, err := Open(Options{Dir: dir, Policy: PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(TypeCommand, []byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, segmentName(1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, 1, 2, 3) // a torn record header
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("fsync failed")
	_, _, err = Open(Options{Dir: dir, Policy: PolicyNone, truncate: func(*os.File, int64) error { return boom }})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "segment 1 at offset") {
		t.Fatalf("Open returned %v, want the truncation failure naming segment and offset", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Fatal("segment changed")
	}
	// The real truncation works, and the lock was released by the failed Opens.
	w, rec, err := Open(Options{Dir: dir, Policy: PolicyNone})
	if err != nil || !rec.Truncated || rec.Dropped != 3 {
		t.Fatalf("Open: %v %v", rec, err)
	}
	w.Close()
}

// TestRecordTypeValues pins the record type numbers written to disk (a
// renumbering would misread every existing journal) and their names.
func TestRecordTypeValues(t *testing.T) {
	for _, c := range []struct {
		typ  RecordType
		num  uint8
		name string
	}{
		{TypeCommand, 1, "command"},
		{TypeCheckpoint, 2, "checkpoint"},
		{TypeRaftEntry, 3, "raft entry"},
		{TypeRaftState, 4, "raft state"},
		{RecordType(5), 5, "type-5"},
	} {
		if uint8(c.typ) != c.num || c.typ.String() != c.name {
			t.Errorf("type %d %q, want %d %q", uint8(c.typ), c.typ.String(), c.num, c.name)
		}
	}
}
