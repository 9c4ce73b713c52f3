package cluster

import (
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// MemoryLog is a Log in memory, over raft.MemoryStorage: for tests and the
// simulator, where its contents stand for a node's disk (a crashed node restarts
// from the same MemoryLog with a new Core). It is not durable.
type MemoryLog struct {
	*raft.MemoryStorage
}

// NewMemoryLog returns an empty MemoryLog.
func NewMemoryLog() *MemoryLog {
	return &MemoryLog{MemoryStorage: raft.NewMemoryStorage()}
}

// Save records hs (unless empty) and appends ents, replacing a conflicting suffix.
func (l *MemoryLog) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	if !raft.IsEmptyHardState(hs) {
		if err := l.SetHardState(proto.Clone(hs).(*raftpb.HardState)); err != nil {
			return err
		}
	}
	return l.Append(ents)
}

var _ Log = (*MemoryLog)(nil)
