package transport

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// snap builds a MsgSnap from -> to at index with data.
func snap(from, to, index uint64, data []byte) *raftpb.Message {
	return &raftpb.Message{
		Type: raftpb.MsgSnap.Enum(),
		From: proto.Uint64(from),
		To:   proto.Uint64(to),
		Term: proto.Uint64(3),
		Snapshot: &raftpb.Snapshot{
			Data: data,
			Metadata: &raftpb.SnapshotMetadata{
				Index:     proto.Uint64(index),
				Term:      proto.Uint64(3),
				ConfState: &raftpb.ConfState{Voters: []uint64{1, 2, 3}},
			},
		},
	}
}

// TestSnapshot: a MsgSnap far over MaxFrameSize is delivered whole on its own connection and
// reported; the stream carries on around it.
func TestSnapshot(t *testing.T) {
	small := func(c *Config) { c.MaxFrameSize = 1 << 20 }
	a := startNode(t, 1, 7, "", small)
	b := startNode(t, 2, 7, "", small)
	connect(t, a, b)
	data := make([]byte, 8<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	a.Send([]*raftpb.Message{app(1, 2, 1, nil), snap(1, 2, 500, data), app(1, 2, 2, nil)})
	waitFor(t, "the snapshot's status", func() bool { return len(a.rec.snapshots(2)) == 1 })
	if st := a.rec.snapshots(2); st[0] {
		t.Fatalf("snapshot reported failed; log:\n%s", a.log.String())
	}
	waitFor(t, "the snapshot and the MsgApps", func() bool { return len(b.rec.from(1)) == 3 })
	var gotSnap *raftpb.Message
	var apps []*raftpb.Message
	for _, m := range b.rec.from(1) {
		if m.GetType() == raftpb.MsgSnap {
			gotSnap = m
		} else {
			apps = append(apps, m)
		}
	}
	if gotSnap == nil {
		t.Fatal("no MsgSnap delivered")
	}
	if md := gotSnap.GetSnapshot().GetMetadata(); md.GetIndex() != 500 || len(md.GetConfState().GetVoters()) != 3 ||
		!bytes.Equal(gotSnap.GetSnapshot().GetData(), data) {
		t.Fatalf("snapshot metadata %v, %d bytes of data, equal %v", md, len(gotSnap.GetSnapshot().GetData()),
			bytes.Equal(gotSnap.GetSnapshot().GetData(), data))
	}
	checkInOrder(t, apps, 1)
	if s := a.Stats().Peers[2]; s.SnapshotsSent != 1 || s.SnapshotsFailed != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestSnapshotFailures: a snapshot over the receiver's MaxSnapshotSize, over the sender's, or to
// a peer that is down is reported failed, and the peer reported unreachable.
func TestSnapshotFailures(t *testing.T) {
	a := startNode(t, 1, 7, "", func(c *Config) { c.MaxSnapshotSize = 2 << 20 })
	b := startNode(t, 2, 7, "", func(c *Config) { c.MaxSnapshotSize = 1 << 20 })
	connect(t, a, b)
	if err := a.AddPeer(3, deadAddr(t)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		to   uint64
		size int
		want string // in node 1's warning
	}{
		{"over the receiver's limit", 2, 3 << 19, "snapshot not delivered"},
		{"over the sender's limit", 2, 3 << 20, "exceeds MaxSnapshotSize 2097152"},
		{"peer down", 3, 10, "snapshot not delivered"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := len(a.rec.snapshots(tc.to))
			a.Send([]*raftpb.Message{snap(1, tc.to, uint64(i+1), make([]byte, tc.size))})
			waitFor(t, "the snapshot's status", func() bool { return len(a.rec.snapshots(tc.to)) == n+1 })
			if !a.rec.snapshots(tc.to)[n] {
				t.Fatal("reported delivered")
			}
			if !contains(a.log.String(), `"level":"warn"`, tc.want) {
				t.Fatalf("no warning with %q in\n%s", tc.want, a.log.String())
			}
			if a.rec.unreachableCount(tc.to) == 0 {
				t.Error("peer not reported unreachable")
			}
		})
	}
	if got := b.rec.from(1); len(got) != 0 {
		t.Errorf("node 2 delivered %d messages", len(got))
	}
	if !contains(b.log.String(), `"level":"warn"`, "length 1572", "exceeds the limit 1048576") {
		t.Errorf("node 2 did not warn of the oversized snapshot:\n%s", b.log.String())
	}
	if s := a.Stats().Peers[2]; s.SnapshotsFailed != 2 || s.SnapshotsSent != 0 {
		t.Errorf("stats %+v", s)
	}
}
