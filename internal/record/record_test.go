package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// build frames n random records (seeded) and returns the data and the records.
func build(seed uint64, n, maxLen int) ([]byte, []Record) {
	rng := rand.New(rand.NewPCG(seed, 0))
	var b []byte
	var recs []Record
	for i := 0; i < n; i++ {
		p := make([]byte, rng.IntN(maxLen+1))
		for j := range p {
			p[j] = byte(rng.UintN(256))
		}
		typ := byte(1 + rng.IntN(255))
		off := int64(len(b))
		var err error
		if b, err = Append(b, typ, p); err != nil {
			panic(err)
		}
		recs = append(recs, Record{Type: typ, Payload: p, Offset: off})
	}
	return b, recs
}

// readers returns the ways of reading b: as a slice, as a stream, and as a
// stream one byte per Read with a tiny starting buffer.
func readers(b []byte, base int64) map[string]*Reader {
	tiny := NewReader(iotest.OneByteReader(bytes.NewReader(b)), "f", base)
	tiny.buf = make([]byte, 3)
	return map[string]*Reader{
		"bytes":  NewBytes(b, "f", base),
		"stream": NewReader(bytes.NewReader(b), "f", base),
		"tiny":   tiny,
	}
}

// readAll returns the records (payloads copied) and the terminal error.
func readAll(r *Reader) ([]Record, error) {
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

func sameRecords(t *testing.T, what string, got, want []Record, base int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Type != w.Type || g.Offset != w.Offset+base || !bytes.Equal(g.Payload, w.Payload) {
			t.Fatalf("%s: record %d = {%d %d % x}, want {%d %d % x}", what, i, g.Type, g.Offset, g.Payload, w.Type, w.Offset+base, w.Payload)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	b, recs := build(1, 200, 300)
	// One record larger than a stream Reader's starting buffer.
	big := bytes.Repeat([]byte{7}, 3*defaultBufferSize)
	recs = append(recs, Record{Type: 9, Payload: big, Offset: int64(len(b))})
	b, _ = Append(b, 9, big)
	for name, r := range readers(b, 28) {
		got, err := readAll(r)
		if err != io.EOF {
			t.Fatalf("%s: ended with %v", name, err)
		}
		sameRecords(t, name, got, recs, 28)
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("%s: after the end %v", name, err)
		}
	}
	for name, r := range readers(nil, 0) {
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("%s: empty data: %v", name, err)
		}
	}
}

func TestBeginFinish(t *testing.T) {
	b := Begin([]byte("prefix"), 5)
	b = binary.LittleEndian.AppendUint64(b, 42)
	b = append(b, "msg"...)
	if err := Finish(b[6:]); err != nil {
		t.Fatal(err)
	}
	want, _ := Append([]byte("prefix"), 5, append(binary.LittleEndian.AppendUint64(nil, 42), "msg"...))
	if !bytes.Equal(b, want) {
		t.Fatalf("Begin/Finish % x, Append % x", b, want)
	}
	if err := Finish(Begin(nil, 0)); !errors.Is(err, ErrBadType) {
		t.Fatalf("Finish of type 0: %v", err)
	}
	if _, err := Append(nil, 0, nil); !errors.Is(err, ErrBadType) {
		t.Fatalf("Append of type 0: %v", err)
	}
	if out, err := Append([]byte{1}, 1, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLarge) || len(out) != 1 {
		t.Fatalf("Append of MaxPayload+1: %v, %d bytes", err, len(out))
	}
	if out, err := Append(nil, 1, make([]byte, MaxPayload)); err != nil || len(out) != HeaderSize+MaxPayload {
		t.Fatalf("Append of MaxPayload: %v", err)
	}
}

// TestLayout pins the frame: crc(4) length(4) type(1) payload, CRC-32C of
// length, type and payload. The journal's existing segments depend on it.
func TestLayout(t *testing.T) {
	b, _ := Append(nil, 1, []byte("abc"))
	want := []byte{0, 0, 0, 0, 3, 0, 0, 0, 1, 'a', 'b', 'c'}
	binary.LittleEndian.PutUint32(want, Checksum(want[4:]))
	if !bytes.Equal(b, want) {
		t.Fatalf("frame % x, want % x", b, want)
	}
	if got := Checksum([]byte("123456789")); got != 0xe3069283 { // the CRC-32C check value
		t.Fatalf("Checksum = %#x, not CRC-32C", got)
	}
}

func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	p := make([]byte, 100)
	if n := testing.AllocsPerRun(100, func() {
		buf, _ = Append(buf[:0], 1, p)
	}); n != 0 {
		t.Fatalf("Append allocates %v times with room in the buffer", n)
	}
}

func TestReadBytesAllocs(t *testing.T) {
	b, _ := build(2, 50, 100)
	r := NewBytes(b, "f", 0)
	if n := testing.AllocsPerRun(40, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Next allocates %v times", n)
	}
}

// tornAt checks that data ending in damage at off (a torn tail) reads back
// exactly the records before off and reports the tail.
func checkTorn(t *testing.T, what string, data []byte, recs []Record, off int64) {
	t.Helper()
	for name, r := range readers(data, 100) {
		got, err := readAll(r)
		var ce *CorruptionError
		if !errors.As(err, &ce) || !ce.TornTail || !errors.Is(err, ErrTornTail) || errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s, %s: ended with %v, want a torn tail", what, name, err)
		}
		if ce.Offset != off+100 || ce.Dropped != int64(len(data))-off || ce.File != "f" || ce.Reason == "" {
			t.Fatalf("%s, %s: %+v, want offset %d dropped %d", what, name, ce, off+100, int64(len(data))-off)
		}
		n := 0
		for n < len(recs) && recs[n].Offset < off {
			n++
		}
		sameRecords(t, what+", "+name, got, recs[:n], 100)
	}
}

// TestTruncateEveryByte cuts the data at every byte of its last three records.
func TestTruncateEveryByte(t *testing.T) {
	b, recs := build(3, 10, 40)
	from := recs[len(recs)-3].Offset
	for cut := from; cut < int64(len(b)); cut++ {
		i := len(recs) - 1
		for recs[i].Offset > cut {
			i--
		}
		if recs[i].Offset == cut { // a clean cut between records
			for name, r := range readers(b[:cut], 100) {
				got, err := readAll(r)
				if err != io.EOF {
					t.Fatalf("cut at %d, %s: %v", cut, name, err)
				}
				sameRecords(t, name, got, recs[:i], 100)
			}
			continue
		}
		checkTorn(t, fmt.Sprintf("cut at %d", cut), b[:cut], recs, recs[i].Offset)
		// Zeros or garbage to the end after the cut are a torn tail too.
		z := append(bytes.Clone(b[:cut]), make([]byte, 50)...)
		checkTorn(t, fmt.Sprintf("cut at %d, zeros after", cut), z, recs, recs[i].Offset)
	}
	checkTorn(t, "zeros only", make([]byte, 4096), nil, 0)
}

// TestFlipEveryByte flips every byte of the data in turn: each read gives a
// prefix of the records, then corruption at the damaged record (or a torn
// tail when it is the last one), never a wrong record and never a panic.
func TestFlipEveryByte(t *testing.T) {
	b, recs := build(4, 8, 30)
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			d := bytes.Clone(b)
			d[i] ^= x
			k := len(recs) - 1
			for recs[k].Offset > int64(i) {
				k--
			}
			for name, r := range readers(d, 0) {
				got, err := readAll(r)
				var ce *CorruptionError
				if !errors.As(err, &ce) {
					t.Fatalf("byte %d ^ %#x, %s: ended with %v", i, x, name, err)
				}
				// A flipped length can make a longer frame that still
				// fails its checksum; what is reported is the damaged
				// record, and only the records before it are returned.
				if ce.Offset != recs[k].Offset {
					t.Fatalf("byte %d ^ %#x, %s: damage at %d, record starts at %d: %v", i, x, name, ce.Offset, recs[k].Offset, err)
				}
				if last := k == len(recs)-1; ce.TornTail != last {
					t.Fatalf("byte %d ^ %#x, %s: torn %v for record %d of %d: %v", i, x, name, ce.TornTail, k, len(recs), err)
				}
				sameRecords(t, fmt.Sprintf("byte %d ^ %#x, %s", i, x, name), got, recs[:k], 0)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	b, _ := build(5, 3, 10)
	d := append(bytes.Clone(b), b...)
	d[len(b)] ^= 1 // first byte of the second copy's first record: its CRC
	_, err := readAll(NewBytes(d, "seg.log", 81920-int64(len(b))))
	if want := "record: seg.log: bad checksum at offset 81920"; err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	_, err = readAll(NewBytes(b[:len(b)-1], "x", 0))
	if err == nil || !strings.HasPrefix(err.Error(), "record: x: torn tail at offset ") {
		t.Fatalf("torn tail error %q", err)
	}
}

func TestImpossibleLengthFollowedByData(t *testing.T) {
	b, recs := build(6, 4, 20)
	d := bytes.Clone(b)
	binary.LittleEndian.PutUint32(d[recs[1].Offset+4:], MaxPayload+1)
	_, err := readAll(NewBytes(d, "f", 0))
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.TornTail || ce.Offset != recs[1].Offset || !strings.Contains(ce.Reason, "impossible record length") {
		t.Fatalf("impossible length: %v", err)
	}
}

type failReader struct{ n int }

func (f *failReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk on fire")
	}
	p[0] = 0
	f.n--
	return 1, nil
}

func TestReadError(t *testing.T) {
	r := NewReader(&failReader{n: 3}, "f", 0)
	_, err := r.Next()
	var ce *CorruptionError
	if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), "disk on fire") || !strings.HasPrefix(err.Error(), "record: read f") {
		t.Fatalf("read error: %v", err)
	}
}
