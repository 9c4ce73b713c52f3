package raftlog

import (
	"fmt"
	"io"
	"log"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// quietLogger keeps raft's info lines out of the test output.
var quietLogger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// node is a single-node raft "cluster" over a Log, driven as the cluster
// Node drives its RawNode: Save the Ready (snapshot, entries, HardState)
// before anything else, apply the committed entries, Advance.
type node struct {
	t       *testing.T
	l       *Log
	rn      *raft.RawNode
	applied uint64
	data    map[uint64]string // index -> data of the normal entries applied
}

// newNode starts a RawNode on l, whose state machine is at applied.
func newNode(t *testing.T, l *Log, applied uint64) *node {
	t.Helper()
	rn, err := raft.NewRawNode(&raft.Config{
		ID: 1, ElectionTick: 10, HeartbeatTick: 1, Storage: l, Applied: applied,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, Logger: quietLogger,
	})
	if err != nil {
		t.Fatalf("NewRawNode: %v", err)
	}
	return &node{t: t, l: l, rn: rn, applied: applied, data: map[uint64]string{}}
}

// drive handles Readys until there are none.
func (n *node) drive() {
	n.t.Helper()
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		if !raft.IsEmptySnap(rd.Snapshot) {
			if err := n.l.ApplySnapshot(rd.Snapshot); err != nil {
				n.t.Fatalf("ApplySnapshot: %v", err)
			}
		}
		if err := n.l.Save(rd.HardState, rd.Entries); err != nil {
			n.t.Fatalf("Save: %v", err)
		}
		if len(rd.Messages) > 0 {
			n.t.Fatalf("a single node sent %d messages", len(rd.Messages))
		}
		for _, e := range rd.CommittedEntries {
			if e.GetIndex() != n.applied+1 {
				n.t.Fatalf("committed entry %d after applied %d", e.GetIndex(), n.applied)
			}
			n.applied = e.GetIndex()
			if e.GetType() == pb.EntryNormal && len(e.GetData()) > 0 {
				n.data[e.GetIndex()] = string(e.GetData())
			}
		}
		n.rn.Advance(rd)
	}
}

// TestRawNodeRestart runs a one-node raft cluster on a Log: campaign,
// propose 1000 entries through Ready/Save/Advance with a snapshot and a
// compaction halfway, close, reopen, and checks that the restarted RawNode
// has the same log and commit index, re-delivers the committed entries after
// its applied index, and goes on.
func TestRawNodeRestart(t *testing.T) {
	d := newDirs(t)
	l, _ := open(t, d)
	// Bootstrap as the raft docs recommend: a ConfState in the storage.
	if err := l.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: &pb.ConfState{Voters: []uint64{1}}}}); err != nil {
		t.Fatal(err)
	}
	n := newNode(t, l, 0)
	if err := n.rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	n.drive()
	if st := n.rn.BasicStatus(); st.RaftState != raft.StateLeader {
		t.Fatalf("state %v after Campaign, want leader", st.RaftState)
	}
	proposed := map[string]bool{}
	var snapAt uint64
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("cmd %d", i)
		proposed[p] = true
		if err := n.rn.Propose([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if i%7 == 6 { // several proposals per Ready, as a busy leader has
			n.drive()
		}
		if i == 500 {
			n.drive()
			snap, err := l.CreateSnapshot(n.applied, &pb.ConfState{Voters: []uint64{1}}, []byte("state"))
			if err != nil {
				t.Fatal(err)
			}
			snapAt = snap.GetMetadata().GetIndex()
			if err := l.Compact(snapAt); err != nil {
				t.Fatal(err)
			}
		}
	}
	n.drive()
	if len(n.data) != 1000 {
		t.Fatalf("applied %d proposals, want 1000", len(n.data))
	}
	for _, v := range n.data {
		if !proposed[v] {
			t.Fatalf("applied %q, never proposed", v)
		}
	}
	st := n.rn.Status()
	last, _ := l.LastIndex()
	if st.GetCommit() != last || st.Applied != last {
		t.Fatalf("commit %d applied %d, last index %d", st.GetCommit(), st.Applied, last)
	}
	before := state(t, l)
	applied := n.data

	l, rec := reopen(t, l, d)
	defer l.Close()
	if rec.Snapshot.Index != snapAt || rec.LastIndex != last || rec.Commit != st.GetCommit() {
		t.Fatalf("Recovery %s; want snapshot %d, last %d, commit %d", rec, snapAt, last, st.GetCommit())
	}
	// The state machine restarts from the snapshot; raft re-delivers the
	// committed entries after it.
	n = newNode(t, l, snapAt)
	if st2 := n.rn.Status(); st2.GetCommit() != st.GetCommit() || st2.GetTerm() != st.GetTerm() {
		t.Fatalf("restarted with commit %d term %d, want %d %d", st2.GetCommit(), st2.GetTerm(), st.GetCommit(), st.GetTerm())
	}
	n.drive()
	if n.applied != last {
		t.Fatalf("restarted node applied %d, want %d", n.applied, last)
	}
	for i, v := range n.data {
		if applied[i] != v {
			t.Fatalf("entry %d re-delivered as %q, was %q", i, v, applied[i])
		}
	}
	want := 0
	for i := range applied {
		if i > snapAt {
			want++
		}
	}
	if len(n.data) != want || want == 0 {
		t.Fatalf("re-delivered %d entries, want the %d after the snapshot", len(n.data), want)
	}
	if after := state(t, l); after != before {
		t.Fatalf("state changed over the restart:\n%s\n%s", before, after)
	}
	// It campaigns again (a new term) and goes on.
	if err := n.rn.Campaign(); err != nil {
		t.Fatal(err)
	}
	n.drive()
	if err := n.rn.Propose([]byte("after restart")); err != nil {
		t.Fatal(err)
	}
	n.drive()
	last2, _ := l.LastIndex()
	if n.data[last2] != "after restart" || n.rn.Status().GetCommit() != last2 || last2 != last+2 {
		t.Fatalf("after restart: last %d (was %d) holds %q, commit %d", last2, last, n.data[last2], n.rn.Status().GetCommit())
	}
}
