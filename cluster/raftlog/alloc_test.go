package raftlog

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/journal"
)

// TestSaveAllocs: once its buffers have grown, Save of a Ready's worth of
// entries and a HardState allocates nothing but the growth of the in-memory
// log (amortized to zero per call; raft allocated the entries).
func TestSaveAllocs(t *testing.T) {
	d := newDirs(t)
	l, _, err := Open(Options{JournalDir: d.journal, SnapshotDir: d.snaps, Policy: journal.PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const batch = 4
	var pool [][]*pb.Entry
	for k := 0; k < 300; k++ {
		pool = append(pool, index(uint64(k*batch+1)).terms(1, 1, 1, 1))
	}
	hs := hardState(1, 1, 0)
	k := 0
	save := func() {
		*hs.Commit = uint64(k * batch)
		if err := l.Save(hs, pool[k]); err != nil {
			t.Fatal(err)
		}
		k++
	}
	for range 10 {
		save()
	}
	if n := testing.AllocsPerRun(200, save); n != 0 {
		t.Fatalf("Save allocates %v times per call", n)
	}
}
