package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/openmatch/matchd/internal/fsutil"
)

const (
	// DefaultSnapshotKeep is how many valid snapshots WriteSnapshot keeps.
	DefaultSnapshotKeep = 3

	snapshotMagic      = "MSNP"
	snapshotVersion    = 1
	snapshotHeaderSize = 32 // magic(4) version(2) reserved(2) seq(8) length(8) payloadCRC(4) headerCRC(4)
	snapshotPrefix     = "snapshot-"
	snapshotSuffix     = ".snap"
	snapshotTempGlob   = ".snapshot-*.tmp"
)

// Snapshot is a verified snapshot read back from disk.
type Snapshot struct {
	// Seq is the sequence number the snapshot was taken at.
	Seq uint64
	// Path is the snapshot file.
	Path string
	// Payload is the caller's snapshot bytes, checksum verified.
	Payload []byte
}

// SnapshotInfo names a snapshot file without reading it.
type SnapshotInfo struct {
	// Seq is the sequence number in the file name.
	Seq uint64
	// Path is the snapshot file.
	Path string
}

// DamagedSnapshot is a snapshot file that failed verification.
type DamagedSnapshot struct {
	// Seq is the sequence number in the file name.
	Seq uint64
	// Path is the snapshot file.
	Path string
	// Reason says what is wrong with it.
	Reason string
}

// String describes the damage in one line.
func (d DamagedSnapshot) String() string {
	return fmt.Sprintf("journal: snapshot %d (%s) skipped: %s", d.Seq, d.Path, d.Reason)
}

// snapshotName is the file name of the snapshot taken at seq; the zero padding
// makes names sort by seq.
func snapshotName(seq uint64) string {
	return fmt.Sprintf("%s%020d%s", snapshotPrefix, seq, snapshotSuffix)
}

// WriteSnapshot writes snapshot-<seq>.snap in dir atomically and then keeps
// only the newest DefaultSnapshotKeep valid snapshots (see PruneSnapshots).
func WriteSnapshot(dir string, seq uint64, payload []byte) error {
	return WriteSnapshotKeep(dir, seq, payload, DefaultSnapshotKeep)
}

// WriteSnapshotKeep is WriteSnapshot keeping the newest keep valid snapshots;
// keep <= 0 keeps all. The file is written under a temporary name, fsynced,
// renamed into place and the directory fsynced, so a crash leaves either the
// complete snapshot or none (plus perhaps a temporary file that the next
// prune removes). A snapshot already present at seq is replaced.
func WriteSnapshotKeep(dir string, seq uint64, payload []byte, keep int) error {
	hdr := make([]byte, 0, snapshotHeaderSize)
	hdr = append(hdr, snapshotMagic...)
	hdr = binary.LittleEndian.AppendUint16(hdr, snapshotVersion)
	hdr = binary.LittleEndian.AppendUint16(hdr, 0)
	hdr = binary.LittleEndian.AppendUint64(hdr, seq)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(payload)))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(payload, castagnoli))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, castagnoli))

	f, err := os.CreateTemp(dir, snapshotTempGlob)
	if err != nil {
		return fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	tmp := f.Name()
	_, err = f.Write(hdr)
	if err == nil {
		_, err = f.Write(payload)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, snapshotName(seq)))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return fmt.Errorf("journal: write snapshot %d: sync directory: %w", seq, err)
	}
	if keep > 0 {
		if _, err := PruneSnapshots(dir, keep); err != nil {
			return err
		}
	}
	return nil
}

// ListSnapshots lists the snapshot files in dir by ascending seq, from their
// names alone (nothing is verified).
func ListSnapshots(dir string) ([]SnapshotInfo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("journal: snapshot directory %s does not exist: %w", dir, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("journal: list snapshots: %w", err)
	}
	var out []SnapshotInfo
	for _, e := range entries {
		if seq, ok := parseSnapshotName(e.Name()); ok && !e.IsDir() {
			out = append(out, SnapshotInfo{Seq: seq, Path: filepath.Join(dir, e.Name())})
		}
	}
	slices.SortFunc(out, func(a, b SnapshotInfo) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

// parseSnapshotName returns the seq of a snapshot file name, if it is one.
func parseSnapshotName(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, snapshotPrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, snapshotSuffix); !ok || digits == "" || digits[0] == '+' {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// LatestSnapshot returns the newest snapshot in dir that verifies, together
// with every newer snapshot it skipped as damaged (newest first), so that the
// caller can report them and replay from the older one. With no valid
// snapshot it returns ErrNoSnapshot (and the damaged list).
func LatestSnapshot(dir string) (Snapshot, []DamagedSnapshot, error) {
	list, err := ListSnapshots(dir)
	if err != nil {
		return Snapshot{}, nil, err
	}
	var damaged []DamagedSnapshot
	for i := len(list) - 1; i >= 0; i-- {
		s, reason := readSnapshot(list[i], true)
		if reason == "" {
			return s, damaged, nil
		}
		damaged = append(damaged, DamagedSnapshot{Seq: list[i].Seq, Path: list[i].Path, Reason: reason})
	}
	return Snapshot{}, damaged, fmt.Errorf("%w in %s (%d damaged)", ErrNoSnapshot, dir, len(damaged))
}

// PruneSnapshots keeps the newest keep snapshots that verify and removes every
// snapshot older than the oldest of them, valid or not, plus leftover
// temporary files. Damaged snapshots newer than that are left for the
// operator. Nothing is removed unless keep valid snapshots exist. It returns
// the removed paths.
func PruneSnapshots(dir string, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, fmt.Errorf("journal: prune snapshots: keep must be positive, got %d", keep)
	}
	list, err := ListSnapshots(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	valid := 0
	cut := -1 // snapshots list[:cut+1] are removed
	for i := len(list) - 1; i >= 0; i-- {
		if _, reason := readSnapshot(list[i], false); reason == "" {
			if valid++; valid == keep {
				cut = i - 1
				break
			}
		}
	}
	for _, s := range list[:cut+1] {
		if err := os.Remove(s.Path); err != nil {
			return removed, fmt.Errorf("journal: prune snapshots: %w", err)
		}
		removed = append(removed, s.Path)
	}
	temps, _ := filepath.Glob(filepath.Join(dir, snapshotTempGlob))
	for _, t := range temps {
		if err := os.Remove(t); err != nil {
			return removed, fmt.Errorf("journal: prune snapshots: %w", err)
		}
		removed = append(removed, t)
	}
	return removed, nil
}

// readSnapshot verifies one snapshot file, returning its payload if load is
// set. A non-empty reason means it is damaged or unreadable.
func readSnapshot(info SnapshotInfo, load bool) (Snapshot, string) {
	f, err := os.Open(info.Path)
	if err != nil {
		return Snapshot{}, err.Error()
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Snapshot{}, err.Error()
	}
	var hdr [snapshotHeaderSize]byte
	if n, err := io.ReadFull(f, hdr[:]); err != nil {
		return Snapshot{}, fmt.Sprintf("file of %d bytes is shorter than the %d-byte header", n, snapshotHeaderSize)
	}
	le := binary.LittleEndian
	switch {
	case string(hdr[:4]) != snapshotMagic:
		return Snapshot{}, "bad snapshot magic"
	case crc32.Checksum(hdr[:28], castagnoli) != le.Uint32(hdr[28:]):
		return Snapshot{}, "snapshot header checksum mismatch"
	case le.Uint16(hdr[4:]) != snapshotVersion:
		return Snapshot{}, fmt.Sprintf("unsupported snapshot version %d", le.Uint16(hdr[4:]))
	case le.Uint64(hdr[8:]) != info.Seq:
		return Snapshot{}, fmt.Sprintf("header says seq %d, file name says %d", le.Uint64(hdr[8:]), info.Seq)
	}
	length, want := le.Uint64(hdr[16:]), le.Uint32(hdr[24:])
	if have := uint64(st.Size() - snapshotHeaderSize); length != have {
		return Snapshot{}, fmt.Sprintf("header says %d payload bytes, file holds %d", length, have)
	}
	s := Snapshot{Seq: info.Seq, Path: info.Path}
	var sum uint32
	if load {
		s.Payload = make([]byte, length)
		if _, err := io.ReadFull(f, s.Payload); err != nil {
			return Snapshot{}, fmt.Sprintf("read payload: %v", err)
		}
		sum = crc32.Checksum(s.Payload, castagnoli)
	} else {
		h := crc32.New(castagnoli)
		if _, err := io.Copy(h, f); err != nil {
			return Snapshot{}, fmt.Sprintf("read payload: %v", err)
		}
		sum = h.Sum32()
	}
	if sum != want {
		return Snapshot{}, "snapshot payload checksum mismatch"
	}
	return s, ""
}
