// Package journal is the engine's append-only command log: every command that
// reaches the matching engine is appended here before any report it causes is
// sent, and replaying the journal through the same engine reproduces every
// event. The journal treats payloads as opaque bytes (the pipeline stores
// engine.AppendCommand encodings and checkpoints); it never imports engine.
// The design follows cockroachdb/pebble's record package: per-record CRC-32C,
// a torn tail treated as the end of the log, corruption in the middle a hard
// error with its position.
//
// # Segments
//
// A journal is a directory of segment files named by a zero-padded segment
// number, 00000000000000000001.log, 00000000000000000002.log, ..., and a LOCK
// file that an open Writer holds with flock so that no second Writer opens the
// directory. Records are numbered from 1 across the whole journal. Each segment
// starts with a header:
//
//	+-------+---------+----------+-----------+-------------+------------+
//	| magic | version | reserved |  segment  | first index | header CRC |
//	|  4 B  |   2 B   |   2 B    |    8 B    |     8 B     |    4 B     |
//	+-------+---------+----------+-----------+-------------+------------+
//	  "MJNL"    2         0        = file name  index of its   CRC-32C of
//	                                            first record   bytes 0..23
//
// The version is the segment's format: 2 is written today, 1 (the same
// without commit marks) is still read, with its own rules, and never appended
// to: Open seals a format 1 last segment with its footer and continues in a
// new format 2 segment (Recovery.Sealed). A reader that knows only format 1
// refuses a format 2 segment ("unsupported format version 2") instead of
// misreading it.
//
// followed by records, each in internal/record's frame (framing, checksums and
// the torn-tail scan live there, shared with the FIX store and the owner
// registry; the frame is the one the journal always wrote, so old segments
// read unchanged):
//
//	+---------+---------+------+-------------------+
//	|   CRC   | length  | type |      payload      |
//	|   4 B   |   4 B   | 1 B  |   length bytes    |
//	+---------+---------+------+-------------------+
//	  CRC-32C (Castagnoli) of length, type and payload
//
// All integers are little-endian. A frame never spans segments. Types 1 to 127
// belong to the caller (TypeCommand, TypeCheckpoint, and room for more); 0 is
// never valid, so zeroed blocks never parse; 128 to 255 are reserved for
// framing. length is at most MaxPayload.
//
// A node of a replicated cluster writes a journal of two other types instead:
// TypeRaftEntry (3), one raft log entry (a marshaled raftpb.Entry), and
// TypeRaftState (4), a raft HardState (a marshaled raftpb.HardState). Package
// cluster/raftlog writes and reads them, with its own rules (an entry may
// replace the entries after it: the journal stays append-only when raft
// overwrites an uncommitted suffix); to the journal they are opaque payloads
// like any other, framed, checksummed and group-committed the same way.
//
// # Commit marks (format 2)
//
// A commit mark, type 254, whose 8-byte payload is the index of the record
// just before it, says: every record up to this index had been fsynced when
// this mark was written. The Writer writes one after each fsync that made
// records durable (each group under batch, each record under every, each
// Sync and Close under none) and, under batch and every, before it advances
// DurableIndex, so no report is released for a record whose mark is not at
// least in the operating system's cache. The mark costs one small write per
// group, no fsync: it becomes durable with the next group's fsync, or with
// Close, which fsyncs once more so that a clean stop leaves every record
// marked. A mark must name exactly the record before it (a mark where no
// record precedes it in its segment, or naming another index, is corruption),
// and marks are not counted in the footer.
//
// Once a segment reaches Options.SegmentSize (checked after each group, default
// 64 MiB) it is sealed with a footer record, type 255, whose 12-byte payload
// holds the segment's record count (8 B) and a chain checksum (4 B): the
// CRC-32C of the concatenated CRCs of its records. The footer is the last frame
// of a sealed segment. Together with the first index in each header it makes
// truncation and gaps detectable even at a record boundary: a segment that is
// not the last must end in a footer that matches what was read; each segment's
// number must follow the previous one's and its first index must continue the
// previous count.
//
// # Torn tails and corruption
//
// A crash can leave the last segment ending in a partial record or a record
// whose bytes did not all reach the disk (or a partial header, for a segment
// being created). Reading the last segment, the first damaged frame (too short,
// impossible length, type 0, bad checksum) at offset X is a torn tail if
// no complete frame with a valid checksum starts anywhere after X: everything
// from X to the end of file is then dropped. This covers a partial final
// record, a final record with a bad checksum, and such a record followed by
// zeros or other garbage. If a valid frame does follow (a record, a commit
// mark or a footer), the bad frame is corruption, never a torn tail: good
// data after it would otherwise be lost silently. A last segment no longer
// than a header whose header is incomplete or bad is a torn tail at offset 0
// (a crash while the segment was being created); Open rewrites the header.
//
// Every other fault is corruption, reported as a *CorruptionError (errors.Is
// ErrCorrupt) naming the segment and byte offset: a damaged frame in a segment
// that is not the last, a damaged frame followed by valid ones, a frame with a
// valid checksum and a reserved type (128 to 253, and 254 in format 1), a
// commit mark that does not name the record before it, a bad header
// with data after it, a segment that should be sealed and has no footer (a
// truncated sealed segment), a footer whose count or chain checksum disagrees,
// bytes after a footer, a missing segment file, or a first index that does not
// continue the previous segment. Nothing panics on any input.
//
// # What recovery can and cannot tell apart
//
// Damage to a record that a commit mark follows is always reported as
// corruption: the mark was written after that record's fsync returned, so
// the record had reached the disk and was then damaged; under batch and every
// it may have been acknowledged. This is what commit marks add: in format 1 a
// flipped byte in the last records was taken for a torn tail and synced,
// acknowledged records were dropped.
//
// A damaged frame followed by any valid frame is corruption too, even with no
// mark after it. After a crash of the machine this can refuse a journal in
// which nothing acknowledged was damaged (the pages of an unsynced group can
// reach the disk out of order, leaving a hole with valid records after it);
// the rule accepts that false alarm rather than drop records that may have
// been synced.
//
// A torn tail, which Open truncates, is damage after the last valid frame of
// the last segment. What it drops always lies after the segment's last
// commit mark (TornTailError.Marked and Recovery.Marked name the last record
// a mark covers), and is one of:
//
//   - records never fsynced, so never acknowledged under batch or every: the
//     group a crash interrupted. This is the case the rule is for;
//   - a commit mark itself (damaged, or cut by a crash while it was written):
//     the records before it are kept, nothing is lost;
//   - the last group fsynced before a crash of the machine (power loss, kernel
//     panic), whose mark had not yet been fsynced (it is fsynced with the next
//     group), if on top of that the disk damaged that group or the mark
//     reached the disk and the group did not. Those records may have been
//     acknowledged, and recovery cannot tell them from the first case. A crash
//     of the process alone (kill -9, a panic, out of memory) cannot cause this:
//     the mark was in the operating system's cache before the acknowledgement.
//
// Under none, records are acknowledged once written to the operating system
// and marked only by Sync and Close (SyncDurable fsyncs but writes no mark): a
// torn tail after a crash of the machine may then drop acknowledged records,
// as none has always allowed; after a crash of the process nothing is torn.
// In a format 1 segment there are no marks and a torn tail may be anything
// the rule above allows.
//
// Open fsyncs and marks the records it keeps after the last mark (written
// whole before a crash, not yet marked), so that once recovered they are
// covered like any other.
//
// What cannot be detected: the loss of whole trailing segments, or the last
// segment cut at a frame boundary (the commit marks go with the records), is
// indistinguishable from a shorter journal. (The header of segment N+1 is
// written only after segment N is sealed and fsynced, so this needs the
// newest files to vanish or be cut, not a crash.) Likewise a journal whose
// first segments were deleted starts at a later index; a caller that never
// prunes should check that the first record has Index 1. Package datadir
// catches the first case when a snapshot records a later sequence number than
// the journal holds.
//
// # What the caller does
//
// Open (for appending) reads and checks every segment, truncates a torn tail
// and returns a Recovery saying what it cut (segment, offset, bytes dropped,
// why, the last record a commit mark covers), which the caller should log:
// the library never logs. Open returns a *CorruptionError for anything else
// and modifies nothing; the operator must then restore the journal (or cut it
// by hand knowingly) before the engine can start.
//
// A Reader returns records in order. At the clean end it returns io.EOF; at a
// torn tail, after every good record, it returns a *TornTailError (errors.Is
// ErrTornTail) with the position of the end of the good data, which a replay
// may treat as the end of the log (Open would truncate there); at corruption,
// after every good record before it, a *CorruptionError. Replay therefore sees
// exactly the records Open keeps.
//
// # Durability policies
//
// A group is the records appended between two Commits. Append only copies a
// record into the Writer's buffer (no I/O, no allocation once warm); Commit
// writes the group and makes it durable per Options.Policy, then advances
// DurableIndex, an atomic a report publisher on another goroutine can gate on:
//
//   - batch (the default): one write and one fsync per group, before Commit
//     returns. The Writer has no goroutine: the caller commits once per batch
//     of work it has on hand (for a ring consumer, every slot available), so a
//     group is naturally everything that accumulated while the previous fsync
//     ran; under light load groups are small and fsyncs cheap, under heavy load
//     groups grow. Every Commit fsyncs, however small its group, so no
//     committed record waits for a later fsync. Options.MaxDelay (default 1 ms)
//     bounds the other way a record can wait, in the buffer while the caller
//     keeps appending without committing: Append reads the clock when it opens
//     a group and on every 8th record of it, and if the group's first record
//     is MaxDelay old it commits (writes and fsyncs) the group before adding
//     the new record. A record so waits at most MaxDelay plus the time taken
//     to append 8 more. (Checking on every record would cost a clock read,
//     about twice the framing of a record.) Records appended and then left
//     without a Commit are not written until the next Append, Commit, Sync or
//     Close: the Writer has no timer.
//   - none: one write per group, never an fsync except on Sync and Close.
//     DurableIndex advances once the group is written to the OS: the records
//     survive a crash of the process, not of the machine. SyncedIndex says
//     what a crash of the machine keeps, and SyncDurable, which unlike the
//     other methods any goroutine may call, fsyncs everything DurableIndex
//     covers: a caller that writes a snapshot calls it first, so that no
//     snapshot is ever ahead of the journal on disk.
//   - every: each record is written and fsynced on its own; DurableIndex
//     advances after each (and after its commit mark).
//
// Under every policy, sealing a segment fsyncs it and creating a segment
// fsyncs it and the directory (once per SegmentSize bytes), so that a sealed
// segment is never missing data behind its footer.
//
// # Snapshots
//
// WriteSnapshot stores an opaque state snapshot taken at a sequence number as
// snapshot-<seq>.snap (seq zero-padded to 20 digits), written atomically
// (temporary file, fsync, rename, fsync of the directory) with a 32-byte
// header: magic "MSNP" (4 B), version (2 B), reserved (2 B), seq (8 B),
// payload length (8 B), CRC-32C of the payload (4 B), CRC-32C of the header's
// first 28 bytes (4 B). LatestSnapshot returns the newest snapshot that
// verifies and lists each newer damaged one it skipped with the reason, so the
// caller can fall back to an older one and report; ListSnapshots and
// ReadSnapshot let a caller verify each one itself. WriteSnapshot keeps the
// newest DefaultSnapshotKeep valid snapshots; WriteSnapshotKeep and
// PruneSnapshots take the number to keep.
package journal
