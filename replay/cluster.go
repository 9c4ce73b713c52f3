package replay

import (
	"errors"
	"fmt"
	"io"

	"github.com/cespare/xxhash/v2"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// A cluster node's data directory (issue 14) holds the raft log in its
// journal: raft entries (each a batch of commands, checkpoints and leader
// items in package cluster's entry format) and HardStates, with raft's
// overwrite rule (a later entry at an index replaces the earlier ones from
// that index on; package cluster/raftlog). Run recognises such a journal by
// its first record and replays the committed entries (up to the last
// HardState's commit index) from raft index 1 through cluster.EngineApplier,
// the live matcher's applier: the same commands in the same order as on every
// other node, so every node's directory replays to the same StateHash and
// EventsHash. Each node's journal keeps every segment, so the whole log is
// there, except on a node that received a raft snapshot from its leader (it
// fell too far behind): the entries before it never reached its journal, and
// Run says so and names the index instead of replaying a partial history.
// FromSnapshot is not supported on a cluster directory; Verify compares
// every checkpoint item with the replayed state at its Seq.

// clusterJournal reports whether the journal in jdir is a raft log (its first
// record is a raft entry or HardState).
func clusterJournal(jdir string) (bool, error) {
	r, err := journal.OpenReader(jdir)
	if err != nil {
		return false, err
	}
	defer r.Close()
	rec, err := r.Next()
	if err != nil {
		if err == io.EOF {
			return false, nil
		}
		var torn *journal.TornTailError
		if errors.As(err, &torn) {
			return false, nil
		}
		return false, err
	}
	return rec.Type == journal.TypeRaftEntry || rec.Type == journal.TypeRaftState, nil
}

// committedEntries reads a raft log's journal: the entries from index 1 that
// survive the overwrite rule, cut at the last HardState's commit index.
func committedEntries(jdir string) ([]*pb.Entry, error) {
	r, err := journal.OpenReader(jdir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var ents []*pb.Entry
	var commit uint64
	for {
		rec, err := r.Next()
		if err != nil {
			var torn *journal.TornTailError
			if err == io.EOF || errors.As(err, &torn) {
				break
			}
			return nil, err
		}
		where := fmt.Sprintf("journal segment %d offset %d (record %d)", rec.Segment, rec.Offset, rec.Index)
		switch rec.Type {
		case journal.TypeRaftState:
			hs := &pb.HardState{}
			if err := proto.Unmarshal(rec.Payload, hs); err != nil {
				return nil, fmt.Errorf("%s: HardState does not decode: %w", where, err)
			}
			commit = max(commit, hs.GetCommit())
		case journal.TypeRaftEntry:
			e := &pb.Entry{}
			if err := proto.Unmarshal(rec.Payload, e); err != nil {
				return nil, fmt.Errorf("%s: raft entry does not decode: %w", where, err)
			}
			i := e.GetIndex()
			switch {
			case i == 0:
				return nil, fmt.Errorf("%s: raft entry with index 0", where)
			case i > uint64(len(ents))+1 && len(ents) == 0:
				return nil, fmt.Errorf("%s: the raft log starts at index %d, not 1: this node received a raft snapshot from its leader and its journal does not hold the entries before it; replay another node's data directory", where, i)
			case i > uint64(len(ents))+1:
				return nil, fmt.Errorf("%s: raft entry %d follows entry %d: entries are missing (or the node received a raft snapshot from its leader: replay another node's data directory)", where, i, len(ents))
			}
			ents = append(ents[:i-1], e)
		default:
			return nil, fmt.Errorf("%s: record of type %s in a raft log", where, rec.Type)
		}
	}
	if commit > uint64(len(ents)) {
		return nil, fmt.Errorf("replay: the last HardState commits raft index %d, the journal holds entries up to %d", commit, len(ents))
	}
	return ents[:commit], nil
}

// runCluster is Run on a cluster node's data directory.
func runCluster(opts Options, jdir string) (Result, error) {
	var res Result
	if opts.FromSnapshot {
		return res, errors.New("replay: -from-snapshot is not supported on a cluster node's data directory (replay it from raft index 1)")
	}
	ents, err := committedEntries(jdir)
	if err != nil {
		return res, fmt.Errorf("replay: %w", err)
	}
	eng, err := engine.New(opts.Engine)
	if err != nil {
		return res, fmt.Errorf("replay: %w", err)
	}
	res.Engine = eng
	// Checkpoint items name a Seq and the proposer's state hash there; with
	// Verify, the state hash is computed at each such Seq as it passes.
	var it cluster.Items
	var want map[uint64][]uint64
	if opts.Verify {
		want = map[uint64][]uint64{}
		for _, e := range ents {
			if e.GetType() != pb.EntryNormal {
				continue
			}
			for it.Reset(e.GetData()); it.Next(); {
				if it.Kind() == cluster.ItemCheckpoint {
					seq, h, _ := it.Checkpoint()
					want[seq] = append(want[seq], h)
				}
			}
		}
	}
	events := xxhash.New()
	var evbuf [engine.EventSize]byte
	out := engine.NewEvents(1024)
	var cmd engine.Command
	finish := func() (Result, error) {
		res.StateHash = eng.StateHash()
		res.EventsHash = events.Sum64()
		return res, nil
	}
	for _, e := range ents {
		if e.GetType() != pb.EntryNormal {
			continue // raft's empty entries and conf changes
		}
		for it.Reset(e.GetData()); it.Next(); {
			if it.Kind() != cluster.ItemCommand {
				continue
			}
			if err := it.Command(&cmd); err != nil {
				return res, fmt.Errorf("replay: raft index %d: %w", e.GetIndex(), err)
			}
			if cmd.Seq <= eng.LastSeq() {
				return res, fmt.Errorf("replay: raft index %d: command seq %d does not follow the last applied seq %d", e.GetIndex(), cmd.Seq, eng.LastSeq())
			}
			if opts.StopTime != 0 && cmd.Time > opts.StopTime {
				return finish()
			}
			out.Reset()
			eng.Apply(&cmd, out)
			res.Commands++
			res.LastSeq, res.LastTime = cmd.Seq, cmd.Time
			for i := 0; i < out.Len(); i++ {
				ev := out.At(i)
				_, _ = events.Write(engine.AppendEvent(evbuf[:0], ev))
				if opts.OnEvent != nil {
					if err := opts.OnEvent(ev); err != nil {
						return res, err
					}
				}
			}
			if hs, ok := want[cmd.Seq]; ok {
				got := eng.StateHash()
				for _, h := range hs {
					if h != got {
						return res, fmt.Errorf("replay: %w", &cluster.DivergenceError{Index: e.GetIndex(), Seq: cmd.Seq, Proposer: h, Local: got})
					}
					res.Checkpoints++
				}
			}
			if opts.StopSeq != 0 && cmd.Seq >= opts.StopSeq {
				return finish()
			}
		}
		if err := it.Err(); err != nil {
			return res, fmt.Errorf("replay: raft index %d: %w", e.GetIndex(), err)
		}
	}
	return finish()
}
