package journal

import (
	"fmt"
	"testing"

	"github.com/openmatch/matchd/engine"
)

func TestCommandSizeMatchesEngine(t *testing.T) {
	if commandSize != engine.CommandSize {
		t.Fatalf("commandSize = %d, engine.CommandSize = %d", commandSize, engine.CommandSize)
	}
}

// commandPayload is a real engine command record payload.
func commandPayload() []byte {
	c := engine.Command{Seq: 123456, Time: 1_700_000_000_000_000_000, Kind: engine.KindNew, Owner: 3, Symbol: 1, Price: 10025, Qty: 100}
	c.ClOrdID, _ = engine.MakeID("ORDER-000123456")
	return engine.AppendCommand(nil, &c)
}

// BenchmarkAppend measures appending command records in groups of 1 and 64,
// one op per record, b.SetBytes the payload size. Batch and every fsync, so
// their figures are the disk's.
func BenchmarkAppend(b *testing.B) {
	payload := commandPayload()
	for _, p := range []Policy{PolicyNone, PolicyBatch, PolicyEvery} {
		b.Run(p.String(), func(b *testing.B) {
			for _, group := range []int{1, 64} {
				b.Run(fmt.Sprintf("group=%d", group), func(b *testing.B) {
					w, _, err := Open(Options{Dir: b.TempDir(), Policy: p})
					if err != nil {
						b.Fatal(err)
					}
					b.SetBytes(int64(len(payload)))
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := w.Append(TypeCommand, payload); err != nil {
							b.Fatal(err)
						}
						if (i+1)%group == 0 {
							if err := w.Commit(); err != nil {
								b.Fatal(err)
							}
						}
					}
					if err := w.Commit(); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				})
			}
		})
	}
}

// BenchmarkRead measures reading command records back, one op per record.
func BenchmarkRead(b *testing.B) {
	payload := commandPayload()
	dir := b.TempDir()
	w, _, err := Open(Options{Dir: dir, Policy: PolicyNone, SegmentSize: 4 << 20})
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	for i := 0; i < n; i++ {
		if err := w.Append(TypeCommand, payload); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	var rd *Reader
	for i := 0; i < b.N; i++ {
		if i%n == 0 {
			if rd, err = OpenReader(dir); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
	}
}
