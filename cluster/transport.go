package cluster

import "go.etcd.io/raft/v3/raftpb"

// Transport carries raft messages between nodes. Send never blocks on a slow or
// dead peer: it queues or drops (raft retransmits what is lost).
//
// A Transport delivers what it receives to the destination Node's Receive (the
// handler given to it at construction), and reports a peer it could not reach
// and the outcome of every MsgSnap it carried through the Node's
// ReportUnreachable and ReportSnapshot. A Core hands Send the messages of one
// Ready; Send must not keep the slice itself after it returns (the messages it
// points to are the Transport's).
type Transport interface {
	Send(msgs []*raftpb.Message)
}
