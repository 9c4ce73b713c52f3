// Package replay re-runs a journal through a fresh engine: for audits (events as
// JSON lines, books as they stood at a sequence number or time, hashes of the
// event stream and of the final state, verification of the checkpoints and
// snapshots the server wrote). Crash recovery is not here: the pipeline
// recovers with package datadir, which this package builds on too (the journal
// is read by the same datadir.CommandReader, snapshots are restored by the same
// datadir.RestoreSnapshot), so the live system does not depend on the audit tool.
//
// Replay calls the same engine.Apply as the live matcher, with the commands as
// journaled, so it reproduces the live events byte for byte: the engine reads no
// clock and every identifier comes from the commands.
//
// The data directory's layout and the checkpoint record are described in
// package datadir. A checkpoint usually follows its command by a few records, so
// -verify collects the checkpoints in a first pass and compares them as the
// replay passes each Seq.
//
// # Cluster nodes
//
// A cluster node's data directory is told by its journal's first record
// (datadir.JournalKind: a raft entry or HardState) and read by
// cluster.OpenJournal: the committed entries of the node's raft log in raft
// index order (raftlog.ReadCommitted: the overwrite rule of the raft log,
// only entries at or below the commit index of a HardState read after them,
// raised as raftlog raises it on recovery), taken apart into commands and
// checkpoint items; leader items, conf changes and raft's empty entries hold
// no command. Entries after the last commit index are not replayed (the node
// never learned that they were committed; Result.Raft counts them). Without
// FromSnapshot the replay starts at the first entry, unless the node
// received a raft snapshot from its leader (the log before it is not in its
// journal): then it starts there, and EventsHash covers the commands after
// it. With FromSnapshot it starts from the newest raft snapshot at or before
// the stop. Raft snapshot data is decoded by cluster.RestoreEngine, as the
// node's own applier does. Seqs may skip in a cluster journal (a batch raft
// dropped after the leader numbered it), so StopSeq stops before the first
// command past it. A journal mixing a single node's command records and raft
// records is an error naming the first record of the other kind.
package replay

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cespare/xxhash/v2"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// Options control a replay.
type Options struct {
	// Dir is the server's data directory.
	Dir string
	// Engine is the configuration the server ran with.
	Engine engine.Config
	// FromSnapshot starts from the newest valid snapshot (at or before StopSeq,
	// when set) instead of from the first command. Events before it are not
	// regenerated, so EventsHash then covers only the replayed tail.
	FromSnapshot bool
	// SnapshotAtOrBefore, when non-zero with FromSnapshot, takes the newest
	// valid snapshot at or before this Seq instead of StopSeq (for a caller
	// that wants the events of commands after it, up to StopSeq).
	SnapshotAtOrBefore uint64
	// StopSeq, when non-zero, stops after the command with this Seq.
	StopSeq uint64
	// StopTime, when non-zero, stops before the first command whose Time (Unix
	// nanoseconds) is later.
	StopTime int64
	// OnEvent, if set, receives every regenerated event in order. The pointer is
	// valid only during the call. An error stops the replay.
	OnEvent func(ev *engine.Event) error
	// Verify compares every checkpoint record and every snapshot file with the
	// state replay computes at that Seq and fails on the first difference.
	Verify bool
	// Progress, if set, is called now and then with the bytes of journal read so
	// far and the total.
	Progress func(done, total int64)
	// FromFirstCommand makes a replay that would start from a raft snapshot
	// the node received from its leader (its journal lacks the log before
	// it) fail instead (-md needs every event since the first command).
	FromFirstCommand bool
	// ReadToEnd, for a cluster node's journal, reads the rest of the raft
	// log after a stop (StopSeq, StopTime) without applying it, so that
	// Result.Raft describes the whole log (cmd/replay sets it).
	ReadToEnd bool
}

// Result describes a finished replay.
type Result struct {
	// Engine holds the books as they stood where the replay stopped.
	Engine *engine.Engine
	// FromSnapshot is the Seq of the snapshot the replay started from (0: none).
	FromSnapshot uint64
	// DamagedSnapshots were newer than the one used and failed their checksum.
	DamagedSnapshots []journal.DamagedSnapshot
	// Commands is the number of commands applied (after the snapshot).
	Commands uint64
	// LastSeq and LastTime describe the last command applied (or the snapshot).
	LastSeq  uint64
	LastTime int64
	// StateHash is the engine's state hash at the end.
	StateHash uint64
	// EventsHash is the xxHash64 (github.com/cespare/xxhash/v2, seed 0) of the
	// concatenated engine.AppendEvent encodings of every regenerated event.
	EventsHash uint64
	// Checkpoints and Snapshots count what Verify compared.
	Checkpoints, Snapshots int
	// Torn is set when the journal ends in a torn record (a crash during a
	// write): everything before it was replayed; the torn bytes follow the
	// journal's last commit mark (see package journal for what that proves).
	Torn *journal.TornTailError // Raft is set for a cluster node's journal: its raft log as read.
	Raft *RaftLog
}

// Run replays the journal in opts.Dir: a single node's commands, or a
// cluster node's raft log (its committed entries; see runCluster).
func Run(opts Options) (Result, error) {
	jdir := datadir.JournalDir(opts.Dir)
	if _, err := os.Stat(jdir); err != nil {
		return Result{}, fmt.Errorf("replay: no journal in %s: %w", opts.Dir, err)
	}
	// A cluster node's journal is told by its first record, which the
	// single node's reader refuses before it applies or hands out anything.
	res, err := runSingle(opts)
	if errors.Is(err, datadir.ErrClusterJournal) {
		return runCluster(opts)
	}
	return res, err
}

// runSingle replays a single node's journal.
func runSingle(opts Options) (Result, error) {
	var res Result
	jdir := datadir.JournalDir(opts.Dir)
	var expect map[uint64][]expectation
	var err error
	if opts.Verify {
		if expect, err = collectExpectations(opts); err != nil {
			return res, err
		}
	}
	eng, err := start(opts, &res)
	if err != nil {
		return res, err
	}
	ap := newApplier(opts, eng, expect, &res)

	cr, err := datadir.OpenCommands(opts.Dir, res.LastSeq)
	if err != nil {
		if errors.Is(err, journal.ErrEmpty) { // every segment deleted: name what a snapshot says is missing
			if serr := datadir.CheckSnapshots(opts.Dir, 0); serr != nil {
				return res, fmt.Errorf("replay: %w", serr)
			}
		}
		return res, fmt.Errorf("replay: %w", err)
	}
	defer cr.Close()
	total := journalSize(jdir)
	var cmd engine.Command
	for {
		if err := cr.Next(&cmd); err != nil {
			if torn := (*journal.TornTailError)(nil); errors.As(err, &torn) {
				res.Torn = torn
			} else if err != io.EOF {
				return res, fmt.Errorf("replay: %w", err)
			}
			// The whole journal was read: a snapshot at a later Seq means
			// the journal lost commands (a cut tail, a deleted segment);
			// replaying it would report a state that never was the venue's.
			if err := datadir.CheckSnapshots(opts.Dir, cr.LastJournaled()); err != nil {
				return res, fmt.Errorf("replay: %w", err)
			}
			break
		}
		if ap.progress(cr.Position) {
			opts.Progress(segmentBytesBefore(jdir, ap.seg)+ap.off, total)
		}
		stop, err := ap.apply(&cmd)
		if err != nil {
			return res, err
		}
		if stop {
			break
		}
	}
	if opts.Progress != nil {
		opts.Progress(total, total)
	}
	ap.finish()
	return res, nil
}

// applier applies commands to the replay's engine, hashing and handing out
// their events and checking the expected state hashes.
type applier struct {
	opts   Options
	eng    *engine.Engine
	expect map[uint64][]expectation
	res    *Result
	out    *engine.Events
	events *xxhash.Digest
	evbuf  [engine.EventSize]byte
	n      uint64
	seg    uint64
	off    int64
}

func newApplier(opts Options, eng *engine.Engine, expect map[uint64][]expectation, res *Result) *applier {
	res.Engine = eng
	res.LastSeq = eng.LastSeq()
	res.StateHash = eng.StateHash()
	return &applier{opts: opts, eng: eng, expect: expect, res: res, out: engine.NewEvents(1024), events: xxhash.New()}
}

// progress counts a command and reports whether to call opts.Progress now
// (with seg and off set from pos).
func (a *applier) progress(pos func() (uint64, int64)) bool {
	if a.n++; a.opts.Progress == nil || a.n%65536 != 0 {
		return false
	}
	a.seg, a.off = pos()
	return true
}

// apply applies cmd unless the replay stops before it; stop says the
// replay ends here (before or after cmd).
func (a *applier) apply(cmd *engine.Command) (stop bool, err error) {
	opts, res := a.opts, a.res
	if opts.StopTime != 0 && cmd.Time > opts.StopTime {
		return true, nil
	}
	if opts.StopSeq != 0 && cmd.Seq > opts.StopSeq { // seqs may skip in a cluster journal
		return true, nil
	}
	a.out.Reset()
	a.eng.Apply(cmd, a.out)
	res.Commands++
	res.LastSeq, res.LastTime = cmd.Seq, cmd.Time
	for i := 0; i < a.out.Len(); i++ {
		ev := a.out.At(i)
		_, _ = a.events.Write(engine.AppendEvent(a.evbuf[:0], ev))
		if opts.OnEvent != nil {
			if err := opts.OnEvent(ev); err != nil {
				return true, err
			}
		}
	}
	if xs, ok := a.expect[cmd.Seq]; ok {
		h := a.eng.StateHash()
		for _, x := range xs {
			if err := x.check(h, res); err != nil {
				return true, err
			}
		}
	}
	return opts.StopSeq != 0 && cmd.Seq >= opts.StopSeq, nil
}

// finish records the final hashes.
func (a *applier) finish() {
	a.res.StateHash = a.eng.StateHash()
	a.res.EventsHash = a.events.Sum64()
}

// start builds the engine: fresh, or from the newest usable snapshot at or
// before StopSeq.
func start(opts Options, res *Result) (*engine.Engine, error) {
	if !opts.FromSnapshot {
		return engine.New(opts.Engine)
	}
	maxSeq := opts.StopSeq
	if opts.SnapshotAtOrBefore != 0 {
		maxSeq = opts.SnapshotAtOrBefore
	}
	snap, err := datadir.RestoreSnapshot(opts.Dir, opts.Engine, maxSeq)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	res.FromSnapshot, res.DamagedSnapshots = snap.Seq, snap.Damaged
	return snap.Engine, nil
}

// expectation is a state hash the replay must reach at some Seq.
type expectation struct {
	hash   uint64
	what   string // "checkpoint" or "snapshot"
	where  string
	isSnap bool
}

func (x expectation) check(got uint64, res *Result) error {
	if got != x.hash {
		return fmt.Errorf("replay: verify: state hash %016x after replay differs from %s %016x at %s", got, x.what, x.hash, x.where)
	}
	if x.isSnap {
		res.Snapshots++
	} else {
		res.Checkpoints++
	}
	return nil
}

// collectExpectations reads every checkpoint record and every snapshot file.
func collectExpectations(opts Options) (map[uint64][]expectation, error) {
	m := make(map[uint64][]expectation)
	r, err := journal.OpenReader(datadir.JournalDir(opts.Dir))
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer r.Close()
	for n := 0; ; n++ {
		rec, err := r.Next()
		if err == io.EOF || errors.As(err, new(*journal.TornTailError)) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		if n == 0 && datadir.IsRaftRecord(rec.Type) {
			return nil, &datadir.ClusterJournalError{JournalDir: datadir.JournalDir(opts.Dir), Segment: rec.Segment, Offset: rec.Offset, Type: rec.Type}
		}
		if rec.Type != journal.TypeCheckpoint {
			continue
		}
		seq, hash, err := datadir.DecodeCheckpoint(rec.Payload)
		if err != nil {
			return nil, fmt.Errorf("replay: verify: %v at segment %d offset %d", err, rec.Segment, rec.Offset)
		}
		m[seq] = append(m[seq], expectation{hash: hash, what: "checkpoint",
			where: fmt.Sprintf("seq %d (record at segment %d offset %d)", seq, rec.Segment, rec.Offset)})
	}
	return m, engineSnapshots(opts, m)
}

// engineSnapshots adds an expectation for every engine snapshot file to m.
func engineSnapshots(opts Options, m map[uint64][]expectation) error {
	infos, err := journal.ListSnapshots(datadir.SnapshotDir(opts.Dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replay: %w", err)
	}
	for _, info := range infos {
		snap, err := journal.ReadSnapshot(info)
		if err != nil {
			return fmt.Errorf("replay: verify: %w", err)
		}
		eng, err := engine.Restore(opts.Engine, snap.Payload)
		if err != nil {
			return fmt.Errorf("replay: verify: snapshot %s: %w", info.Path, err)
		}
		m[info.Seq] = append(m[info.Seq], expectation{hash: eng.StateHash(), what: "snapshot", where: info.Path, isSnap: true})
	}
	return nil
}

func journalSize(dir string) int64 {
	var total int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && !e.IsDir() {
			total += info.Size()
		}
	}
	return total
}

// segmentBytesBefore sums the sizes of the segments numbered below seg, for
// progress reporting.
func segmentBytesBefore(dir string, seg uint64) int64 {
	var total int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		var n uint64
		if _, err := fmt.Sscanf(e.Name(), "%d.log", &n); err == nil && n < seg {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
	}
	return total
}
