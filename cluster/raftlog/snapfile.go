package raftlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/openmatch/matchd/internal/fsutil"
)

const (
	// DefaultSnapshotKeep is how many valid raft snapshots a Log keeps.
	DefaultSnapshotKeep = 3

	snapMagic      = "MRSN"
	snapVersion    = 1
	snapHeaderSize = 52 // magic(4) version(2) flags(2) index(8) term(8) journal(8) metaLen(4) dataLen(8) payloadCRC(4) headerCRC(4)
	snapPrefix     = "raft-"
	snapSuffix     = ".snap"
	snapTempGlob   = ".raft-*.tmp"

	// flagReset marks a snapshot written by ApplySnapshot: it replaced the
	// log, so the entries journaled before its position are not part of it.
	flagReset = 1
	// maxSnapMeta bounds the metadata length a header may claim.
	maxSnapMeta = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// SnapshotFile names the raft snapshot a Log recovered from.
type SnapshotFile struct {
	// Index and Term are the snapshot's metadata (0: no snapshot).
	Index, Term uint64
	// Path is the snapshot file ("" when there is none).
	Path string
	// Reset is set for a snapshot a follower received (ApplySnapshot): the
	// entries journaled before it were dropped.
	Reset bool
	// Journal is the journal's next record index when it was written.
	Journal uint64
}

// DamagedSnapshot is a raft snapshot file that failed verification.
type DamagedSnapshot struct {
	// Index is the index in the file name.
	Index uint64
	// Path is the snapshot file.
	Path string
	// Reason says what is wrong with it.
	Reason string
}

// String describes the damage in one line.
func (d DamagedSnapshot) String() string {
	return fmt.Sprintf("raftlog: snapshot %d (%s) skipped: %s", d.Index, d.Path, d.Reason)
}

// loadedSnap is a verified snapshot file or, with snap nil, a damaged one
// whose header verified (headerOK): its file fields are then known.
type loadedSnap struct {
	file     SnapshotFile
	snap     *pb.Snapshot
	headerOK bool
}

// snapName is the file name of the raft snapshot at index; the zero padding
// makes names sort by index. The prefix differs from the engine snapshots'
// (journal's snapshot-<seq>.snap), so neither lister sees the other's files.
func snapName(index uint64) string {
	return fmt.Sprintf("%s%020d%s", snapPrefix, index, snapSuffix)
}

// parseSnapName returns the index of a raft snapshot file name, if it is one.
func parseSnapName(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, snapPrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, snapSuffix); !ok || len(digits) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// writeSnap writes snap to dir atomically (temporary file, fsync, rename,
// fsync of the directory) and keeps the newest keep valid raft snapshots.
func writeSnap(dir string, snap *pb.Snapshot, reset bool, journalNext uint64, keep int) (string, error) {
	md := snap.GetMetadata()
	meta, err := proto.Marshal(md)
	if err != nil {
		return "", fmt.Errorf("raftlog: write snapshot %d: %w", md.GetIndex(), err)
	}
	data := snap.GetData()
	var flags uint16
	if reset {
		flags = flagReset
	}
	crc := crc32.Update(crc32.Checksum(meta, castagnoli), castagnoli, data)
	hdr := make([]byte, 0, snapHeaderSize)
	hdr = append(hdr, snapMagic...)
	hdr = binary.LittleEndian.AppendUint16(hdr, snapVersion)
	hdr = binary.LittleEndian.AppendUint16(hdr, flags)
	hdr = binary.LittleEndian.AppendUint64(hdr, md.GetIndex())
	hdr = binary.LittleEndian.AppendUint64(hdr, md.GetTerm())
	hdr = binary.LittleEndian.AppendUint64(hdr, journalNext)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(meta)))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(data)))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc)
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, castagnoli))

	path := filepath.Join(dir, snapName(md.GetIndex()))
	f, err := os.CreateTemp(dir, snapTempGlob)
	if err != nil {
		return "", fmt.Errorf("raftlog: write snapshot %d: %w", md.GetIndex(), err)
	}
	tmp := f.Name()
	_, err = f.Write(hdr)
	if err == nil {
		_, err = f.Write(meta)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("raftlog: write snapshot %d: %w", md.GetIndex(), err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return "", fmt.Errorf("raftlog: write snapshot %d: sync directory: %w", md.GetIndex(), err)
	}
	if keep > 0 {
		if err := pruneSnaps(dir, keep); err != nil {
			return path, err
		}
	}
	return path, nil
}

// listSnaps returns the raft snapshot files of dir by ascending index.
func listSnaps(dir string) ([]SnapshotFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("raftlog: snapshot directory %s does not exist: %w", dir, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("raftlog: list snapshots: %w", err)
	}
	var out []SnapshotFile
	for _, e := range entries {
		if n, ok := parseSnapName(e.Name()); ok && !e.IsDir() {
			out = append(out, SnapshotFile{Index: n, Path: filepath.Join(dir, e.Name())})
		}
	}
	slices.SortFunc(out, func(a, b SnapshotFile) int {
		switch {
		case a.Index < b.Index:
			return -1
		case a.Index > b.Index:
			return 1
		}
		return 0
	})
	return out, nil
}

// latestSnap returns the newest raft snapshot of dir that verifies (ok false:
// none) and the newer damaged ones it skipped, newest first. It skips only
// snapshots whose header verifies and says CreateSnapshot wrote them: past
// a damaged snapshot that ApplySnapshot wrote (or may have) it returns a
// *CorruptionError.
func latestSnap(dir string) (loadedSnap, bool, []DamagedSnapshot, error) {
	list, err := listSnaps(dir)
	if err != nil {
		return loadedSnap{}, false, nil, err
	}
	var damaged []DamagedSnapshot
	for i := len(list) - 1; i >= 0; i-- {
		s, reason := readSnap(list[i])
		if reason == "" {
			return s, true, damaged, nil
		}
		damaged = append(damaged, DamagedSnapshot{Index: list[i].Index, Path: list[i].Path, Reason: reason})
		// A snapshot received from the leader replaced the log: the
		// entries up to it are not in the journal, and an older snapshot
		// would rebuild a log with a hole or with the entries it replaced.
		if !s.headerOK || s.file.Reset {
			what := "was received from the leader (ApplySnapshot)"
			if !s.headerOK {
				what = "has an unreadable header (it may have been received from the leader)"
			}
			return loadedSnap{}, false, damaged, &CorruptionError{Reason: fmt.Sprintf(
				"raft snapshot %s is damaged (%s) and %s: the log before it is not in the journal; restore this node's data directory from a peer",
				list[i].Path, reason, what)}
		}
	}
	return loadedSnap{}, false, damaged, nil
}

// pruneSnaps keeps the newest keep raft snapshots that verify and removes
// every older one, valid or not, plus leftover temporary files. Nothing is
// removed unless keep valid snapshots exist.
func pruneSnaps(dir string, keep int) error {
	list, err := listSnaps(dir)
	if err != nil {
		return err
	}
	valid, cut := 0, -1
	for i := len(list) - 1; i >= 0; i-- {
		if _, reason := readSnap(list[i]); reason == "" {
			if valid++; valid == keep {
				cut = i - 1
				break
			}
		}
	}
	for _, s := range list[:cut+1] {
		if err := os.Remove(s.Path); err != nil {
			return fmt.Errorf("raftlog: prune snapshots: %w", err)
		}
	}
	temps, _ := filepath.Glob(filepath.Join(dir, snapTempGlob))
	for _, t := range temps {
		if err := os.Remove(t); err != nil {
			return fmt.Errorf("raftlog: prune snapshots: %w", err)
		}
	}
	return nil
}

// readSnap reads and verifies one raft snapshot file. A non-empty reason
// means it is damaged or unreadable.
func readSnap(info SnapshotFile) (loadedSnap, string) {
	b, err := os.ReadFile(info.Path)
	if err != nil {
		return loadedSnap{}, err.Error()
	}
	return parseSnap(b, info)
}

// parseSnap verifies the bytes of a raft snapshot file named by info.
func parseSnap(b []byte, info SnapshotFile) (loadedSnap, string) {
	if len(b) < snapHeaderSize {
		return loadedSnap{}, fmt.Sprintf("file of %d bytes is shorter than the %d-byte header", len(b), snapHeaderSize)
	}
	le := binary.LittleEndian
	hdr := b[:snapHeaderSize]
	switch {
	case string(hdr[:4]) != snapMagic:
		return loadedSnap{}, "bad raft snapshot magic"
	case crc32.Checksum(hdr[:snapHeaderSize-4], castagnoli) != le.Uint32(hdr[snapHeaderSize-4:]):
		return loadedSnap{}, "raft snapshot header checksum mismatch"
	case le.Uint16(hdr[4:]) != snapVersion:
		return loadedSnap{}, fmt.Sprintf("unsupported raft snapshot version %d", le.Uint16(hdr[4:]))
	case le.Uint16(hdr[6:])&^flagReset != 0:
		return loadedSnap{}, fmt.Sprintf("unknown raft snapshot flags %#x", le.Uint16(hdr[6:]))
	case le.Uint64(hdr[8:]) != info.Index:
		return loadedSnap{}, fmt.Sprintf("header says index %d, file name says %d", le.Uint64(hdr[8:]), info.Index)
	}
	info.Term, info.Journal, info.Reset = le.Uint64(hdr[16:]), le.Uint64(hdr[24:]), le.Uint16(hdr[6:])&flagReset != 0
	bad := loadedSnap{file: info, headerOK: true}
	metaLen, dataLen := uint64(le.Uint32(hdr[32:])), le.Uint64(hdr[36:])
	have := uint64(len(b) - snapHeaderSize)
	if metaLen > maxSnapMeta || metaLen > have || dataLen != have-metaLen {
		return bad, fmt.Sprintf("header says %d metadata and %d data bytes, file holds %d", metaLen, dataLen, have)
	}
	payload := b[snapHeaderSize:]
	if crc32.Checksum(payload, castagnoli) != le.Uint32(hdr[44:]) {
		return bad, "raft snapshot payload checksum mismatch"
	}
	md := &pb.SnapshotMetadata{}
	if err := proto.Unmarshal(payload[:metaLen], md); err != nil {
		return bad, fmt.Sprintf("metadata does not decode: %v", err)
	}
	if md.GetIndex() != info.Index || md.GetTerm() != info.Term {
		return bad, fmt.Sprintf("metadata says index %d term %d, header index %d term %d", md.GetIndex(), md.GetTerm(), info.Index, info.Term)
	}
	if (md.GetIndex() == 0) != (md.GetTerm() == 0) {
		return bad, fmt.Sprintf("snapshot at index %d has term %d (index and term are both 0 or both positive)", md.GetIndex(), md.GetTerm())
	}
	snap := pb.EnsureSnapshot(&pb.Snapshot{Metadata: md, Data: payload[metaLen:]})
	return loadedSnap{file: info, snap: snap, headerOK: true}, ""
}
