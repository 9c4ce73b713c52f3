package transport

import (
	"runtime"
	"sync/atomic"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// BenchmarkSendMsgApp measures the throughput of MsgApps of 16 entries of 256 bytes (a batch
// of commands each) from one node to another over loopback; the allocations include the
// receiver's decoding.
func BenchmarkSendMsgApp(b *testing.B) {
	var received atomic.Int64
	rx := startNode(b, 2, 7, "", func(c *Config) { c.Handler = func(*raftpb.Message) { received.Add(1) } })
	tx := startNode(b, 1, 7, "", nil)
	if err := tx.AddPeer(2, rx.Addr().String()); err != nil {
		b.Fatal(err)
	}
	m := app(1, 2, 1, nil)
	m.Entries = nil
	for i := range 16 {
		m.Entries = append(m.Entries, &raftpb.Entry{Term: proto.Uint64(3), Index: proto.Uint64(uint64(i + 2)), Data: make([]byte, 256)})
	}
	msgs := []*raftpb.Message{m}
	const window = DefaultQueueSize / 2 // stay under the queue bound: a drop would be lost
	b.SetBytes(int64(proto.Size(m)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for int64(i)-received.Load() >= window {
			runtime.Gosched()
		}
		tx.Send(msgs)
	}
	for received.Load() < int64(b.N) {
		runtime.Gosched()
	}
	b.StopTimer()
	if d := tx.Stats().Peers[2].Dropped; d != 0 {
		b.Fatalf("%d dropped", d)
	}
}
