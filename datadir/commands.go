package datadir

import (
	"errors"
	"fmt"
	"io"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// CommandReader reads the commands of a data directory's journal in order,
// checking what recovery and replay both rely on: commands at consecutive Seq
// numbers from the starting point on, checkpoint records of the right size, no
// record type it does not know. A cluster node's journal (raft records, see
// JournalKind) is refused with a *ClusterJournalError at its first record,
// and a raft record after command records is an error naming its position.
// It is not safe for concurrent use.
type CommandReader struct {
	r     *journal.Reader
	after uint64 // commands up to here are skipped (covered by a snapshot)
	last  uint64 // Seq of the last command returned (after, before the first)
	seen  uint64 // Seq of the last command read, skipped ones included
	rec   journal.Record
	dir   string
	// records counts the records read; first is the first one's type.
	records uint64
	first   journal.RecordType
}

// OpenCommands opens the journal in dir for reading the commands after Seq
// after: those at or below it (already in the snapshot the caller restored) are
// skipped, and the first command returned must be after+1. A missing journal
// directory is an error satisfying errors.Is(err, fs.ErrNotExist).
func OpenCommands(dir string, after uint64) (*CommandReader, error) {
	r, err := journal.OpenReader(JournalDir(dir))
	if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	return &CommandReader{r: r, after: after, last: after, dir: JournalDir(dir)}, nil
}

// Next decodes the next command into cmd. At the end of the journal it returns
// io.EOF; when the journal ends in a torn record (after its last commit mark:
// a write a crash interrupted) it returns that *journal.TornTailError, and
// every command before it has been returned. Any other error is damage, with its segment and
// offset; the reader is then unusable.
func (c *CommandReader) Next(cmd *engine.Command) error {
	for {
		rec, err := c.r.Next()
		if err != nil {
			if err == io.EOF {
				return io.EOF
			}
			if torn := (*journal.TornTailError)(nil); errors.As(err, &torn) {
				return torn
			}
			return fmt.Errorf("datadir: %w", err)
		}
		c.rec = rec
		if c.records++; c.records == 1 {
			c.first = rec.Type
		}
		switch rec.Type {
		case journal.TypeCheckpoint:
			if len(rec.Payload) != CheckpointSize {
				return fmt.Errorf("datadir: checkpoint record of %d bytes at segment %d offset %d", len(rec.Payload), rec.Segment, rec.Offset)
			}
			continue
		case journal.TypeCommand:
		case journal.TypeRaftEntry, journal.TypeRaftState:
			if c.records == 1 {
				return &ClusterJournalError{JournalDir: c.dir, Segment: rec.Segment, Offset: rec.Offset, Type: rec.Type}
			}
			return fmt.Errorf("datadir: %s record at segment %d offset %d in a single node's journal (its first record is a %s): "+
				"a journal holds a single node's commands or a cluster node's raft log, not both", rec.Type, rec.Segment, rec.Offset, c.first)
		default:
			return fmt.Errorf("datadir: unknown record type %d at segment %d offset %d", rec.Type, rec.Segment, rec.Offset)
		}
		if err := engine.DecodeCommand(rec.Payload, cmd); err != nil {
			return fmt.Errorf("datadir: %v at segment %d offset %d", err, rec.Segment, rec.Offset)
		}
		c.seen = cmd.Seq
		if c.after > 0 && cmd.Seq <= c.after && c.last == c.after {
			continue // in the snapshot
		}
		if cmd.Seq <= c.last {
			return fmt.Errorf("datadir: sequence %d after %d at segment %d offset %d: out of order", cmd.Seq, c.last, rec.Segment, rec.Offset)
		}
		if cmd.Seq != c.last+1 {
			return fmt.Errorf("datadir: sequence gap at segment %d offset %d: expected %d, found %d", rec.Segment, rec.Offset, c.last+1, cmd.Seq)
		}
		c.last = cmd.Seq
		return nil
	}
}

// LastJournaled returns the Seq of the last command read from the journal,
// including those skipped as covered by the snapshot (0 before any). Once
// Next has returned io.EOF or a torn tail it is the journal's last command,
// which no snapshot may be ahead of (CheckSnapshots).
func (c *CommandReader) LastJournaled() uint64 { return c.seen }

// Position returns the segment and byte offset of the record Next read last.
func (c *CommandReader) Position() (segment uint64, offset int64) {
	return c.rec.Segment, c.rec.Offset
}

// Close releases the reader.
func (c *CommandReader) Close() error {
	if err := c.r.Close(); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	return nil
}
