package replay_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/replay"
)

// replayNode replays a node's data directory, failing the test on error.
func replayNode(t *testing.T, c *testCluster, nd *testNode, opts replay.Options) replay.Result {
	t.Helper()
	opts.Dir, opts.Engine = nd.dir, c.cfg
	res, err := replay.Run(opts)
	if err != nil {
		t.Fatalf("node %d: %v", nd.id, err)
	}
	if res.Raft == nil {
		t.Fatalf("node %d: no raft log in the result", nd.id)
	}
	return res
}

// TestClusterJournalsReplayAlike builds three nodes' data directories through
// leader changes, a crash and a restart, and an isolated leader whose
// uncommitted suffix the next leader overwrites, and stops with entries past
// some node's commit index; then every node's directory replays to the
// state its EngineApplier had, all agree over the committed prefix they
// share, and once caught up all agree entirely.
func TestClusterJournalsReplayAlike(t *testing.T) {
	c := newTestCluster(t, 3, 7, 10, 1000, false)
	old := c.run(12)

	// The leader is cut off and proposes batches it can never commit.
	c.cut[old.id] = true
	for range 3 {
		c.propose(old, 2)
		c.deliver()
	}
	second := c.run(10)
	if second == old {
		t.Fatal("the cut-off leader still serves")
	}
	// A follower crashes and restarts; more commands meanwhile.
	var follower *testNode
	for _, nd := range c.nodes {
		if nd != old && nd != second {
			follower = nd
		}
	}
	c.crash(follower)
	c.propose(second, 3)
	c.step()
	c.start(follower)
	c.run(6)
	// The old leader comes back: its suffix is overwritten.
	delete(c.cut, old.id)
	c.settle()
	// Another leader change.
	ld := c.leader()
	c.cut[ld.id] = true
	c.run(8)
	delete(c.cut, ld.id)
	c.settle()
	c.run(5)

	// Last: a batch the leader sends and the followers journal, but whose
	// commit nobody learns before everyone crashes.
	ld = c.leader()
	c.settle()
	c.propose(ld, 3)
	c.process()   // the leader saves it and sends MsgApp
	c.deliver()   // followers save it and answer
	c.deliver()   // the leader commits and applies it
	c.queue = nil // the followers never learn
	applied := map[uint64]uint64{}
	for _, nd := range c.nodes {
		applied[nd.id] = nd.app.Engine().StateHash()
	}
	c.crashAll()

	results := make([]replay.Result, len(c.nodes))
	minSeq := ^uint64(0)
	pending, overwritten := 0, 0
	for i, nd := range c.nodes {
		res := replayNode(t, c, nd, replay.Options{Verify: true})
		results[i] = res
		if res.StateHash != applied[nd.id] {
			t.Errorf("node %d: replay state hash %016x, its engine had %016x", nd.id, res.StateHash, applied[nd.id])
		}
		if res.Checkpoints == 0 || res.Snapshots == 0 {
			t.Errorf("node %d: verified %d checkpoints and %d snapshots, want some of each", nd.id, res.Checkpoints, res.Snapshots)
		}
		if res.Raft.Pending > 0 {
			pending++
			if res.Raft.PendingNote() == "" {
				t.Errorf("node %d: no note for %d pending entries", nd.id, res.Raft.Pending)
			}
		}
		if res.Raft.Overwritten > 0 {
			overwritten++
		}
		if res.Raft.LastIndex != res.Raft.Commit+res.Raft.Pending || res.Raft.Term == 0 || !res.Raft.Complete {
			t.Errorf("node %d: raft position %+v", nd.id, *res.Raft)
		}
		minSeq = min(minSeq, res.LastSeq)
	}
	if lr := results[ld.id-1]; lr.LastSeq == minSeq || lr.Raft.Pending != 0 {
		t.Errorf("the last leader replayed to seq %d with %d pending entries, want past the followers' seq %d and none", lr.LastSeq, lr.Raft.Pending, minSeq)
	}
	if pending == 0 || overwritten == 0 {
		t.Fatalf("%d journals with entries past their commit and %d with an overwritten suffix, want both", pending, overwritten)
	}
	if results[old.id-1].Raft.Overwritten == 0 {
		t.Errorf("the old leader's suffix was not overwritten: %+v", *results[old.id-1].Raft)
	}
	// Over the prefix they share, every node replays to the same state and events.
	var want replay.Result
	for i, nd := range c.nodes {
		res := replayNode(t, c, nd, replay.Options{StopSeq: minSeq})
		if i == 0 {
			want = res
			continue
		}
		if res.LastSeq != minSeq || res.StateHash != want.StateHash || res.EventsHash != want.EventsHash {
			t.Errorf("node %d to seq %d: seq %d state %016x events %016x, node 1: seq %d state %016x events %016x",
				nd.id, minSeq, res.LastSeq, res.StateHash, res.EventsHash, want.LastSeq, want.StateHash, want.EventsHash)
		}
	}

	// Caught up, all agree on everything.
	for _, nd := range c.nodes {
		c.start(nd)
	}
	c.leader()
	c.settle()
	for _, nd := range c.nodes {
		applied[nd.id] = nd.app.Engine().StateHash()
	}
	c.crashAll()
	for i, nd := range c.nodes {
		res := replayNode(t, c, nd, replay.Options{Verify: true})
		if res.StateHash != applied[nd.id] {
			t.Errorf("node %d after catching up: replay state hash %016x, its engine had %016x", nd.id, res.StateHash, applied[nd.id])
		}
		if i == 0 {
			want = res
		} else if res.LastSeq != want.LastSeq || res.StateHash != want.StateHash || res.EventsHash != want.EventsHash || res.Commands != want.Commands {
			t.Errorf("node %d: %d commands to seq %d state %016x events %016x; node 1: %d to %d, %016x %016x", nd.id,
				res.Commands, res.LastSeq, res.StateHash, res.EventsHash, want.Commands, want.LastSeq, want.StateHash, want.EventsHash)
		}
		if res.LastSeq <= minSeq {
			t.Errorf("node %d: caught up at seq %d, not past %d", nd.id, res.LastSeq, minSeq)
		}
		// From the newest raft snapshot, the same end state.
		fs := replayNode(t, c, nd, replay.Options{FromSnapshot: true})
		if fs.FromSnapshot == 0 || fs.Raft.SnapshotPath == "" || fs.StateHash != res.StateHash || fs.Commands >= res.Commands {
			t.Errorf("node %d from a snapshot: from seq %d (%s), %d commands, state %016x; want a snapshot and %016x",
				nd.id, fs.FromSnapshot, fs.Raft.SnapshotPath, fs.Commands, fs.StateHash, res.StateHash)
		}
	}
}

// eventsAfter hashes the events of a replay of nd whose Seq is after seq, as
// replay's EventsHash does.
func eventsAfter(t *testing.T, c *testCluster, nd *testNode, seq uint64) uint64 {
	t.Helper()
	h := xxhash.New()
	var buf [engine.EventSize]byte
	replayNode(t, c, nd, replay.Options{OnEvent: func(ev *engine.Event) error {
		if ev.Seq > seq {
			_, _ = h.Write(engine.AppendEvent(buf[:0], ev))
		}
		return nil
	}})
	return h.Sum64()
}

// TestClusterReceivedSnapshot: a node cut off while the leader compacts its
// log catches up from a raft snapshot (ApplySnapshot); its journal lacks the
// log before it, so its replay starts there, and reaches the others' state
// with the others' events after the snapshot.
func TestClusterReceivedSnapshot(t *testing.T) {
	c := newTestCluster(t, 3, 11, 8, 2, true)
	c.run(5)
	ld := c.leader()
	c.settle()
	var lag *testNode
	for _, nd := range c.nodes {
		if nd != ld {
			lag = nd
		}
	}
	c.cut[lag.id] = true
	c.run(40)
	delete(c.cut, lag.id)
	c.settle()
	c.crashAll()
	res := replayNode(t, c, lag, replay.Options{})
	if !res.Raft.Received || res.FromSnapshot == 0 {
		t.Fatalf("the lagging node's replay did not start from a received snapshot: %+v", *res.Raft)
	}
	other := c.nodes[0]
	if other == lag {
		other = c.nodes[1]
	}
	full := replayNode(t, c, other, replay.Options{})
	if full.Raft.Received || full.FromSnapshot != 0 {
		t.Fatalf("node %d started from a snapshot: %+v", other.id, *full.Raft)
	}
	if res.StateHash != full.StateHash || res.LastSeq != full.LastSeq {
		t.Fatalf("lagging node: seq %d state %016x; node %d: seq %d state %016x", res.LastSeq, res.StateHash, other.id, full.LastSeq, full.StateHash)
	}
	if want := eventsAfter(t, c, other, res.FromSnapshot); res.EventsHash != want {
		t.Fatalf("lagging node's events after seq %d hash to %016x, node %d's to %016x", res.FromSnapshot, res.EventsHash, other.id, want)
	}
	if _, err := replay.Run(replay.Options{Dir: lag.dir, Engine: c.cfg, StopSeq: 1}); err == nil || !strings.Contains(err.Error(), "cannot stop at seq 1") {
		t.Fatalf("a stop before the received snapshot: %v", err)
	}
	if _, err := replay.Run(replay.Options{Dir: lag.dir, Engine: c.cfg, FromSnapshot: true, SnapshotAtOrBefore: 1}); err == nil ||
		!strings.Contains(err.Error(), "past the point asked for") {
		t.Fatalf("a snapshot at or before seq 1: %v", err)
	}
	if _, _, err := run(t, "-data", lag.dir, "-md"); err == nil || !strings.Contains(err.Error(), "cannot be replayed from the first command") {
		t.Fatalf("-md on a node that received a snapshot: %v", err)
	}
	// The others' directories serve those.
	if _, _, err := run(t, "-data", other.dir, "-md"); err != nil {
		t.Fatal(err)
	}
	if fs := replayNode(t, c, other, replay.Options{FromSnapshot: true, SnapshotAtOrBefore: res.FromSnapshot}); fs.StateHash != full.StateHash {
		t.Fatalf("node %d from a snapshot at or before seq %d: state %016x", other.id, res.FromSnapshot, fs.StateHash)
	}
}

var clusterSummary = regexp.MustCompile(`^commands=(\d+) state_hash=([0-9a-f]{16}) events_hash=([0-9a-f]{16}) raft_last=(\d+) raft_commit=(\d+) raft_term=(\d+)$`)

// TestCLIClusterNode: cmd/replay works unchanged on a cluster node's data
// directory (-events with decimal prices, -book, -md, -verify,
// -from-snapshot) and its summary line names the node's raft position; a
// node with entries past its commit index says so on stderr.
func TestCLIClusterNode(t *testing.T) {
	c := newTestCluster(t, 3, 21, 10, 1000, true)
	c.run(20)
	ld := c.leader()
	c.settle()
	c.propose(ld, 2)
	c.process()
	c.deliver()
	c.queue = nil
	c.crashAll()
	var follower *testNode
	for _, nd := range c.nodes {
		if nd != ld {
			follower = nd
		}
	}
	out, stderr, err := run(t, "-data", follower.dir)
	if err != nil {
		t.Fatal(err)
	}
	m := clusterSummary.FindStringSubmatch(lastLine(out))
	if m == nil {
		t.Fatalf("last line %q", lastLine(out))
	}
	res := replayNode(t, c, follower, replay.Options{ReadToEnd: true})
	if want := fmt.Sprintf("commands=%d state_hash=%016x events_hash=%016x raft_last=%d raft_commit=%d raft_term=%d", res.Commands,
		res.StateHash, res.EventsHash, res.Raft.LastIndex, res.Raft.Commit, res.Raft.Term); lastLine(out) != want {
		t.Fatalf("summary %q, want %q", lastLine(out), want)
	}
	if res.Raft.Pending == 0 || !strings.Contains(stderr, res.Raft.PendingNote()) {
		t.Fatalf("pending %d, stderr %q", res.Raft.Pending, stderr)
	}
	var events int
	replayNode(t, c, follower, replay.Options{OnEvent: func(*engine.Event) error { events++; return nil }})
	ev, _, err := run(t, "-data", follower.dir, "-events")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(ev, "\n"), "\n")
	var first replay.EventJSON
	if len(lines)-1 != events || json.Unmarshal([]byte(lines[0]), &first) != nil || first.Seq != 1 || !strings.Contains(first.Price, ".") {
		t.Fatalf("%d event lines for %d events; first %q", len(lines)-1, events, lines[0])
	}
	if lastLine(ev) != lastLine(out) {
		t.Fatalf("summary differs with -events: %q vs %q", lastLine(ev), lastLine(out))
	}
	book, _, err := run(t, "-data", follower.dir, "-stop-seq", "20", "-book", "-symbol", "AAPL")
	if err != nil || !strings.HasPrefix(book, "book AAPL\n") {
		t.Fatalf("book: %v\n%s", err, book)
	}
	if m := clusterSummary.FindStringSubmatch(lastLine(book)); m == nil || m[1] != "20" || m[4] != strconv.FormatUint(res.Raft.LastIndex, 10) {
		t.Fatalf("stopped replay summary %q", lastLine(book))
	}
	md, _, err := run(t, "-data", follower.dir, "-md")
	if err != nil || !strings.HasPrefix(md, "{") {
		t.Fatalf("-md: %v\n%.200s", err, md)
	}
	_, stderr, err = run(t, "-data", follower.dir, "-verify")
	if err != nil || !regexp.MustCompile(`verified [1-9]\d* checkpoints and [1-9]\d* snapshots`).MatchString(stderr) {
		t.Fatalf("verify: %v %q", err, stderr)
	}
	fs, _, err := run(t, "-data", follower.dir, "-from-snapshot")
	if m2 := clusterSummary.FindStringSubmatch(lastLine(fs)); err != nil || m2 == nil || m2[2] != m[2] || m2[1] == m[1] {
		t.Fatalf("-from-snapshot: %v %q (full: %q)", err, lastLine(fs), lastLine(out))
	}
}
