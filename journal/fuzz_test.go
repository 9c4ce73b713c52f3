package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// refParse is a plain restatement of the format, kept apart from the Reader:
// the records a valid parse of segments 1..len(segs) gives, stopping at the
// first thing that is not exactly as the writer makes it.
func refParse(segs [][]byte) []Record {
	le := binary.LittleEndian
	sum := func(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
	var out []Record
	var next uint64
	for i, b := range segs {
		if len(b) < 28 || string(b[:4]) != "MJNL" || sum(b[:24]) != le.Uint32(b[24:]) ||
			(le.Uint16(b[4:]) != 1 && le.Uint16(b[4:]) != 2) || le.Uint64(b[8:]) != uint64(i+1) || le.Uint64(b[16:]) == 0 {
			return out
		}
		if first := le.Uint64(b[16:]); i == 0 {
			next = first
		} else if first != next {
			return out
		}
		version := le.Uint16(b[4:])
		var count uint64
		var chain uint32
		sealed := false
		for off := 28; off+9 <= len(b); {
			n, typ := uint64(le.Uint32(b[off+4:])), b[off+8]
			if n > MaxPayload || uint64(off)+9+n > uint64(len(b)) {
				break
			}
			end := off + 9 + int(n)
			if sum(b[off+4:end]) != le.Uint32(b[off:]) || typ == 0 || (typ > 127 && typ != 255 && (typ != 254 || version < 2)) {
				break
			}
			if typ == 254 { // a commit mark covers exactly the records before it
				if n != 8 || count == 0 || le.Uint64(b[off+9:]) != next-1 {
					break
				}
				off = end
				continue
			}
			if typ == 255 {
				p := b[off+9 : end]
				sealed = n == 12 && le.Uint64(p) == count && le.Uint32(p[8:]) == chain && end == len(b)
				break
			}
			out = append(out, Record{Type: RecordType(typ), Payload: b[off+9 : end], Index: next, Segment: uint64(i + 1), Offset: int64(off)})
			next++
			count++
			chain = crc32.Update(chain, crc32.MakeTable(crc32.Castagnoli), b[off:off+4])
			off = end
		}
		if !sealed {
			return out
		}
	}
	return out
}

// fuzzSeeds writes real journals: one unsealed segment, and a sealed segment
// followed by a second one, with and without a torn tail.
func fuzzSeeds(f *testing.F) [][2][]byte {
	r := rand.New(rand.NewPCG(7, 7))
	var seeds [][2][]byte
	for _, n := range []int{0, 1, 5, 12} {
		dir := f.TempDir()
		recs := randomRecords(r, n, 40)
		writeAll(f, r, Options{Dir: dir, Policy: PolicyNone, SegmentSize: 300}, recs, 3)
		fs := loadFiles(f, dir)
		a, b := fs[segmentName(1)], fs[segmentName(2)]
		seeds = append(seeds, [2][]byte{a, b})
		if len(b) > headerSize+3 {
			seeds = append(seeds, [2][]byte{a, b[:len(b)-3]})
		}
	}
	return seeds
}

// FuzzSegments feeds arbitrary bytes as segments 1 and 2 (2 only if non-empty)
// and checks that the Reader never panics, ends with io.EOF, a torn tail or a
// corruption error, and returns exactly a prefix of what refParse gives (all
// of it when it claims a clean end or a torn tail). Whenever the Reader
// accepts the journal, Open must accept it too and keep exactly those records.
func FuzzSegments(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s[0], s[1])
	}
	f.Add([]byte{}, []byte{})
	f.Add(make([]byte, 100), []byte{})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		segs := [][]byte{a}
		if len(b) > 0 {
			segs = append(segs, b)
		}
		mem := map[uint64][]byte{}
		for i, s := range segs {
			mem[uint64(i+1)] = s
		}
		rd := memReader(mem)
		var got []Record
		var err error
		for {
			var rec Record
			if rec, err = rd.Next(); err != nil {
				break
			}
			if rec.Offset+frameHeaderSize+int64(len(rec.Payload)) > int64(len(segs[rec.Segment-1])) {
				t.Fatalf("record %d lies past the end of its segment", rec.Index)
			}
			rec.Payload = bytes.Clone(rec.Payload)
			got = append(got, rec)
		}
		want := refParse(segs)
		if len(got) > len(want) {
			t.Fatalf("reader returned %d records, a valid parse gives %d", len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Type != w.Type || g.Index != w.Index || g.Segment != w.Segment || g.Offset != w.Offset || !bytes.Equal(g.Payload, w.Payload) {
				t.Fatalf("record %d: reader %+v, valid parse %+v", i, g, w)
			}
		}
		var torn *TornTailError
		var corrupt *CorruptionError
		switch {
		case err == io.EOF:
		case errors.As(err, &torn):
			if torn.Segment != uint64(len(segs)) || torn.Offset+torn.Dropped != int64(len(segs[len(segs)-1])) {
				t.Fatalf("torn tail %v does not run to the end of the last segment", err)
			}
		case errors.As(err, &corrupt):
			if corrupt.Segment < 1 || corrupt.Segment > uint64(len(segs)) || corrupt.Offset > int64(len(segs[corrupt.Segment-1])) {
				t.Fatalf("corruption %v outside the input", err)
			}
			return
		default:
			t.Fatalf("reader ended with %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("reader claims the end (%v) after %d records, a valid parse gives %d", err, len(got), len(want))
		}

		dir := t.TempDir()
		for i, s := range segs {
			if err := os.WriteFile(filepath.Join(dir, segmentName(uint64(i+1))), s, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		w, _, oerr := Open(Options{Dir: dir, Policy: PolicyNone})
		if oerr != nil {
			t.Fatalf("reader accepted the journal (%v) but Open: %v", err, oerr)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		after, aerr := readAll(t, dir)
		if aerr != io.EOF || len(after) != len(got) {
			t.Fatalf("after Open: %d records, %v; want %d, io.EOF", len(after), aerr, len(got))
		}
		for i := range after {
			if after[i].Index != got[i].Index || !bytes.Equal(after[i].Payload, got[i].Payload) {
				t.Fatalf("after Open record %d differs", i)
			}
		}
	})
}
