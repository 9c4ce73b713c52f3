package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/cluster/raftlog"
	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// JournalOptions says which cluster node's data directory OpenJournal reads
// and where it starts.
type JournalOptions struct {
	// Dir is the node's data directory.
	Dir string
	// Engine is the configuration the node ran with (its engine.json).
	Engine engine.Config
	// FromSnapshot starts from the newest raft snapshot that verifies and
	// restores (at or before MaxSeq, when set) instead of the first entry.
	// The reading starts at a raft snapshot in any case when the node
	// received one from its leader: the log before it is not in its journal.
	FromSnapshot bool
	// MaxSeq, when not 0 with FromSnapshot, passes over the snapshots whose
	// engine is past this Seq; past one the node received from its leader
	// OpenJournal fails (the log before it is not in the journal).
	MaxSeq uint64
}

// JournalReader reads the commands and checkpoints of a cluster node's data
// directory, in the order the node applied them: the committed entries of
// its raft log (raftlog.ReadCommitted: the overwrite rule, only entries a
// HardState committed) taken apart into items. It is what replay runs on a
// cluster node's directory; it never writes, so it reads a live directory or
// a copy alike. It is not safe for concurrent use.
//
// Conf changes and raft's empty entries hold no command and are passed over.
// Kind 3 items (the leader's advertised FIX address, RAFTWIRE.md decision 4)
// carry no engine state and are skipped; while package cluster's Items does
// not know the kind yet, the reader steps over its framing itself
// (leaderSkip). Any other unknown kind, a malformed item, or a command whose
// Seq does not exceed the one before it is an error naming the raft index,
// the byte offset in the entry and the journal record. Seqs may skip (a
// batch raft dropped after the sequencer numbered it), as EngineApplier
// allows.
type JournalReader struct {
	rd    *raftlog.Reader
	eng   *engine.Engine
	last  uint64 // Seq of the last command returned
	entry *pb.Entry
	data  []byte // the current entry's data
	pos   int    // offset of the next item in data
	at    int    // offset of the current item
	it    Items
	seqCk uint64
	hash  uint64
	err   error // sticky

	// Entries counts the committed entries read; Commands the commands
	// returned; Checkpoints the checkpoint items; Leader the kind 3 items
	// skipped; Other the entries without commands (raft's empty entries
	// and conf changes).
	Entries, Commands, Checkpoints, Leader, Other int
}

// OpenJournal opens the cluster journal in o.Dir for reading and restores
// the starting engine (Engine) from the chosen raft snapshot, through
// RestoreEngine. A snapshot that does not restore under o.Engine is treated
// as damaged, as raftlog treats one that fails its checksum.
func OpenJournal(o JournalOptions) (*JournalReader, error) {
	var eng *engine.Engine
	accept := func(f raftlog.SnapshotFile, s *pb.Snapshot) (bool, string) {
		e, err := RestoreEngine(o.Engine, f.Index, s.GetData())
		if err != nil {
			return false, err.Error()
		}
		if o.FromSnapshot && o.MaxSeq != 0 && e.LastSeq() > o.MaxSeq {
			return false, "" // a received one: raftlog refuses to start before it
		}
		eng = e
		return true, ""
	}
	rd, err := raftlog.ReadCommitted(raftlog.ReadOptions{
		JournalDir:   datadir.JournalDir(o.Dir),
		SnapshotDir:  datadir.SnapshotDir(o.Dir),
		FromSnapshot: o.FromSnapshot,
		Accept:       accept,
	})
	if err != nil {
		return nil, err
	}
	if f, _ := rd.Snapshot(); f.Path == "" {
		if eng, err = engine.New(o.Engine); err != nil {
			rd.Close()
			return nil, fmt.Errorf("cluster: %w", err)
		}
	}
	return &JournalReader{rd: rd, eng: eng, last: eng.LastSeq()}, nil
}

// Engine is the starting engine: restored from Snapshot, or new. The caller
// applies the commands Next returns to it.
func (r *JournalReader) Engine() *engine.Engine { return r.eng }

// Snapshot is the raft snapshot the reading starts after (Path "": none).
func (r *JournalReader) Snapshot() raftlog.SnapshotFile {
	f, _ := r.rd.Snapshot()
	return f
}

// Raft describes the raft log read (the snapshot, the damaged snapshots
// skipped, the entries, the HardState); complete once Next returned io.EOF.
func (r *JournalReader) Raft() raftlog.Recovery { return r.rd.Recovery() }

// Pending is the number of entries after the last commit index, not known
// committed on this node and so not read (once Next returned io.EOF).
func (r *JournalReader) Pending() uint64 { return r.rd.Pending() }

// Torn is the torn tail the journal ended in (nil: a clean end).
func (r *JournalReader) Torn() *journal.TornTailError { return r.rd.Torn() }

// Next reads the next command (into cmd; it returns ItemCommand) or
// checkpoint item (ItemCheckpoint; Checkpoint has it). At the end of the
// committed entries it returns io.EOF (Raft, Pending and Torn are then
// complete); any other error is damage, returned again by later calls.
func (r *JournalReader) Next(cmd *engine.Command) (ItemKind, error) {
	if r.err != nil {
		return 0, r.err
	}
	k, err := r.next(cmd)
	if err != nil {
		r.err = err
	}
	return k, err
}

func (r *JournalReader) next(cmd *engine.Command) (ItemKind, error) {
	for {
		if r.entry == nil || r.pos >= len(r.data) {
			if err := r.nextEntry(); err != nil {
				return 0, err
			}
			continue
		}
		kind, err := r.item()
		if err != nil {
			return 0, err
		}
		switch kind {
		case 0: // the entry ended in kind 3 items
		case ItemCommand:
			if err := r.it.Command(cmd); err != nil {
				return 0, r.fail(err)
			}
			if cmd.Seq <= r.last {
				return 0, r.errorf("command seq %d does not follow the seq %d before it", cmd.Seq, r.last)
			}
			r.last = cmd.Seq
			r.Commands++
			return ItemCommand, nil
		case ItemCheckpoint:
			r.seqCk, r.hash, _ = r.it.Checkpoint()
			if r.seqCk > r.last {
				return 0, r.errorf("checkpoint for seq %d, past the last command's seq %d", r.seqCk, r.last)
			}
			r.Checkpoints++
			return ItemCheckpoint, nil
		default:
			r.Leader++ // kind 3, once Items knows it
		}
	}
}

// nextEntry moves to the next committed entry with items.
func (r *JournalReader) nextEntry() error {
	for {
		e, err := r.rd.Next()
		if err != nil {
			r.entry = nil
			return err
		}
		r.Entries++
		switch e.GetType() {
		case pb.EntryNormal:
		case pb.EntryConfChange, pb.EntryConfChangeV2:
			r.Other++
			continue
		default:
			at := r.rd.Position()
			return fmt.Errorf("cluster: raft entry %d of unknown type %d (journal segment %d offset %d)",
				e.GetIndex(), e.GetType(), at.Segment, at.Offset)
		}
		if len(e.GetData()) == 0 {
			r.Other++
			continue
		}
		r.entry, r.data, r.pos = e, e.GetData(), 0
		return nil
	}
}

// item frames the item at r.pos, stepping over kind 3 items Items does not
// know, and returns its kind.
func (r *JournalReader) item() (ItemKind, error) {
	for r.pos < len(r.data) && ItemKind(r.data[r.pos]) == itemLeader && !itemsKnowLeader {
		n, w := binary.Uvarint(r.data[r.pos+1:])
		if w <= 0 || n > uint64(len(r.data)-r.pos-1-w) {
			r.at = r.pos
			return 0, r.errorf("kind %d item with a bad or overlong length", itemLeader)
		}
		r.pos += 1 + w + int(n)
		r.Leader++
	}
	if r.pos >= len(r.data) {
		return 0, nil // only leader items left: the caller moves on
	}
	r.at = r.pos
	r.it.Reset(r.data[r.pos:])
	if !r.it.Next() {
		return 0, r.fail(r.it.Err())
	}
	r.pos += r.itemLen()
	return r.it.Kind(), nil
}

// itemLen is the framed length of the current item.
func (r *JournalReader) itemLen() int {
	n := len(r.it.Payload())
	return 1 + uvarintLen(uint64(n)) + n
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// fail turns an error of Items (an *EntryError at an offset in the item)
// into one naming the raft index, the offset in the entry and the record.
func (r *JournalReader) fail(err error) error {
	var ee *EntryError
	if errors.As(err, &ee) {
		return r.errorAt(r.at+ee.Offset, ee.Reason)
	}
	return r.errorAt(r.at, err.Error())
}

func (r *JournalReader) errorf(format string, args ...any) error {
	return r.errorAt(r.at, fmt.Sprintf(format, args...))
}

func (r *JournalReader) errorAt(off int, reason string) error {
	at := r.rd.Position()
	return fmt.Errorf("%w (journal segment %d offset %d)",
		&EntryError{Index: r.entry.GetIndex(), Offset: off, Reason: reason}, at.Segment, at.Offset)
}

// Checkpoint is the checkpoint item Next returned last: the proposer's
// state hash after seq.
func (r *JournalReader) Checkpoint() (seq, stateHash uint64) { return r.seqCk, r.hash }

// Where is the raft index of the entry holding the item Next returned last
// and the item's byte offset in that entry's data.
func (r *JournalReader) Where() (index uint64, offset int) { return r.entry.GetIndex(), r.at }

// Position is the journal record of the entry holding the last item.
func (r *JournalReader) Position() journal.Record { return r.rd.Position() }

// Close releases the reader.
func (r *JournalReader) Close() error { return r.rd.Close() }

// String describes the raft position read, for a summary line: "raft last
// index L commit C term T" (complete once Next returned io.EOF).
func (r *JournalReader) String() string {
	rec := r.rd.Recovery()
	return "raft last index " + strconv.FormatUint(rec.LastIndex, 10) + " commit " +
		strconv.FormatUint(rec.Commit, 10) + " term " + strconv.FormatUint(rec.Term, 10)
}

// itemLeader is the kind of RAFTWIRE.md's "leader" item (decision 4).
const itemLeader ItemKind = 3

// itemsKnowLeader reports whether Items frames kind 3 itself; until it does,
// JournalReader steps over kind 3 items (a kind byte, a uvarint length and
// that many bytes).
var itemsKnowLeader = func() bool {
	var it Items
	it.Reset([]byte{byte(itemLeader), 0})
	it.Next()
	var ee *EntryError
	return !errors.As(it.Err(), &ee) || ee.Offset != 0
}()
