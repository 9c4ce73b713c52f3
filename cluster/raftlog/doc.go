// Package raftlog is a cluster node's raft log kept in the node's journal
// (decision 1 of the replication design): *Log implements raft.Storage of
// go.etcd.io/raft/v3 and the Save, ApplySnapshot, CreateSnapshot and Compact
// that package cluster's Log interface adds, so a node writes one log, with
// one group commit per Ready, not a second copy beside the journal.
package raftlog
