// Package record is the one record framing of matchd's on-disk stores: the
// journal's segments, the FIX message store's logs and the gateway's owner
// registry. It frames, checks and scans records; what a record means, and any
// file header before the first record, belongs to the store.
//
// # Frame
//
// Every integer is little-endian:
//
//	+---------+---------+------+--------------------+
//	|   CRC   | length  | type |      payload       |
//	|   4 B   |   4 B   | 1 B  |   length bytes     |
//	+---------+---------+------+--------------------+
//	  CRC-32C (Castagnoli) of length, type and payload
//
// Type 0 is never valid, so zeroed blocks never parse as a record; the other
// 255 types are the store's. length is at most MaxPayload; a larger one is an
// impossible length. This is the journal's frame since its first version, so
// journal segments written before this package existed read unchanged.
//
// # Torn tails and corruption
//
// A Reader returns records in order until the end of its data. Where the bytes
// at some offset are not a valid frame (an incomplete header, an impossible
// length, type 0, a payload running past the end, a bad checksum) it decides
// between two cases by looking at everything after that offset:
//
//   - if no valid frame starts anywhere after it, the damage is a torn tail,
//     what a crash in the middle of an append leaves (a record cut short, or
//     zeros or garbage to the end): the error wraps ErrTornTail, and the
//     store may cut the data back to the offset;
//   - if a valid frame follows, records after the damage would be lost by
//     cutting: the error wraps ErrCorrupt and must not be repaired silently.
//
// Both are a *CorruptionError naming the file and offset; its TornTail field
// tells them apart. A Reader never panics on any input and never returns a
// record whose checksum failed.
//
// # Models
//
// cockroachdb/pebble's record package (a CRC-32C per chunk, torn tail told
// from mid-log corruption) and etcd's wal (a typed record stream with a
// CRC per record).
package record
