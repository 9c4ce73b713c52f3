package record

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// BenchmarkRecordWrite frames records of several sizes into a reused buffer,
// one op per record, b.SetBytes the payload size.
func BenchmarkRecordWrite(b *testing.B) {
	for _, size := range []int{64, 1024, 16 << 10} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			p := make([]byte, size)
			buf := make([]byte, 0, 64*(HeaderSize+size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if len(buf)+HeaderSize+size > cap(buf) {
					buf = buf[:0]
				}
				buf, _ = Append(buf, 1, p)
			}
		})
	}
}

// BenchmarkRecordRead reads records back from a slice and from a stream, one
// op per record, b.SetBytes the payload size.
func BenchmarkRecordRead(b *testing.B) {
	for _, size := range []int{64, 1024, 16 << 10} {
		p := make([]byte, size)
		var data []byte
		const n = 1000
		for i := 0; i < n; i++ {
			data, _ = Append(data, 1, p)
		}
		for _, src := range []string{"bytes", "stream"} {
			b.Run(fmt.Sprintf("%s/size=%d", src, size), func(b *testing.B) {
				open := func() *Reader {
					if src == "bytes" {
						return NewBytes(data, "bench", 0)
					}
					return NewReader(bytes.NewReader(data), "bench", 0)
				}
				r := open()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := r.Next(); err == io.EOF {
						r = open()
						i--
					} else if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
