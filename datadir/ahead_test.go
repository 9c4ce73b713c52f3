package datadir

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// cleanStop is a data directory as a clean stop leaves it: commands 1..n
// journaled (Close writes the last commit mark) and a snapshot at n. It
// returns the directory and the last segment's path and bytes.
func cleanStop(t *testing.T, n int) (string, string, []byte) {
	t.Helper()
	dir := t.TempDir()
	writeJournal(t, dir, seqs(1, n)...)
	if err := os.MkdirAll(SnapshotDir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := journal.WriteSnapshot(SnapshotDir(dir), uint64(n), applyAll(t, n).AppendSnapshot(nil)); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(JournalDir(dir), "*.log"))
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	return dir, segs[0], b
}

// asAhead requires err to be a *SnapshotAheadError for the snapshot at snap
// with the journal ending at last, saying so in its text.
func asAhead(t *testing.T, what string, err error, snap, last uint64) {
	t.Helper()
	var ae *SnapshotAheadError
	if !errors.As(err, &ae) || !errors.Is(err, ErrSnapshotAhead) {
		t.Fatalf("%s: %v, want a SnapshotAheadError", what, err)
	}
	name := fmt.Sprintf("snapshot-%020d.snap", snap)
	if ae.SnapshotSeq != snap || ae.JournalLastSeq != last || filepath.Base(ae.Snapshot) != name {
		t.Fatalf("%s: %+v, want snapshot %s at %d, journal at %d", what, ae, name, snap, last)
	}
	msg := err.Error()
	for _, s := range []string{name, fmt.Sprintf("seq %d", snap), fmt.Sprintf("commands %d to %d are missing", last+1, snap), "docs/SERVER.md"} {
		if !strings.Contains(msg, s) {
			t.Fatalf("%s: %q does not say %q", what, msg, s)
		}
	}
}

// TestSnapshotAheadOfCutJournal is issue 13 item 5 on a real data directory:
// after a clean stop (snapshot at 40), the journal is cut, or one byte
// flipped, at every offset of its last three commands and of the final
// commit mark. Recovery must either keep all 40 commands (a cut or flip in
// the mark only), refuse with a SnapshotAheadError naming the snapshot, its
// seq and the journal's last seq (a cut that took commands with it), or
// refuse the damage as corruption (a flip in a command, which a mark
// follows). Before, a cut journal recovered at seq 40 from the snapshot and
// the next command was journaled after a gap no replay could pass.
func TestSnapshotAheadOfCutJournal(t *testing.T) {
	const n = 40
	dir, seg, clean := cleanStop(t, n)
	recLen := journalFrame + engine.CommandSize
	markOff := len(clean) - journalMark
	from := markOff - 3*recLen
	want := applyAll(t, n).StateHash()
	outcomes := map[string]int{}
	for pos := from; pos < len(clean); pos++ {
		cutLast := uint64(n - (markOff-pos+recLen-1)/recLen) // commands wholly before pos
		if pos >= markOff {
			cutLast = n
		}
		for _, damage := range []string{"cut", "flip"} {
			data := clean[:pos]
			if damage == "flip" {
				data = bytes.Clone(clean)
				data[pos] ^= 0x08
			}
			if err := os.WriteFile(seg, data, 0o644); err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%s at byte %d", damage, pos)
			res, err := Recover(dir, testConfig())
			switch {
			case err == nil:
				if res.LastSeq != n || res.Engine.StateHash() != want {
					t.Fatalf("%s: recovered at seq %d, want all %d commands", what, res.LastSeq, n)
				}
				if pos < markOff {
					t.Fatalf("%s: damage in a command recovered without complaint", what)
				}
				outcomes["kept all"]++
			case errors.Is(err, ErrSnapshotAhead):
				if damage != "cut" {
					t.Fatalf("%s: %v, want corruption", what, err)
				}
				asAhead(t, what, err, n, cutLast)
				outcomes["snapshot ahead"]++
			case errors.Is(err, journal.ErrCorrupt):
				if damage != "flip" || pos >= markOff {
					t.Fatalf("%s: %v", what, err)
				}
				outcomes["corrupt"]++
			default:
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	if outcomes["kept all"] == 0 || outcomes["snapshot ahead"] == 0 || outcomes["corrupt"] == 0 {
		t.Fatalf("outcomes %v: the test did not reach every case", outcomes)
	}
	t.Logf("outcomes %v", outcomes)
}

// TestSnapshotAheadOfMissingJournal is issue 17 item 5: the journal's only
// segment deleted, with or without the empty segment a writer's Open then
// creates. Recovery and CheckSnapshots refuse, naming what is missing; a
// damaged snapshot is not taken for a reason to refuse.
func TestSnapshotAheadOfMissingJournal(t *testing.T) {
	dir, seg, _ := cleanStop(t, 25)
	if err := CheckSnapshots(dir, 25); err != nil {
		t.Fatalf("CheckSnapshots on the clean directory: %v", err)
	}
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	_, err := Recover(dir, testConfig())
	asAhead(t, "segment deleted", err, 25, 0)
	asAhead(t, "CheckSnapshots", CheckSnapshots(dir, 0), 25, 0)

	w, _, err := journal.Open(journal.Options{Dir: JournalDir(dir)}) // what the pipeline does first
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Recover(dir, testConfig())
	asAhead(t, "empty segment", err, 25, 0)
	if !strings.Contains(err.Error(), "holds no command") || !strings.Contains(err.Error(), "1 segment files") {
		t.Fatalf("%v does not say the journal is empty", err)
	}

	// The snapshot damaged: it is skipped, and nothing is ahead.
	path := filepath.Join(SnapshotDir(dir), fmt.Sprintf("snapshot-%020d.snap", 25))
	b, _ := os.ReadFile(path)
	b[len(b)-1] ^= 1
	os.WriteFile(path, b, 0o644)
	if err := CheckSnapshots(dir, 0); err != nil {
		t.Fatalf("CheckSnapshots with only a damaged snapshot: %v", err)
	}
}

// Sizes of the journal's frames, as package journal documents them.
const (
	journalFrame = 9     // crc(4) length(4) type(1)
	journalMark  = 9 + 8 // a commit mark's frame
)

// TestFlipInLastRecordWithoutSnapshot is issue 13 item 6 as it was seen: no
// snapshot, one byte flipped near the end of the last segment after a clean
// stop. Recovery (journal.Open, as the pipeline runs it first, and Recover)
// must refuse a flip in the last commands as corruption naming the segment
// and offset, and keep every command when only the final commit mark is hit;
// it used to drop the acknowledged last command as a torn tail.
func TestFlipInLastRecordWithoutSnapshot(t *testing.T) {
	const n = 12
	dir, seg, clean := cleanStop(t, n)
	if err := os.RemoveAll(SnapshotDir(dir)); err != nil {
		t.Fatal(err)
	}
	recLen := journalFrame + engine.CommandSize
	markOff := len(clean) - journalMark
	for pos := markOff - 2*recLen; pos < len(clean); pos++ {
		data := bytes.Clone(clean)
		data[pos] ^= 0x80
		if err := os.WriteFile(seg, data, 0o644); err != nil {
			t.Fatal(err)
		}
		start := markOff - recLen
		if pos < start {
			start -= recLen
		}
		_, jerr := Recover(dir, testConfig())
		w, _, oerr := journal.Open(journal.Options{Dir: JournalDir(dir)})
		if pos < markOff {
			var ce *journal.CorruptionError
			if !errors.As(oerr, &ce) || ce.Segment != 1 || ce.Offset != int64(start) || !errors.Is(jerr, journal.ErrCorrupt) {
				t.Fatalf("flip at %d: Open %v, Recover %v; want corruption at segment 1 offset %d", pos, oerr, jerr, start)
			}
			continue
		}
		if oerr != nil || jerr != nil {
			t.Fatalf("flip at %d in the final mark: Open %v, Recover %v", pos, oerr, jerr)
		}
		w.Close()
		if res, err := Recover(dir, testConfig()); err != nil || res.LastSeq != n {
			t.Fatalf("flip at %d in the final mark: recovered to %d, %v", pos, res.LastSeq, err)
		}
	}
}
