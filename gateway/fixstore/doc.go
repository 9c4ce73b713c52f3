// Package fixstore is a quickfix.MessageStore that keeps each FIX session in
// one append-only log file and costs one write syscall per store operation.
//
// # Why
//
// QuickFIX/Go's file store (store/file) keeps five files per session and
// makes about six syscalls per saved outbound message (two seeks, a header
// Fprintf, the body write, a seek and an Fprintf of the sender seqnum) and two
// per inbound message (seek and Fprintf of the target seqnum). At 10k orders/s
// that was ~20% of matchd's CPU; a memory store halved the p50 of the server's
// QuickFIX stages. This store gives the file store's guarantees at one write
// per operation: every operation is written to the OS before it returns, so it
// survives a crash of the process, and with sync on each write is also
// fsynced before the operation returns, so it survives a crash of the machine
// (QuickFIX's FileStoreSync=Y; without sync, FileStoreSync=N).
//
// # Format
//
// A session's log is <dir>/<prefix>.fixlog, prefix being what QuickFIX's file
// store uses (BeginString-Sender-Target[-Qualifier], see NewFactory). It is an
// 8-byte file header, "MFIXLOG" and the format version 2, followed by records,
// one per operation, each written by a single Write from a reused buffer on a
// file opened O_APPEND. Records use internal/record's frame (shared with the
// journal and the gateway's owner registry), the record type being the kind:
//
//	+---------+---------+------+--------------------+
//	|   CRC   | length  | kind |      payload       |
//	|   4 B   |   4 B   | 1 B  |   length bytes     |
//	+---------+---------+------+--------------------+
//	  CRC-32C (Castagnoli) of length, kind and payload; little-endian
//
//	kind 1  creation time       i64 unix nanoseconds
//	kind 2  next sender seqnum  u64   (IncrNextSender..., SetNextSender...)
//	kind 3  next target seqnum  u64   (IncrNextTarget..., SetNextTarget...)
//	kind 4  message             u64 MsgSeqNum + message bytes (SaveMessage)
//	kind 5  message, and next sender seqnum + 1 (SaveMessageAndIncrNext...)
//
// Seqnums are stored as the two's complement of an int64. Kind 0 is never
// valid, so zeroed blocks never parse; length is at most MaxPayload.
//
// Format 1, the store's first, had no file header and framed records as
// crc(4) kind(1) length(4). Open converts such a log once: it writes the same
// records in the current format to <prefix>.fixlog.tmp, fsyncs it and renames
// it over the old log (legacy.go), dropping a torn tail as a replay would and
// refusing, unchanged, a log with other damage. A state file of format 1 is
// ignored.
//
// After a crash, Open replays every record in order, checking each: seqnums
// start at 1 and 1 and each record sets or increments them; the last
// creation-time record gives CreationTime.
// A log without records (new, or cut by a crash right after Reset's truncate)
// gets a creation-time record with the current time, as QuickFIX's stores do
// on creation and Reset. Reset truncates the file to its header and writes a
// new creation-time record; Refresh closes and replays the file; SetCreationTime
// does nothing, as in the file store. Replay costs ~130 ns per record (tens of
// seconds for a few hundred million messages since the last sequence reset),
// so a clean Close saves the rebuilt state beside the log and the next Open
// takes it instead when it still matches the log (state.go): after a clean
// shutdown, opening costs O(1) and a damaged record is found when a resend
// reads it (every read checks its record's checksum), not at Open.
//
// # Reading messages
//
// Memory does not grow with every message: the store keeps a sparse index, the
// offset and MsgSeqNum of every 1024th message record, and IterateMessages
// scans forward from the nearest indexed record at or below the first seqnum
// wanted, stopping past the last. Messages are normally saved with strictly
// increasing seqnums; a save whose seqnum is not above the previous one (after
// SetNextSenderMsgSeqNum went back) starts a new "run" with its own index, and
// IterateMessages merges the runs that overlap the range, a later save of a
// seqnum replacing an earlier one, as in QuickFIX's memory and file stores.
// IterateMessages holds the store's lock while it reads one batch (up to 1024
// consecutive seqnums, plus the scan from the index point for the first), so
// a resend delays concurrent saves by at most that much reading at a time.
// Each run costs about a hundred bytes and is a cursor to merge, so a store
// whose seqnums are rewound very often (not something QuickFIX does on its
// own) holds more memory and reads more slowly.
//
// # Torn tails and corruption
//
// A crash during a write can leave the last record incomplete: the file ends
// inside its header or before the end of its declared payload, or, after a
// machine crash, the record is complete but its checksum fails, or zeros or
// garbage follow. Where no valid frame starts anywhere after the first bad
// bytes, they are a torn tail (internal/record decides it): Open and Refresh cut the file back to the end of
// the last good record and report the bytes dropped through
// (*Store).TruncatedBytes, for the caller to log (the package never logs). The
// operation it held never returned success.
//
// Everything else is corruption and Open returns an error wrapping a
// *CorruptionError (errors.Is ErrCorrupt) naming the file and the offset of
// the bad record, modifying nothing: a bad frame with a valid one after it (a
// valid record inside a supposedly torn one included: its length field is what
// was damaged), or a valid frame the store never writes (an unknown kind, a
// payload whose size does not fit its kind). The operator must then repair or remove the file. No file content
// makes Open panic.
//
// A failed write is cut back off the file before the error is returned, so a
// failed operation leaves no partial record for later records to follow. If
// that cut fails, or an fsync fails (after which the kernel may have dropped
// the data), the store refuses further writes until Reset, Refresh or a
// reopen.
//
// # Upgrading from QuickFIX's file store
//
// When a session has no .fixlog yet but QuickFIX file-store files for the same
// prefix are in the directory (.session, .senderseqnums, .targetseqnums), the
// new log starts with their creation time and next sender and target seqnums,
// read as that store's populateCache reads them (a file that does not parse
// leaves 1, or the current time, as it would there). The new log is written to
// <prefix>.fixlog.tmp and renamed, so it never exists without them. Old
// messages (.header, .body) are not imported: a resend request for them is
// answered with a gap fill, as QuickFIX does for any message its store lacks.
// The old files are left untouched; they stop being updated.
//
// # Concurrency
//
// QuickFIX calls a store from the session goroutine and from SendToTarget
// callers, so every method takes the store's one mutex. IterateMessages reads
// under the mutex in batches and calls its callback without it. Only one Store
// should write a log at a time; nothing stops a second one, but its view of
// the file would be stale.
package fixstore
