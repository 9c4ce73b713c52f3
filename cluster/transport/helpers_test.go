package transport

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// clusterTransport is a copy of cluster.Transport (this package must not import cluster).
type clusterTransport interface {
	Send(msgs []*raftpb.Message)
}

var _ clusterTransport = (*Transport)(nil)

// syncBuffer is a log sink safe for the transport's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder is a node's Handler and callbacks.
type recorder struct {
	mu          sync.Mutex
	got         map[uint64][]*raftpb.Message // by sender
	unreachable map[uint64]int
	snapStatus  map[uint64][]bool
}

func newRecorder() *recorder {
	return &recorder{got: map[uint64][]*raftpb.Message{}, unreachable: map[uint64]int{}, snapStatus: map[uint64][]bool{}}
}

func (r *recorder) handle(m *raftpb.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[m.GetFrom()] = append(r.got[m.GetFrom()], m)
}

func (r *recorder) onUnreachable(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unreachable[id]++
}

func (r *recorder) onSnapshot(id uint64, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snapStatus[id] = append(r.snapStatus[id], failed)
}

// from returns a copy of the messages received from id.
func (r *recorder) from(id uint64) []*raftpb.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*raftpb.Message(nil), r.got[id]...)
}

func (r *recorder) unreachableCount(id uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unreachable[id]
}

func (r *recorder) snapshots(id uint64) []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bool(nil), r.snapStatus[id]...)
}

// node is one transport under test with its recorder and log.
type node struct {
	*Transport
	rec *recorder
	log *syncBuffer
}

// startNode starts a transport for id in cluster on addr ("" for a free loopback port);
// edit adjusts the Config. The transport is stopped at the end of the test.
func startNode(t testing.TB, id, cluster uint64, addr string, edit func(*Config)) *node {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	n := &node{rec: newRecorder(), log: &syncBuffer{}}
	cfg := Config{
		NodeID:         id,
		ClusterID:      cluster,
		ListenAddr:     addr,
		Handler:        n.rec.handle,
		Unreachable:    n.rec.onUnreachable,
		SnapshotStatus: n.rec.onSnapshot,
		Logger:         zerolog.New(n.log).Level(zerolog.DebugLevel),
		Seed:           id,
	}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Transport = tr
	t.Cleanup(tr.Stop)
	return n
}

// connect makes every node a peer of every other.
func connect(t testing.TB, nodes ...*node) {
	t.Helper()
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				if err := a.AddPeer(b.cfg.NodeID, b.Addr().String()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// waitFor polls cond until it holds; the bound only turns a hang into a failure.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// app builds a MsgApp from -> to whose Index numbers it, carrying one entry of data.
func app(from, to, index uint64, data []byte) *raftpb.Message {
	return &raftpb.Message{
		Type:    raftpb.MsgApp.Enum(),
		From:    proto.Uint64(from),
		To:      proto.Uint64(to),
		Term:    proto.Uint64(3),
		Index:   proto.Uint64(index),
		Entries: []*raftpb.Entry{{Term: proto.Uint64(3), Index: proto.Uint64(index + 1), Data: data}},
	}
}

// checkInOrder reports the first message of got whose Index is not first, first+1, ...
// and returns how many it checked.
func checkInOrder(t testing.TB, got []*raftpb.Message, first uint64) {
	t.Helper()
	for i, m := range got {
		if want := first + uint64(i); m.GetIndex() != want {
			t.Fatalf("message %d from %d has index %d, want %d", i, m.GetFrom(), m.GetIndex(), want)
		}
	}
}

// contains reports whether the log has a line with every one of parts.
func contains(log string, parts ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// checkNoLeak waits until the goroutine count is back to before (the transport's goroutines
// are gone; a context.AfterFunc closing a connection may still be finishing).
func checkNoLeak(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d after Stop, %d before\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func (n *node) String() string { return fmt.Sprintf("node %d", n.cfg.NodeID) }
