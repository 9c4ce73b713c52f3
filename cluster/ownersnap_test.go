package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// noSnapApplier fails the test if the Core asks it for a snapshot.
type noSnapApplier struct {
	*EngineApplier
	t *testing.T
}

func (a noSnapApplier) AppendSnapshot(dst []byte) []byte {
	a.t.Error("AppendSnapshot called with OwnerSnapshots")
	return dst
}

func serveAlone(t *testing.T, c *Core) {
	t.Helper()
	if err := c.Process(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && !c.Leadership().Serving; i++ {
		_ = c.Tick()
		if err := c.Process(); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Leadership().Serving {
		t.Fatal("a single voter does not serve")
	}
}

// TestOwnerSnapshots: with OwnerSnapshots the Core takes no snapshot itself;
// CreateSnapshot records the owner's at the index given, with the membership
// that held there (before a later conf change), refuses an index past the
// applied one without stopping, and ignores one at or below the last; and
// OnConfChange reports each conf change with its index.
func TestOwnerSnapshots(t *testing.T) {
	app, err := NewEngineApplier(simEngineConfig(), 0)
	if err != nil {
		t.Fatal(err)
	}
	log := NewMemoryLog()
	type change struct {
		index  uint64
		ctx    string
		voters []uint64
	}
	var changes []change
	c, err := NewCore(Config{ID: 1, Peers: []uint64{1}, Log: log, Transport: &voteCheckTransport{}, Applier: noSnapApplier{app, t},
		OwnerSnapshots: true, SnapshotEvery: 1, SnapshotMargin: 1,
		OnConfChange: func(index uint64, cc *raftpb.ConfChangeV2, cs *raftpb.ConfState) {
			changes = append(changes, change{index, string(cc.GetContext()), cs.GetVoters()})
		}})
	if err != nil {
		t.Fatal(err)
	}
	serveAlone(t, c)
	for i := uint64(1); i <= 3; i++ {
		if err := c.Propose(batch(i)); err != nil {
			t.Fatal(err)
		}
		if err := c.Process(); err != nil {
			t.Fatal(err)
		}
	}
	before := c.Applied()
	cc := &raftpb.ConfChangeV2{Changes: []*raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeAddNode.Enum(), NodeId: new(uint64(2))}},
		Context: []byte("127.0.0.1:7102")}
	if err := c.ProposeConfChange(cc); err != nil {
		t.Fatal(err)
	}
	if err := c.Process(); err != nil {
		t.Fatal(err)
	}
	ccIndex := c.Applied()
	if ccIndex != before+1 || len(changes) != 2 { // the bootstrap's change, then ours
		t.Fatalf("applied %d (before %d), changes %+v", ccIndex, before, changes)
	}
	if got := changes[1]; got.index != ccIndex || got.ctx != "127.0.0.1:7102" || len(got.voters) != 2 {
		t.Fatalf("OnConfChange %+v", got)
	}
	if snap, _ := log.Snapshot(); snap.GetMetadata().GetIndex() != 0 {
		t.Fatalf("the Core snapshotted itself at %d", snap.GetMetadata().GetIndex())
	}
	if err := c.CreateSnapshot(ccIndex+1, []byte("x")); err == nil || c.Err() != nil {
		t.Fatalf("a snapshot past the applied index: %v (Core error %v)", err, c.Err())
	}
	if err := c.CreateSnapshot(before, []byte("before")); err != nil {
		t.Fatal(err)
	}
	snap, _ := log.Snapshot()
	if m := snap.GetMetadata(); m.GetIndex() != before || len(m.GetConfState().GetVoters()) != 1 || string(snap.GetData()) != "before" {
		t.Fatalf("snapshot before the conf change: index %d, %v, %q", m.GetIndex(), m.GetConfState(), snap.GetData())
	}
	if err := c.CreateSnapshot(before, []byte("again")); err != nil {
		t.Fatal(err)
	}
	if snap, _ := log.Snapshot(); string(snap.GetData()) != "before" {
		t.Fatal("a snapshot at the same index replaced the first")
	}
	if err := c.CreateSnapshot(ccIndex, []byte("after")); err != nil {
		t.Fatal(err)
	}
	snap, _ = log.Snapshot()
	if m := snap.GetMetadata(); m.GetIndex() != ccIndex || len(m.GetConfState().GetVoters()) != 2 {
		t.Fatalf("snapshot at the conf change: index %d, %v", m.GetIndex(), m.GetConfState())
	}
	if first, _ := log.FirstIndex(); first != ccIndex {
		t.Fatalf("compacted to first index %d, want %d (margin 1)", first, ccIndex)
	}
}

// TestNodeProposeIn: a batch sequenced in one serving term is refused in any
// other term (ErrNotServing); OfferSnapshot hands a snapshot to the loop and
// FinalSnapshot works only once Run has returned.
func TestNodeProposeIn(t *testing.T) {
	app, err := NewEngineApplier(simEngineConfig(), 0)
	if err != nil {
		t.Fatal(err)
	}
	log := NewMemoryLog()
	n, err := NewNode(Config{ID: 1, Peers: []uint64{1}, Log: log, Transport: &voteCheckTransport{}, Applier: app,
		OwnerSnapshots: true, TickInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	waitFor(t, "the node to serve", func() bool { return n.Leadership().Serving })
	term := n.Leadership().Term
	if err := n.ProposeIn(ctx, term+1, batch(1)); !errors.Is(err, ErrNotServing) {
		t.Fatalf("ProposeIn another term: %v", err)
	}
	if err := n.ProposeIn(ctx, 0, batch(1)); !errors.Is(err, ErrNotServing) {
		t.Fatalf("ProposeIn term 0: %v", err)
	}
	if err := n.ProposeIn(ctx, term, batch(1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the batch to apply", func() bool { return n.Status().Applied >= 3 })
	idx := n.Status().Applied
	if err := n.FinalSnapshot(idx, []byte("early")); err == nil {
		t.Fatal("FinalSnapshot while running succeeded")
	}
	waitFor(t, "the offer to be taken", func() bool { return n.OfferSnapshot(idx, []byte("offer")) })
	waitFor(t, "the offered snapshot", func() bool {
		s, _ := log.Snapshot()
		return s.GetMetadata().GetIndex() == idx
	})
	cancel()
	<-done
	if n.OfferSnapshot(idx, nil) {
		t.Fatal("OfferSnapshot after Run returned was taken")
	}
	if err := n.FinalSnapshot(idx, []byte("final")); err != nil {
		t.Fatal(err)
	}
}
