package transport

import (
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
)

func TestConfigErrors(t *testing.T) {
	handler := func(*raftpb.Message) {}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no node ID", Config{Handler: handler}, "NodeID is 0"},
		{"no handler", Config{NodeID: 1}, "Handler is nil"},
		{"peer is self", Config{NodeID: 1, Handler: handler, Peers: map[uint64]string{1: "x:1"}}, "invalid ID 1"},
		{"peer zero", Config{NodeID: 1, Handler: handler, Peers: map[uint64]string{0: "x:1"}}, "invalid ID 0"},
		{"snapshot limit", Config{NodeID: 1, Handler: handler, MaxSnapshotSize: 1 << 32}, "MaxSnapshotSize 4294967296 out of range"},
		{"frame limit", Config{NodeID: 1, Handler: handler, MaxFrameSize: -1}, "MaxFrameSize -1 out of range"},
		{"queue", Config{NodeID: 1, Handler: handler, QueueSize: -1}, "QueueSize -1"},
		{"back-off", Config{NodeID: 1, Handler: handler, BackoffMin: 2, BackoffMax: 1}, "need 0 <= min <= max"},
		{"listen", Config{NodeID: 1, Handler: handler, ListenAddr: "256.0.0.1:1"}, "transport: listen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := New(tc.cfg)
			if err == nil {
				tr.Stop()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "transport: ") {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}
	if err := startNode(t, 1, 7, "", nil).AddPeer(1, "x:1"); err == nil {
		t.Error("AddPeer of the node itself accepted")
	}
}
