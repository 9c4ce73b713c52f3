package journal

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/openmatch/matchd/internal/record"
)

// commandSize is engine.CommandSize; bench_test.go checks they agree.
const commandSize = 125

// written is a record as the test appended it.
type written struct {
	typ     RecordType
	payload []byte
}

// newRand returns a seeded generator and logs the seed if the test fails.
func newRand(t testing.TB, seed uint64) *rand.Rand {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random seed: %d", seed)
		}
	})
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// randomRecords makes n records of varied types and sizes up to maxSize.
func randomRecords(r *rand.Rand, n, maxSize int) []written {
	out := make([]written, n)
	for i := range out {
		size := r.IntN(maxSize + 1)
		if r.IntN(4) == 0 {
			size = commandSize
		}
		p := make([]byte, size)
		for j := range p {
			p[j] = byte(r.Uint32())
		}
		out[i] = written{typ: RecordType(1 + r.IntN(5)), payload: p}
	}
	return out
}

// writeAll appends recs in random groups of 1..maxGroup and closes the writer.
func writeAll(t testing.TB, r *rand.Rand, opts Options, recs []written, maxGroup int) {
	t.Helper()
	w, _, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(recs); {
		g := 1 + r.IntN(maxGroup)
		for ; g > 0 && i < len(recs); g-- {
			if err := w.Append(recs[i].typ, recs[i].payload); err != nil {
				t.Fatal(err)
			}
			i++
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readAll reads dir to the end, copying payloads; err is the terminal error.
func readAll(t testing.TB, dir string) ([]Record, error) {
	t.Helper()
	rd, err := OpenReader(dir)
	if err != nil {
		return nil, err
	}
	var out []Record
	for {
		rec, err := rd.Next()
		if err != nil {
			return out, err
		}
		rec.Payload = bytes.Clone(rec.Payload)
		out = append(out, rec)
	}
}

// mustReadAll reads dir and requires a clean io.EOF.
func mustReadAll(t testing.TB, dir string) []Record {
	t.Helper()
	recs, err := readAll(t, dir)
	if err != io.EOF {
		t.Fatalf("read %s: %v, want io.EOF", dir, err)
	}
	return recs
}

// checkRecords compares read records with what was written, from index 1.
func checkRecords(t testing.TB, got []Record, want []written) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i, g := range got {
		if g.Index != uint64(i+1) || g.Type != want[i].typ || !bytes.Equal(g.Payload, want[i].payload) {
			t.Fatalf("record %d: got index %d type %v len %d, want index %d type %v len %d",
				i, g.Index, g.Type, len(g.Payload), i+1, want[i].typ, len(want[i].payload))
		}
	}
}

// files is a journal directory's segment files by name.
type files map[string][]byte

// loadFiles reads every file of dir.
func loadFiles(t testing.TB, dir string) files {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fs := files{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fs[e.Name()] = b
	}
	return fs
}

// store writes fs into a fresh directory, with segment name's bytes replaced
// by data if name is not empty.
func (fs files) store(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	for n, b := range fs {
		if n == name {
			b = data
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// asCorruption requires err to be a *CorruptionError at seg and off.
func asCorruption(t testing.TB, err error, seg uint64, off int64) {
	t.Helper()
	var ce *CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want a CorruptionError at segment %d offset %d", err, seg, off)
	}
	if ce.Segment != seg || ce.Offset != off {
		t.Fatalf("got %v, want segment %d offset %d", err, seg, off)
	}
}

// asTorn requires err to be a *TornTailError at seg and off dropping dropped.
func asTorn(t testing.TB, err error, seg uint64, off, dropped int64) {
	t.Helper()
	var te *TornTailError
	if !errors.As(err, &te) || !errors.Is(err, ErrTornTail) {
		t.Fatalf("got %v, want a torn tail at segment %d offset %d", err, seg, off)
	}
	if te.Segment != seg || te.Offset != off || te.Dropped != dropped {
		t.Fatalf("got %v, want segment %d offset %d dropped %d", err, seg, off, dropped)
	}
}

// frame is a frame's place in a segment file, footers and commit marks
// included.
type frame struct {
	seg        uint64
	off, end   int64
	footer     bool
	mark       bool
	firstIndex uint64 // index of the record, 0 for a footer or a mark
}

// layout lists every frame of a clean journal in order, walking each
// segment's frames (record.Decode) and numbering the records from the Reader.
func layout(t testing.TB, dir string) ([]frame, map[uint64]int64) {
	t.Helper()
	recs := mustReadAll(t, dir)
	sizes := map[uint64]int64{}
	fs := loadFiles(t, dir)
	var segs []uint64
	for name, b := range fs {
		if n, ok := parseSegmentName(name); ok {
			sizes[n] = int64(len(b))
			segs = append(segs, n)
		}
	}
	slices.Sort(segs)
	var out []frame
	ri := 0
	for _, n := range segs {
		b := fs[segmentName(n)]
		for off := headerSize; off < len(b); {
			typ, _, size, bad := record.Decode(b[off:])
			if bad != "" {
				t.Fatalf("layout: segment %d offset %d: %s", n, off, bad)
			}
			f := frame{seg: n, off: int64(off), end: int64(off + size)}
			switch RecordType(typ) {
			case typeFooter:
				f.footer = true
			case typeMark:
				f.mark = true
			default:
				if recs[ri].Segment != n || recs[ri].Offset != int64(off) {
					t.Fatalf("layout: record %d at segment %d offset %d, reader says %d/%d", ri, n, off, recs[ri].Segment, recs[ri].Offset)
				}
				f.firstIndex = recs[ri].Index
				ri++
			}
			out = append(out, f)
			off += size
		}
	}
	if ri != len(recs) {
		t.Fatalf("layout: %d records, reader read %d", ri, len(recs))
	}
	return out, sizes
}

// memReader reads segments held in memory, by segment number.
func memReader(segs map[uint64][]byte) *Reader {
	r := &Reader{si: -1, src: func(n uint64, buf []byte) ([]byte, error) {
		b, ok := segs[n]
		if !ok {
			return buf, os.ErrNotExist
		}
		return append(buf[:0], b...), nil
	}}
	for n := range segs {
		r.segs = append(r.segs, n)
	}
	slices.Sort(r.segs)
	return r
}

// memRead reads fs in memory, with segment name's bytes replaced by data if
// name is not empty, copying payloads; err is the terminal error.
func (fs files) memRead(name string, data []byte) ([]Record, error) {
	segs := map[uint64][]byte{}
	for n, b := range fs {
		if num, ok := parseSegmentName(n); ok {
			if n == name {
				b = data
			}
			segs[num] = b
		}
	}
	r := memReader(segs)
	var out []Record
	for {
		rec, err := r.Next()
		if err != nil {
			return out, err
		}
		rec.Payload = bytes.Clone(rec.Payload)
		out = append(out, rec)
	}
}
