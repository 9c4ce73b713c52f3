package datadir

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

// command returns the n-th command of a small deterministic stream: orders on
// both sides around one price, so that some trade.
func command(n int) engine.Command {
	id, _ := engine.MakeID("o" + strings.Repeat("x", n%7) + string(rune('a'+n%26)) + string(rune('a'+n/26%26)))
	return engine.Command{Seq: uint64(n), Time: int64(1000 + n), Kind: engine.KindNew, Owner: uint32(n % 3), Symbol: uint32(n % 2),
		Side: engine.Side(1 + n%2), Type: engine.Limit, Price: int64(100 + n%5), Qty: int64(1 + n%4), ClOrdID: id}
}

// writeJournal journals the given records in dir: a Seq appends that command,
// a negative value a checkpoint of 16 bytes, -1000 one of 3 bytes.
func writeJournal(t *testing.T, dir string, seqs ...int) {
	t.Helper()
	w, _, err := journal.Open(journal.Options{Dir: JournalDir(dir), Policy: journal.PolicyNone, MaxDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seqs {
		switch {
		case s == -1000:
			err = w.Append(journal.TypeCheckpoint, []byte{1, 2, 3})
		case s < 0:
			err = w.Append(journal.TypeCheckpoint, AppendCheckpoint(nil, uint64(-s), 0))
		default:
			c := command(s)
			err = w.Append(journal.TypeCommand, engine.AppendCommand(nil, &c))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func seqs(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// applyAll applies commands 1..n to a fresh engine.
func applyAll(t *testing.T, n int) *engine.Engine {
	t.Helper()
	eng, err := engine.New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	out := engine.NewEvents(64)
	for i := 1; i <= n; i++ {
		c := command(i)
		out.Reset()
		eng.Apply(&c, out)
	}
	return eng
}

// TestRecover: snapshot plus journal tail gives the state of applying every
// command; a damaged newer snapshot is skipped and reported.
func TestRecover(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, append(append(seqs(1, 30), -30), seqs(31, 60)...)...)
	if err := os.MkdirAll(SnapshotDir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := journal.WriteSnapshot(SnapshotDir(dir), 30, applyAll(t, 30).AppendSnapshot(nil)); err != nil {
		t.Fatal(err)
	}
	if err := journal.WriteSnapshot(SnapshotDir(dir), 50, applyAll(t, 50).AppendSnapshot(nil)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(SnapshotDir(dir), "snapshot-00000000000000000050.snap")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Recover(dir, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := applyAll(t, 60)
	if res.FromSnapshot != 30 || res.Replayed != 30 || res.LastSeq != 60 || res.LastTime != 1060 || res.Torn != nil ||
		res.Engine.StateHash() != want.StateHash() {
		t.Fatalf("Recover: from %d, replayed %d, last %d/%d, torn %v, hash %x want %x",
			res.FromSnapshot, res.Replayed, res.LastSeq, res.LastTime, res.Torn, res.Engine.StateHash(), want.StateHash())
	}
	if len(res.DamagedSnapshots) != 1 || res.DamagedSnapshots[0].Seq != 50 {
		t.Fatalf("damaged snapshots: %+v, want the one at 50", res.DamagedSnapshots)
	}

	// RestoreSnapshot honours its bound and falls back to a fresh engine.
	if r, err := RestoreSnapshot(dir, testConfig(), 29); err != nil || r.Seq != 0 || r.Engine.LastSeq() != 0 {
		t.Fatalf("RestoreSnapshot(29): seq %d, %v", r.Seq, err)
	}
}

// TestRecoverTornTail: a torn last record ends the log; everything before it is
// applied.
func TestRecoverTornTail(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, seqs(1, 10)...)
	segs, _ := filepath.Glob(filepath.Join(JournalDir(dir), "*.log"))
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	info, err := os.Stat(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Cut 3 bytes into the last record, and with it Close's commit mark.
	if err := os.Truncate(segs[0], info.Size()-journalMark-3); err != nil {
		t.Fatal(err)
	}
	res, err := Recover(dir, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if res.Torn == nil || res.LastSeq != 9 || res.Engine.StateHash() != applyAll(t, 9).StateHash() {
		t.Fatalf("torn tail: last %d, torn %v", res.LastSeq, res.Torn)
	}
}

// TestCommandReader: the rules recovery and replay share, each failure with
// its position.
func TestCommandReader(t *testing.T) {
	for _, c := range []struct {
		name    string
		records []int
		after   uint64
		want    int    // commands returned before the end or the error
		err     string // "" for io.EOF
	}{
		{"in order", seqs(1, 5), 0, 5, ""},
		{"checkpoints skipped", []int{1, -1, 2, 3, -3}, 0, 3, ""},
		{"after a snapshot", seqs(1, 5), 3, 2, ""},
		{"gap", []int{1, 2, 4}, 0, 2, "sequence gap at segment 1 offset"},
		{"gap after the snapshot", []int{1, 2, 3, 5}, 3, 0, "expected 4, found 5"},
		{"journal starts late", []int{2, 3}, 0, 0, "expected 1, found 2"},
		{"repeat", []int{1, 2, 2}, 0, 2, "sequence 2 after 2 at segment 1 offset"},
		{"repeat after the snapshot", []int{1, 2, 3, 4, 3}, 2, 2, "sequence 3 after 4"},
		{"short checkpoint", []int{1, -1000, 2}, 0, 1, "checkpoint record of 3 bytes at segment 1 offset"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeJournal(t, dir, c.records...)
			cr, err := OpenCommands(dir, c.after)
			if err != nil {
				t.Fatal(err)
			}
			defer cr.Close()
			var cmd engine.Command
			n := 0
			for {
				err = cr.Next(&cmd)
				if err != nil {
					break
				}
				n++
				if cmd.Seq != c.after+uint64(n) {
					t.Fatalf("command %d has seq %d", n, cmd.Seq)
				}
			}
			if n != c.want {
				t.Errorf("%d commands, want %d", n, c.want)
			}
			if c.err == "" {
				if err != io.EOF {
					t.Fatalf("end: %v, want io.EOF", err)
				}
				return
			}
			if err == io.EOF || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "datadir: ") {
				t.Fatalf("error %v, want %q", err, c.err)
			}
		})
	}
	if _, err := OpenCommands(t.TempDir(), 0); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenCommands without a journal: %v, want ErrNotExist", err)
	}
}
