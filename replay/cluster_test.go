package replay_test

import (
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/replay"
)

// raftRecord is one record of a hand-written raft log: an entry (index,
// term, the seqs of its commands) or a HardState commit index.
type raftRecord struct {
	index, term uint64
	seqs        []uint64
	commit      uint64 // a HardState when index is 0
	checkpoint  *[2]uint64
}

// writeRaftJournal writes records as a cluster node's journal in dir.
func writeRaftJournal(t *testing.T, dir string, recs []raftRecord) {
	t.Helper()
	w, _, err := journal.Open(journal.Options{Dir: datadir.JournalDir(dir)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		var b []byte
		typ := journal.TypeRaftEntry
		if r.index == 0 {
			typ = journal.TypeRaftState
			b, _ = proto.Marshal(&pb.HardState{Term: proto.Uint64(1), Commit: proto.Uint64(r.commit)})
		} else {
			var data []byte
			for _, s := range r.seqs {
				id, _ := engine.MakeID("o" + string(rune('a'+s%26)) + string(rune('a'+r.term)))
				c := engine.Command{Kind: engine.KindNew, Seq: s, Time: int64(s) * 1000, Owner: 1, Symbol: 0, Side: engine.Buy,
					Type: engine.Limit, Price: 100 + int64(s), Qty: 1, ClOrdID: id}
				data = cluster.AppendCommand(data, &c)
			}
			if r.checkpoint != nil {
				data = cluster.AppendCheckpoint(data, r.checkpoint[0], r.checkpoint[1])
			}
			b, _ = proto.Marshal(&pb.Entry{Index: proto.Uint64(r.index), Term: proto.Uint64(r.term), Type: pb.EntryNormal.Enum(), Data: data})
		}
		if err := w.Append(typ, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestClusterReplay: a cluster node's journal replays its committed entries
// from raft index 1, with raft's overwrite rule (an entry of a later term
// replaces the earlier one at its index) and nothing past the commit index;
// StopSeq stops inside an entry; a checkpoint item is verified; a journal
// that starts past index 1 is refused with a reason.
func TestClusterReplay(t *testing.T) {
	dir := t.TempDir()
	writeRaftJournal(t, dir, []raftRecord{
		{index: 1, term: 1, seqs: []uint64{1, 2}},
		{index: 2, term: 1, seqs: []uint64{3}},
		{commit: 1},
		{index: 2, term: 2, seqs: []uint64{3, 4}}, // replaces term 1's entry 2
		{index: 3, term: 2, seqs: []uint64{5}},
		{commit: 3},
		{index: 4, term: 2, seqs: []uint64{6}}, // not committed
	})
	var clOrdIDs []string
	res, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), OnEvent: func(ev *engine.Event) error {
		if ev.Kind == engine.EvAccepted {
			clOrdIDs = append(clOrdIDs, ev.ClOrdID.String())
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(clOrdIDs, ","); res.Commands != 5 || res.LastSeq != 5 || got != "obb,ocb,odc,oec,ofc" {
		t.Errorf("replayed %d commands up to seq %d, accepted %s; want 5 up to 5, obb,ocb,odc,oec,ofc", res.Commands, res.LastSeq, got)
	}
	part, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), StopSeq: 3})
	if err != nil || part.Commands != 3 || part.LastSeq != 3 {
		t.Errorf("StopSeq 3: %d commands up to %d, %v", part.Commands, part.LastSeq, err)
	}

	// A checkpoint item with the right hash verifies; a wrong one fails.
	for _, good := range []bool{true, false} {
		d := t.TempDir()
		h := part.StateHash
		if !good {
			h++
		}
		writeRaftJournal(t, d, []raftRecord{
			{index: 1, term: 1, seqs: []uint64{1, 2}},
			{index: 2, term: 2, seqs: []uint64{3, 4}},
			{index: 3, term: 2, checkpoint: &[2]uint64{3, h}},
			{commit: 3},
		})
		res, err := replay.Run(replay.Options{Dir: d, Engine: testConfig(), Verify: true})
		if good && (err != nil || res.Checkpoints != 1) {
			t.Errorf("good checkpoint: %d verified, %v", res.Checkpoints, err)
		}
		if !good && (err == nil || !strings.Contains(err.Error(), "state diverged")) {
			t.Errorf("bad checkpoint: %v", err)
		}
	}

	d := t.TempDir()
	writeRaftJournal(t, d, []raftRecord{{index: 5, term: 2, seqs: []uint64{9}}, {commit: 5}})
	if _, err := replay.Run(replay.Options{Dir: d, Engine: testConfig()}); err == nil || !strings.Contains(err.Error(), "received a raft snapshot") {
		t.Errorf("a log starting at index 5: %v", err)
	}
	if _, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), FromSnapshot: true}); err == nil {
		t.Error("FromSnapshot on a cluster directory: no error")
	}
}
