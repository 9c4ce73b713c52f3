// The implementations the pipeline wires together satisfy the interfaces
// (cluster imports neither package; this test does).
package cluster_test

import (
	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/cluster/transport"
)

var (
	_ cluster.Log       = (*raftlog.Log)(nil)
	_ cluster.Transport = (*transport.Transport)(nil)
)
