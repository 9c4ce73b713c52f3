package cluster

import (
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Log is the raft log a Node persists to and reads from.
//
// raft/v3 v3.7.0 generates its raftpb types with google.golang.org/protobuf, whose
// messages must not be copied (go vet's copylocks), so every raftpb value crosses
// this interface as a pointer. A Core never mutates what it passes in and never
// reuses a snapshot's data buffer after CreateSnapshot, so a Log may keep them.
//
// In one Ready a Core calls ApplySnapshot (if raft delivered a snapshot) before
// Save, and both before it sends that Ready's messages (decision 4).
type Log interface {
	raft.Storage
	// Save makes hs (if not empty) and ents durable, in one group commit, before returning;
	// entries whose index is <= the last one replace the conflicting suffix.
	Save(hs *raftpb.HardState, ents []*raftpb.Entry) error
	// ApplySnapshot makes snap durable and resets the log to start after it (a follower that
	// received MsgSnap).
	ApplySnapshot(snap *raftpb.Snapshot) error
	// CreateSnapshot records a snapshot of the applied state at index i (data: the
	// Applier's snapshot) and Compact drops the log up to compactIndex.
	CreateSnapshot(i uint64, cs *raftpb.ConfState, data []byte) (*raftpb.Snapshot, error)
	// Compact drops the entries before compactIndex (raft.MemoryStorage's meaning:
	// compactIndex becomes the log's dummy entry, FirstIndex becomes compactIndex+1).
	Compact(compactIndex uint64) error
}
