package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"
)

// refParse is a plain restatement of the frame, kept apart from the package:
// the records of b up to the first one that is not exactly a frame.
func refParse(b []byte) (recs []Record, good int) {
	le := binary.LittleEndian
	tab := crc32.MakeTable(crc32.Castagnoli)
	for off := 0; off+9 <= len(b); {
		n, typ := uint64(le.Uint32(b[off+4:])), b[off+8]
		if n > 16<<20 || typ == 0 || uint64(off)+9+n > uint64(len(b)) ||
			crc32.Checksum(b[off+4:off+9+int(n)], tab) != le.Uint32(b[off:]) {
			break
		}
		recs = append(recs, Record{Type: typ, Payload: b[off+9 : off+9+int(n)], Offset: int64(off)})
		off += 9 + int(n)
		good = off
	}
	return recs, good
}

// FuzzReader feeds arbitrary bytes to the Reader, as a slice and as a stream:
// it never panics, returns exactly the records refParse finds before its
// error, and ends with io.EOF only when refParse reads everything, with a torn
// tail running to the end only when no valid frame follows the damage, and
// with corruption only when one does.
func FuzzReader(f *testing.F) {
	b, _ := build(9, 6, 20)
	f.Add(b)
	f.Add(b[:len(b)-3])
	f.Add(append(bytes.Clone(b), make([]byte, 20)...))
	d := bytes.Clone(b)
	d[12] ^= 4
	f.Add(d)
	f.Add([]byte{})
	f.Add(make([]byte, 30))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, good := refParse(data)
		for name, r := range readers(data, 5) {
			got, err := readAll(r)
			sameRecords(t, name, got, want, 5)
			var ce *CorruptionError
			switch {
			case err == io.EOF:
				if good != len(data) {
					t.Fatalf("%s: io.EOF after %d of %d bytes", name, good, len(data))
				}
			case errors.As(err, &ce):
				if ce.Offset != int64(good)+5 {
					t.Fatalf("%s: damage at %d, good data ends at %d", name, ce.Offset, good+5)
				}
				follows := false
				for q := good + 1; q < len(data); q++ {
					if valid(data[q:]) {
						follows = true
						break
					}
				}
				if ce.TornTail == follows || (ce.TornTail && ce.Dropped != int64(len(data)-good)) {
					t.Fatalf("%s: %v, a valid frame follows: %v", name, err, follows)
				}
			default:
				t.Fatalf("%s: ended with %v", name, err)
			}
		}
	})
}
