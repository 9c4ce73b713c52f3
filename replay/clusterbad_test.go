package replay_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/replay"
)

// rec is one journal record for writeRaw.
type rec struct {
	typ     journal.RecordType
	payload []byte
}

// entry is a raft entry record at index i (term 1) holding data.
func entry(i uint64, data []byte) rec {
	b, _ := proto.Marshal(&raftpb.Entry{Index: new(i), Term: new(uint64(1)), Type: raftpb.EntryNormal.Enum(), Data: data})
	return rec{journal.TypeRaftEntry, b}
}

// hardState is a HardState record committing up to commit.
func hardState(commit uint64) rec {
	b, _ := proto.Marshal(&raftpb.HardState{Term: new(uint64(1)), Vote: new(uint64(1)), Commit: new(commit)})
	return rec{journal.TypeRaftState, b}
}

// commands is a batch of new orders at seqs from..to.
func commands(from, to uint64) []byte {
	g := testGen{r: rand.New(rand.NewPCG(from, from))}
	var b []byte
	for s := from; s <= to; s++ {
		c := g.next(s)
		c.Kind = engine.KindNew
		b = cluster.AppendCommand(b, &c)
	}
	return b
}

// writeRaw writes recs as the journal of a fresh data directory.
func writeRaw(t *testing.T, recs ...rec) string {
	t.Helper()
	dir := t.TempDir()
	w, _, err := journal.Open(journal.Options{Dir: datadir.JournalDir(dir)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Append(r.typ, r.payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runDir(dir string, verify bool) (replay.Result, error) {
	return replay.Run(replay.Options{Dir: dir, Engine: testConfig(), Verify: verify})
}

// TestClusterJournalItems: kind 3 (leader) items, conf changes and empty
// entries are passed over; checkpoint items are verified, and a wrong one is
// the checkpoint mismatch error naming the raft index.
func TestClusterJournalItems(t *testing.T) {
	// A leader item as RAFTWIRE.md decision 4 has it: node u64 | FIX address.
	leader := binary.LittleEndian.AppendUint64([]byte{3, 8 + 14}, 2)
	leader = append(leader, "127.0.0.1:5102"...)
	b2 := append(append(commands(3, 4), leader...), commands(5, 5)...)
	cc, _ := proto.Marshal(&raftpb.ConfChange{Type: raftpb.ConfChangeAddNode.Enum(), NodeId: new(uint64(4))})
	ccRec, _ := proto.Marshal(&raftpb.Entry{Index: new(uint64(4)), Term: new(uint64(1)), Type: raftpb.EntryConfChange.Enum(), Data: cc})

	// The state hash after seq 4, for a correct checkpoint.
	eng, _ := engine.New(testConfig())
	out := engine.NewEvents(64)
	var it cluster.Items
	for _, b := range [][]byte{commands(1, 2), commands(3, 4)} {
		it.Reset(b)
		for it.Next() {
			var c engine.Command
			if err := it.Command(&c); err != nil {
				t.Fatal(err)
			}
			eng.Apply(&c, out)
		}
	}
	good := eng.StateHash()
	for _, tt := range []struct {
		name string
		hash uint64
		err  string
	}{{"matching", good, ""}, {"mismatch", good ^ 1, "differs from checkpoint"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRaw(t, entry(1, nil), entry(2, commands(1, 2)), entry(3, b2), rec{journal.TypeRaftEntry, ccRec},
				entry(5, cluster.AppendCheckpoint(leader, 4, tt.hash)), hardState(5), entry(6, commands(6, 6)))
			res, err := runDir(dir, true)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "raft index 5") {
					t.Fatalf("got %v, want %q at raft index 5", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Commands != 5 || res.LastSeq != 5 || res.Checkpoints != 1 || res.Raft.Leader != 2 ||
				res.Raft.Pending != 1 || res.Raft.Commit != 5 || res.Raft.LastIndex != 6 {
				t.Fatalf("result %+v, raft %+v", res, *res.Raft)
			}
			if note := res.Raft.PendingNote(); note != "1 entries after the last commit index 5: not known committed on this node (not replayed)" {
				t.Fatalf("note %q", note)
			}
		})
	}
}

// TestClusterJournalErrors: damage, a gap, a mixed journal, bad items and
// seqs are errors naming the position; never a silent skip.
func TestClusterJournalErrors(t *testing.T) {
	cmd1 := commands(1, 1)
	for _, tt := range []struct {
		name string
		recs []rec
		want []string
	}{
		{"gap", []rec{entry(1, cmd1), entry(3, nil), hardState(1)}, []string{"entries 2 to 2 are missing", "segment 1 offset"}},
		{"command record in a raft log", []rec{entry(1, cmd1), {journal.TypeCommand, make([]byte, engine.CommandSize)}, hardState(1)},
			[]string{"record of type command in a raft log", "segment 1 offset"}},
		{"unknown item kind", []rec{entry(1, cmd1), entry(2, append(commands(2, 2), 9, 0)), hardState(2)},
			[]string{"raft index 2, byte " + strconv.Itoa(len(commands(2, 2))), "unknown item kind 9", "journal segment 1 offset"}},
		{"truncated item", []rec{entry(1, cmd1[:len(cmd1)-1]), hardState(1)}, []string{"raft index 1, byte 1", "runs past the end"}},
		{"leader item overlong", []rec{entry(1, []byte{3, 9, 1}), hardState(1)}, []string{"raft index 1, byte ", "journal segment 1 offset"}},
		{"seq goes back", []rec{entry(1, commands(2, 3)), entry(2, commands(3, 3)), hardState(2)}, []string{"raft index 2, byte 0", "seq 3 does not follow the seq 3"}},
		{"checkpoint ahead", []rec{entry(1, cluster.AppendCheckpoint(cmd1, 2, 0)), hardState(1)}, []string{"raft index 1", "checkpoint for seq 2, past"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runDir(writeRaw(t, tt.recs...), false)
			if err == nil {
				t.Fatal("replayed")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestClusterJournalDamaged: a flipped byte inside a record of a real node's
// journal is an error with the segment and offset, from replay and from
// recovery alike.
func TestClusterJournalDamaged(t *testing.T) {
	c := newTestCluster(t, 3, 5, 10, 1000, false)
	c.run(10)
	c.settle()
	c.crashAll()
	nd := c.nodes[0]
	seg := filepath.Join(datadir.JournalDir(nd.dir), "00000000000000000001.log")
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = replay.Run(replay.Options{Dir: nd.dir, Engine: c.cfg})
	if !errors.Is(err, journal.ErrCorrupt) || !strings.Contains(err.Error(), "segment 1") || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("replay of a damaged journal: %v", err)
	}
	if _, _, err := raftlog.Open(raftlog.Options{JournalDir: datadir.JournalDir(nd.dir), SnapshotDir: datadir.SnapshotDir(nd.dir)}); !errors.Is(err, journal.ErrCorrupt) {
		t.Fatalf("raftlog.Open of a damaged journal: %v", err)
	}
}

// TestSingleNodeJournalRefusesRaft: a raft record in a single node's journal
// is an error naming it, and datadir.Recover refuses a cluster node's journal.
func TestSingleNodeJournalRefusesRaft(t *testing.T) {
	cmd := engine.Command{Seq: 1, Kind: engine.KindNew, Owner: 1, Side: engine.Buy, Type: engine.Limit, Price: 100, Qty: 1}
	cmd.ClOrdID, _ = engine.MakeID("a")
	dir := writeRaw(t, rec{journal.TypeCommand, engine.AppendCommand(nil, &cmd)}, entry(1, nil))
	_, err := runDir(dir, false)
	if err == nil || !strings.Contains(err.Error(), "raft entry record at segment 1 offset") ||
		!strings.Contains(err.Error(), "not both") {
		t.Fatalf("mixed journal: %v", err)
	}
	dir = writeRaw(t, entry(1, commands(1, 2)), hardState(1))
	if _, err := datadir.Recover(dir, testConfig()); !errors.Is(err, datadir.ErrClusterJournal) || !strings.Contains(err.Error(), "segment 1 offset") {
		t.Fatalf("Recover of a cluster journal: %v", err)
	}
	if isCluster, err := datadir.JournalKind(dir); err != nil || !isCluster {
		t.Fatalf("JournalKind: %v %v", isCluster, err)
	}
}
