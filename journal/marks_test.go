package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/openmatch/matchd/internal/record"
)

// lastFrame decodes the last frame of segment seg in dir.
func lastFrame(t *testing.T, dir string, seg uint64) (RecordType, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, segmentName(seg)))
	if err != nil {
		t.Fatal(err)
	}
	var typ byte
	var payload []byte
	for off := headerSize; off < len(b); {
		var size int
		var bad string
		if typ, payload, size, bad = record.Decode(b[off:]); bad != "" {
			t.Fatalf("segment %d offset %d: %s", seg, off, bad)
		}
		off += size
	}
	return RecordType(typ), payload
}

// TestMarkBeforeDurable: under batch and every, by the time Commit returns
// (and DurableIndex releases reports) the segment already ends in a commit
// mark for the durable records, written to the OS: a crash of the process
// after an acknowledgement cannot lose it. Under none, marks come with Sync.
func TestMarkBeforeDurable(t *testing.T) {
	for _, p := range []Policy{PolicyBatch, PolicyEvery, PolicyNone} {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			w, _, err := Open(Options{Dir: dir, Policy: p})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			for g := 1; g <= 3; g++ {
				for i := 0; i < 2; i++ {
					if err := w.Append(TypeCommand, []byte("order")); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Commit(); err != nil {
					t.Fatal(err)
				}
				typ, payload := lastFrame(t, dir, 1)
				if p == PolicyNone {
					if typ != TypeCommand {
						t.Fatalf("group %d: none wrote a %v before any fsync", g, typ)
					}
					continue
				}
				if typ != typeMark || binary.LittleEndian.Uint64(payload) != w.DurableIndex() {
					t.Fatalf("group %d: segment ends in a %v %x, want a commit mark for %d", g, typ, payload, w.DurableIndex())
				}
			}
			if err := w.Sync(); err != nil {
				t.Fatal(err)
			}
			if typ, payload := lastFrame(t, dir, 1); typ != typeMark || binary.LittleEndian.Uint64(payload) != 6 {
				t.Fatalf("after Sync the segment ends in a %v %x, want a commit mark for 6", typ, payload)
			}
		})
	}
}

// crashJournal writes groups of 3 records under batch, each Commit an fsync
// and a commit mark, and returns the segment bytes as they stand after the
// last Commit returned (synced: every record in it was acknowledged), the
// frames of the in-flight group that follows (its records as written to the
// OS, no fsync, no mark: the writer stops in the middle of it) and the
// records of both.
func crashJournal(t *testing.T, groups int) (synced, inflight []byte, recs []written) {
	t.Helper()
	dir := t.TempDir()
	w, _, err := Open(Options{Dir: dir, Policy: PolicyBatch})
	if err != nil {
		t.Fatal(err)
	}
	for g := 0; g <= groups; g++ {
		for i := 0; i < 3; i++ {
			rec := written{typ: TypeCommand, payload: []byte(fmt.Sprintf("group %d order %d", g, i))}
			if i == 2 {
				rec.typ = TypeCheckpoint
			}
			recs = append(recs, rec)
			if err := w.Append(rec.typ, rec.payload); err != nil {
				t.Fatal(err)
			}
		}
		if g == groups {
			inflight = append([]byte(nil), w.buf...) // framed, not yet written
			break
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	synced, err = os.ReadFile(filepath.Join(dir, segmentName(1)))
	if err != nil {
		t.Fatal(err)
	}
	w.buf, w.pending = w.buf[:0], 0 // the crash: the in-flight group is never written
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return synced, inflight, recs
}

// frameAt returns the start and end of the frame of data (a segment) that
// holds byte pos, walking from the header.
func frameAt(t *testing.T, data []byte, pos int) (start, end int) {
	t.Helper()
	for off := headerSize; off < len(data); {
		_, _, size, bad := record.Decode(data[off:])
		if bad != "" {
			t.Fatalf("frameAt: offset %d: %s", off, bad)
		}
		if pos < off+size {
			return off, off + size
		}
		off += size
	}
	t.Fatalf("frameAt: byte %d past the frames", pos)
	return 0, 0
}

// checkRecovery reads data as segment 1 and checks the rule of the package
// doc: either every synced record is kept (the journal ends cleanly or in a
// torn tail cut after them), or the damage is a *CorruptionError at damaged,
// the start of the damaged frame, after exactly the records before it. It
// never loses a synced record silently. It returns the number of records kept
// and whether corruption was reported.
func checkRecovery(t *testing.T, what string, data []byte, recs []written, syncedRecs, damaged int) (int, bool) {
	t.Helper()
	fs := files{segmentName(1): data}
	got, err := fs.memRead("", nil)
	var ce *CorruptionError
	var torn *TornTailError
	switch {
	case errors.As(err, &ce):
		if ce.Segment != 1 || ce.Offset != int64(damaged) {
			t.Fatalf("%s: %v, want a corruption at segment 1 offset %d", what, err, damaged)
		}
		for _, r := range got {
			if r.Offset >= int64(damaged) {
				t.Fatalf("%s: record at offset %d returned after corruption at %d", what, r.Offset, damaged)
			}
		}
		checkRecords(t, got, recs[:len(got)])
		return len(got), true
	case err == io.EOF, errors.As(err, &torn):
		if len(got) < syncedRecs {
			t.Fatalf("%s: recovery keeps %d records (%v), but %d were synced and acknowledged", what, len(got), err, syncedRecs)
		}
		checkRecords(t, got, recs[:len(got)])
		return len(got), false
	default:
		t.Fatalf("%s: reader ended with %v", what, err)
	}
	return 0, false
}

// TestCrashAndDamageNeverLoseSyncedRecords is the fault injection of issue
// 13 item 6 on the bytes a real Writer left: a crash in the middle of a group
// (its records cut at every offset, or garbled at every byte, or followed by
// zeros) must keep every record whose Commit returned; a single flipped byte
// (two masks) anywhere in the last synced groups and their commit marks must
// be reported as corruption at the damaged frame, except in the very last
// mark when nothing follows it, which is a torn tail that drops no record.
// Before commit marks, a flip in the last record was taken for a torn tail
// and the acknowledged record dropped.
func TestCrashAndDamageNeverLoseSyncedRecords(t *testing.T) {
	synced, inflight, recs := crashJournal(t, 4)
	syncedRecs := len(recs) - 3
	if typ, _, _, _ := record.Decode(synced[len(synced)-markSize:]); RecordType(typ) != typeMark {
		t.Fatal("setup: the synced segment does not end in a commit mark")
	}
	checked := 0

	// A crash while the in-flight group was being written: any prefix of it
	// reached the disk, possibly followed by zeros, or garbled anywhere.
	for k := 0; k <= len(inflight); k++ {
		data := append(bytes.Clone(synced), inflight[:k]...)
		checkRecovery(t, fmt.Sprintf("crash cut %d bytes into the group", k), data, recs, syncedRecs, -1)
		checkRecovery(t, fmt.Sprintf("crash cut %d bytes into the group, then zeros", k), append(data, make([]byte, 64)...), recs, syncedRecs, -1)
		checked += 2
	}
	for pos := 0; pos < len(inflight); pos++ {
		data := append(bytes.Clone(synced), inflight...)
		data[len(synced)+pos] ^= 0x40
		start, _ := frameAt(t, append(bytes.Clone(synced), inflight...), len(synced)+pos)
		checkRecovery(t, fmt.Sprintf("crash garbled byte %d of the group", pos), data, recs, syncedRecs, start)
		checked++
	}

	// Damage to synced bytes: the last three groups, records and marks, with
	// and without the in-flight group's bytes after them.
	from, _ := frameAt(t, synced, len(synced)-3*(3*frameHeaderSize+3*len(recs[0].payload)+markSize))
	for _, tail := range [][]byte{nil, inflight[:len(inflight)/2], inflight} {
		clean := append(bytes.Clone(synced), tail...)
		for pos := from; pos < len(synced); pos++ {
			start, end := frameAt(t, synced, pos)
			for _, mask := range []byte{1 << (pos % 8), 0xFF} {
				data := bytes.Clone(clean)
				data[pos] ^= mask
				what := fmt.Sprintf("byte %d ^%#x of the synced bytes (frame %d..%d), %d in-flight bytes after", pos, mask, start, end, len(tail))
				kept, corrupt := checkRecovery(t, what, data, recs, syncedRecs, start)
				lastMark := end == len(synced) && len(tail) == 0
				if corrupt == lastMark {
					t.Fatalf("%s: corruption reported %v, kept %d records", what, corrupt, kept)
				}
				checked++
			}
		}
		// A cut inside the last synced mark (a crash while writing it after
		// the fsync) keeps every record.
		for cut := len(synced) - markSize + 1; cut < len(synced); cut++ {
			checkRecovery(t, fmt.Sprintf("mark cut at %d", cut), synced[:cut], recs, syncedRecs, -1)
			checked++
		}
	}

	// Open on disk agrees with the reader for a sample: repairs what is never
	// synced, refuses a flip in a synced record and modifies nothing then.
	dir := t.TempDir()
	data := append(bytes.Clone(synced), inflight[:len(inflight)-5]...)
	os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o644)
	w, rec, err := Open(Options{Dir: dir})
	if err != nil || !rec.Truncated || rec.Marked != uint64(syncedRecs) || rec.NextIndex <= uint64(syncedRecs) ||
		!strings.Contains(rec.Reason, fmt.Sprintf("records through %d were synced", syncedRecs)) {
		t.Fatalf("Open after a crash mid-group: %v, %v", rec, err)
	}
	w.Close()
	// A crash after the in-flight group was written whole, before its mark:
	// its records are recovered, and Open marks them before returning.
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, segmentName(1)), append(bytes.Clone(synced), inflight...), 0o644)
	w, rec, err = Open(Options{Dir: dir})
	if err != nil || rec.Truncated || rec.NextIndex != uint64(len(recs)+1) {
		t.Fatalf("Open after a crash before the mark: %v, %v", rec, err)
	}
	if typ, p := lastFrame(t, dir, 1); typ != typeMark || binary.LittleEndian.Uint64(p) != uint64(len(recs)) {
		t.Fatalf("after Open the segment ends in a %v %x, want a commit mark for %d", typ, p, len(recs))
	}
	w.Close()
	dir = t.TempDir()
	data = bytes.Clone(synced)
	data[len(data)-markSize-1] ^= 1 // the last acknowledged record
	os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o644)
	if _, _, err := Open(Options{Dir: dir}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open with a flip in the last acknowledged record: %v, want ErrCorrupt", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, segmentName(1))); !bytes.Equal(after, data) {
		t.Fatal("Open modified a corrupt journal")
	}
	t.Logf("%d damaged journals checked", checked)
}

// TestMarkMustCoverRecords: a commit mark that does not name the record
// before it (a record lost before it, or a mark where none belongs) is
// corruption at the mark.
func TestMarkMustCoverRecords(t *testing.T) {
	hdr := appendHeader(nil, segmentHeader{version: formatVersion, segment: 1, firstIndex: 1})
	mark := func(b []byte, idx uint64) []byte {
		b = record.Begin(b, byte(typeMark))
		b = binary.LittleEndian.AppendUint64(b, idx)
		_ = record.Finish(b[len(b)-markSize:])
		return b
	}
	rec, _ := record.Append(nil, byte(TypeCommand), []byte("x"))
	for _, c := range []struct {
		name string
		data []byte
		off  int64
	}{
		{"mark before any record", mark(bytes.Clone(hdr), 0), headerSize},
		{"mark ahead of the records", mark(append(bytes.Clone(hdr), rec...), 2), int64(headerSize + len(rec))},
		{"mark behind the records", mark(append(append(bytes.Clone(hdr), rec...), rec...), 1), int64(headerSize + 2*len(rec))},
	} {
		_, err := files{segmentName(1): c.data}.memRead("", nil)
		asCorruption(t, err, 1, c.off)
	}
	v1 := appendHeader(nil, segmentHeader{version: formatV1, segment: 1, firstIndex: 1})
	_, err := files{segmentName(1): mark(append(v1, rec...), 1)}.memRead("", nil)
	asCorruption(t, err, 1, int64(headerSize+len(rec)))
}

// TestGoldenV1 reads testdata/v1, written by the format 1 Writer (records
// 1-9 in a sealed segment 1, 10-12 in segment 2), with format 1 rules: the
// same records; a damaged last record is a torn tail (format 1 cannot tell
// better); and Open seals segment 2 with the footer format 1 always had and
// appends to a new format 2 segment, leaving the old bytes as they were.
func TestGoldenV1(t *testing.T) {
	var want []written
	for i := 1; i <= 12; i++ {
		typ := TypeCommand
		if i%4 == 0 {
			typ = TypeCheckpoint
		}
		want = append(want, written{typ: typ, payload: []byte(fmt.Sprintf("v1 record %02d", i))})
	}
	checkRecords(t, mustReadAll(t, "testdata/v1"), want)
	fs := loadFiles(t, "testdata/v1")
	seg2 := fs[segmentName(2)]

	flipped := bytes.Clone(seg2)
	flipped[len(flipped)-1] ^= 1
	got, err := fs.memRead(segmentName(2), flipped)
	checkRecords(t, got, want[:11])
	var torn *TornTailError
	if !errors.As(err, &torn) || torn.Format != formatV1 {
		t.Fatalf("flipped last format 1 record: %v, want a format 1 torn tail", err)
	}

	dir := fs.store(t, "", nil)
	w, rec, err := Open(Options{Dir: dir})
	if err != nil || !rec.Sealed || rec.NextIndex != 13 {
		t.Fatalf("Open: %v, %v; want segment 2 sealed, next record 13", rec, err)
	}
	more := written{typ: TypeCommand, payload: []byte("format 2 record 13")}
	if err := w.Append(more.typ, more.payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, mustReadAll(t, dir), append(want, more))
	after := loadFiles(t, dir)
	if !bytes.Equal(after[segmentName(1)], fs[segmentName(1)]) || !bytes.HasPrefix(after[segmentName(2)], seg2) {
		t.Fatal("Open rewrote format 1 bytes")
	}
	if v := binary.LittleEndian.Uint16(after[segmentName(2)][4:]); v != formatV1 {
		t.Fatalf("segment 2 header now says version %d", v)
	}
	if v := binary.LittleEndian.Uint16(after[segmentName(3)][4:]); v != formatVersion {
		t.Fatalf("segment 3 header says version %d, want %d", v, formatVersion)
	}
}

// TestSyncDurable: under none, SyncDurable fsyncs what DurableIndex covers and
// advances SyncedIndex, from another goroutine while the writer appends,
// commits and rolls segments (run with -race).
func TestSyncDurable(t *testing.T) {
	w, _, err := Open(Options{Dir: t.TempDir(), Policy: PolicyNone, SegmentSize: 2048})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(TypeCommand, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if w.SyncedIndex() != 0 {
		t.Fatalf("SyncedIndex %d before any fsync", w.SyncedIndex())
	}
	if err := w.SyncDurable(); err != nil || w.SyncedIndex() != 1 {
		t.Fatalf("SyncDurable: %v, SyncedIndex %d, want 1", err, w.SyncedIndex())
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var bad error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			d := w.DurableIndex()
			if err := w.SyncDurable(); err != nil {
				bad = err
				return
			}
			if s := w.SyncedIndex(); s < d {
				bad = fmt.Errorf("SyncedIndex %d after SyncDurable, DurableIndex was %d", s, d)
				return
			}
		}
	}()
	payload := make([]byte, commandSize)
	for g := 0; g < 100; g++ {
		for i := 0; i < 4; i++ {
			if err := w.Append(TypeCommand, payload); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if bad != nil {
		t.Fatal(bad)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.SyncDurable(); !errors.Is(err, ErrClosed) {
		t.Fatalf("SyncDurable after Close: %v, want ErrClosed", err)
	}
}
