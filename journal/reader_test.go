package journal

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallJournal writes a journal of several small segments whose last segment
// holds at least two records, and returns its directory and records.
func smallJournal(t *testing.T, seed uint64, n int) (string, []written) {
	t.Helper()
	r := newRand(t, seed)
	dir := t.TempDir()
	recs := randomRecords(r, n, 60)
	writeAll(t, r, Options{Dir: dir, Policy: PolicyNone, SegmentSize: 400}, recs, 3)
	got := mustReadAll(t, dir)
	checkRecords(t, got, recs)
	last := got[len(got)-1].Segment
	if last < 3 || got[len(got)-3].Segment != last {
		t.Fatalf("setup: want 3+ segments and 3+ records in the last, got %d segments", last)
	}
	return dir, recs
}

// kept counts the records of a clean journal that precede segment seg at off.
func kept(recs []Record, seg uint64, off int64) int {
	n := 0
	for _, r := range recs {
		if r.Segment < seg || r.Segment == seg && r.Offset < off {
			n++
		}
	}
	return n
}

// checkOpenAfterTorn opens a journal with a torn tail, checks the Recovery,
// and checks that the journal then reads as want plus one appended record.
func checkOpenAfterTorn(t *testing.T, dir string, seg uint64, off, dropped int64, want []written) {
	t.Helper()
	checkOpenTorn(t, dir, seg, off, dropped, want, true)
}

// checkOpenTorn is checkOpenAfterTorn, appending only if appendOne (which
// costs an fsync more).
func checkOpenTorn(t *testing.T, dir string, seg uint64, off, dropped int64, want []written, appendOne bool) {
	t.Helper()
	w, rec, err := Open(Options{Dir: dir, Policy: PolicyNone, SegmentSize: 400})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !rec.Truncated || rec.Segment != seg || rec.Offset != off || rec.Dropped != dropped || rec.Reason == "" ||
		rec.NextIndex != uint64(len(want)+1) {
		t.Fatalf("Recovery %v, want segment %d offset %d dropped %d next %d", rec, seg, off, dropped, len(want)+1)
	}
	if !appendOne {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		checkRecords(t, mustReadAll(t, dir), want)
		return
	}
	extra := written{typ: TypeCommand, payload: []byte("after recovery")}
	if err := w.Append(extra.typ, extra.payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, mustReadAll(t, dir), append(want[:len(want):len(want)], extra))
}

// TestTornTailEveryOffset cuts the last segment at every offset of its final
// record and of the commit mark Close wrote after it: inside the record, the
// record is a torn tail (its mark went with it: it reads as never synced);
// exactly at the end of the record, the journal reads clean; inside the mark,
// only the mark is dropped.
func TestTornTailEveryOffset(t *testing.T) {
	dir, recs := smallJournal(t, 10, 40)
	// End with a command-sized record.
	w, _, err := Open(Options{Dir: dir, Policy: PolicyNone, SegmentSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	cmd := written{typ: TypeCommand, payload: bytes.Repeat([]byte{0xC3}, commandSize)}
	if err := w.Append(cmd.typ, cmd.payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	all := append(recs[:len(recs):len(recs)], cmd)
	got := mustReadAll(t, dir)
	last := got[len(got)-1]
	name := segmentName(last.Segment)
	fs := loadFiles(t, dir)
	seg := fs[name]
	markOff := last.Offset + frameHeaderSize + commandSize
	if int(markOff)+markSize != len(seg) {
		t.Fatalf("setup: final record and its commit mark are not at the end of segment %d", last.Segment)
	}
	for cut := last.Offset + 1; cut < int64(len(seg)); cut++ {
		torn, want := last.Offset, recs
		if cut >= markOff {
			torn, want = markOff, all
		}
		before, err := fs.memRead(name, seg[:cut])
		checkRecords(t, before, want)
		if cut == markOff {
			if err != io.EOF {
				t.Fatalf("cut at the end of the final record: %v, want io.EOF", err)
			}
			continue
		}
		asTorn(t, err, last.Segment, torn, cut-torn)
		// Open on disk at every offset too (an fsync each).
		d := fs.store(t, name, seg[:cut])
		checkOpenTorn(t, d, last.Segment, torn, cut-torn, want, cut%16 == 1)
	}
}

func TestTornTailGarbageAfter(t *testing.T) {
	dir, recs := smallJournal(t, 11, 40)
	got := mustReadAll(t, dir)
	lastRec := got[len(got)-1]
	prevRec := got[len(got)-2]
	name := segmentName(lastRec.Segment)
	fs := loadFiles(t, dir)
	seg := fs[name]
	end := int64(len(seg))
	markOff := end - markSize // Close's commit mark ends the segment
	flip := func(b []byte, at int64) []byte {
		b = bytes.Clone(b)
		b[at] ^= 0x20
		return b
	}
	zeros := make([]byte, 4096)
	cases := []struct {
		name     string
		data     []byte
		off      int64 // torn at
		keep     int   // records kept
		corrupts bool  // a CorruptionError at off instead
	}{
		{"zeros after the last record", append(bytes.Clone(seg), zeros...), end, len(recs), false},
		{"bad checksum in the final commit mark", flip(seg, end-1), markOff, len(recs), false},
		{"bad final commit mark then zeros", append(flip(seg, end-1), zeros...), markOff, len(recs), false},
		{"bad final record before its commit mark", flip(seg, markOff-1), lastRec.Offset, len(recs) - 1, true},
		{"bad final record, mark cut off", flip(seg[:markOff], markOff-1), lastRec.Offset, len(recs) - 1, false},
		{"bad final record, mark cut off, then zeros", append(flip(seg[:markOff], markOff-1), zeros...), lastRec.Offset, len(recs) - 1, false},
		{"partial final record then garbage", append(bytes.Clone(seg[:lastRec.Offset+5]), bytes.Repeat([]byte{0xEE}, 300)...), lastRec.Offset, len(recs) - 1, false},
		{"zeroed final record", append(bytes.Clone(seg[:lastRec.Offset]), make([]byte, end-lastRec.Offset)...), lastRec.Offset, len(recs) - 1, false},
		{"bad record before a good one", flip(seg, prevRec.Offset+frameHeaderSize), prevRec.Offset, len(recs) - 2, true},
		{"zeroed record before a good one", append(append(bytes.Clone(seg[:prevRec.Offset]), make([]byte, lastRec.Offset-prevRec.Offset)...), seg[lastRec.Offset:]...), prevRec.Offset, len(recs) - 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := fs.store(t, name, c.data)
			before, err := readAll(t, d)
			checkRecords(t, before, recs[:c.keep])
			if c.corrupts {
				asCorruption(t, err, lastRec.Segment, c.off)
				if _, _, err := Open(Options{Dir: d}); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open: %v, want ErrCorrupt", err)
				}
				return
			}
			asTorn(t, err, lastRec.Segment, c.off, int64(len(c.data))-c.off)
			checkOpenAfterTorn(t, d, lastRec.Segment, c.off, int64(len(c.data))-c.off, recs[:c.keep])
		})
	}
}

// Every single-byte change anywhere in any segment is caught: a torn tail if
// it hits the last frame of the last segment, otherwise a CorruptionError at
// the start of the damaged frame or header. The reader returns exactly the
// records before it, and Open repairs the first case and refuses the second
// without touching any file.
func TestFlippedByteEveryPosition(t *testing.T) {
	dir, recs := smallJournal(t, 12, 24)
	clean := mustReadAll(t, dir)
	frames, sizes := layout(t, dir)
	fs := loadFiles(t, dir)
	lastSeg := uint64(len(sizes))
	final := frames[len(frames)-1]
	checked, onDisk := 0, 0
	for seg := uint64(1); seg <= lastSeg; seg++ {
		name := segmentName(seg)
		for pos := int64(0); pos < sizes[seg]; pos++ {
			for _, mask := range []byte{1 << (pos % 8), 0xFF} {
				data := bytes.Clone(fs[name])
				data[pos] ^= mask

				off := int64(0) // the damaged header or frame
				torn := seg == lastSeg && sizes[seg] == headerSize
				if pos >= headerSize {
					for _, f := range frames {
						if f.seg == seg && f.off <= pos && pos < f.end {
							off = f.off
							torn = f == final
						}
					}
				}
				got, err := fs.memRead(name, data)
				want := kept(clean, seg, off)
				if len(got) != want {
					t.Fatalf("segment %d byte %d ^%#x: read %d records, want %d (%v)", seg, pos, mask, len(got), want, err)
				}
				checkRecords(t, got, recs[:want])
				if torn {
					asTorn(t, err, seg, off, sizes[seg]-off)
				} else {
					asCorruption(t, err, seg, off)
				}
				checked++
				// Open shares the reader's checks; run it on disk for all
				// torn tails and a sample of the rest (each costs ~5 ms).
				if mask == 0xFF && (torn || checked%41 == 0) {
					checkOpenOnDisk(t, fs.store(t, name, data), name, torn, seg, off, sizes[seg]-off, recs[:want])
					onDisk++
				}
			}
		}
	}
	t.Logf("%d damaged journals checked over %d segments, %d opened on disk", checked, lastSeg, onDisk)
}

// checkOpenOnDisk opens a damaged journal: a torn tail must be repaired, a
// corruption refused without modifying any file.
func checkOpenOnDisk(t *testing.T, d, name string, torn bool, seg uint64, off, dropped int64, want []written) {
	t.Helper()
	if torn {
		checkOpenAfterTorn(t, d, seg, off, dropped, want)
		return
	}
	before := loadFiles(t, d)
	_, _, err := Open(Options{Dir: d, Policy: PolicyNone, SegmentSize: 400})
	asCorruption(t, err, seg, off)
	after := loadFiles(t, d)
	if len(after) != len(before) || !bytes.Equal(after[name], before[name]) {
		t.Fatalf("segment %d offset %d: Open modified a corrupt journal", seg, off)
	}
}

func TestTruncatedSealedSegment(t *testing.T) {
	dir, recs := smallJournal(t, 13, 24)
	clean := mustReadAll(t, dir)
	frames, sizes := layout(t, dir)
	fs := loadFiles(t, dir)
	for _, seg := range []uint64{1, 2} {
		name := segmentName(seg)
		for cut := int64(0); cut < sizes[seg]; cut++ {
			off := int64(0)
			if cut >= headerSize {
				off = cut // at a frame boundary: no footer there
				for _, f := range frames {
					if f.seg == seg && f.off < cut && cut < f.end {
						off = f.off // inside a frame: it is incomplete
					}
				}
			}
			got, err := fs.memRead(name, fs[name][:cut])
			asCorruption(t, err, seg, off)
			checkRecords(t, got, recs[:kept(clean, seg, off)])
			if cut%50 == 0 {
				checkOpenOnDisk(t, fs.store(t, name, fs[name][:cut]), name, false, seg, off, 0, nil)
			}
		}
	}
}

func TestMissingAndMisplacedSegments(t *testing.T) {
	dir, recs := smallJournal(t, 14, 40)
	clean := mustReadAll(t, dir)
	_, sizes := layout(t, dir)
	fs := loadFiles(t, dir)
	last := uint64(len(sizes))

	t.Run("missing middle segment", func(t *testing.T) {
		for seg := uint64(2); seg < last; seg++ {
			d := fs.store(t, "", nil)
			os.Remove(filepath.Join(d, segmentName(seg)))
			got, err := readAll(t, d)
			asCorruption(t, err, seg, 0)
			if !strings.Contains(err.Error(), "missing") {
				t.Fatalf("error %q does not say the segment is missing", err)
			}
			checkRecords(t, got, recs[:kept(clean, seg, 0)])
			_, _, oerr := Open(Options{Dir: d})
			asCorruption(t, oerr, seg, 0)
		}
	})
	t.Run("first index does not continue", func(t *testing.T) {
		data := bytes.Clone(fs[segmentName(3)])
		h, _ := parseHeader(data)
		h.firstIndex++
		copy(data, appendHeader(nil, h))
		got, err := readAll(t, fs.store(t, segmentName(3), data))
		asCorruption(t, err, 3, 0)
		checkRecords(t, got, recs[:kept(clean, 3, 0)])
	})
	t.Run("segment under another number", func(t *testing.T) {
		d := fs.store(t, segmentName(3), fs[segmentName(2)])
		_, err := readAll(t, d)
		asCorruption(t, err, 3, 0)
	})
	t.Run("bytes after a footer", func(t *testing.T) {
		data := append(bytes.Clone(fs[segmentName(2)]), 0)
		_, err := readAll(t, fs.store(t, segmentName(2), data))
		asCorruption(t, err, 2, sizes[2]-frameHeaderSize-footerPayloadSize)
	})
	t.Run("first segments pruned", func(t *testing.T) {
		d := fs.store(t, "", nil)
		os.Remove(filepath.Join(d, segmentName(1)))
		got := mustReadAll(t, d)
		skipped := kept(clean, 2, 0)
		if len(got) == 0 || got[0].Index != uint64(skipped+1) || len(got) != len(recs)-skipped {
			t.Fatalf("read %d records from index %d, want %d from %d", len(got), got[0].Index, len(recs)-skipped, skipped+1)
		}
	})
}

func TestReaderStickyEnd(t *testing.T) {
	dir, _ := smallJournal(t, 15, 24)
	rd, err := OpenReader(dir)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err = rd.Next(); err != nil {
			break
		}
	}
	if err != io.EOF {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("Next after io.EOF: %v", err)
	}
	rd.Close()
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("Next after Close at the end: %v", err)
	}
}
