package replay_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/pipeline"
	"github.com/openmatch/matchd/replay"
)

func testConfig() engine.Config {
	cfg := engine.Config{MaxOrders: 10_000, MaxLevels: 1000, History: 1000, MaxQty: 1_000_000}
	for _, s := range []string{"AAPL", "MSFT"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: s, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100_000})
	}
	return cfg
}

type counter struct{ n int }

func (c *counter) Deliver(*engine.Event) { c.n++ }

// writeJournal runs n random commands through a real pipeline into dir and
// returns how many events were delivered.
func writeJournal(t *testing.T, dir string, n int) int {
	t.Helper()
	c := &counter{}
	p, _, err := pipeline.Open(pipeline.Options{Engine: testConfig(), Dir: dir, MatcherCPU: -1,
		CheckpointEvery: 100, SnapshotEvery: 400})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(c); err != nil {
		p.Close()
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(3))
	for i := 0; i < n; i++ {
		id, _ := engine.MakeID("o" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)))
		cmd := engine.Command{Kind: engine.KindNew, Owner: uint32(i % 2), Symbol: uint32(r.Intn(2)), Side: engine.Side(1 + r.Intn(2)),
			Type: engine.Limit, Price: 100 + r.Int63n(10), Qty: 1 + r.Int63n(9), ClOrdID: id}
		if err := p.Submit(&cmd); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return c.n
}

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := replay.Main(args, &out, &errb)
	return out.String(), errb.String(), err
}

var summary = regexp.MustCompile(`^commands=(\d+) state_hash=[0-9a-f]{16} events_hash=[0-9a-f]{16}$`)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestCLIReplayAll(t *testing.T) {
	dir := t.TempDir()
	delivered := writeJournal(t, dir, 2000)
	out, _, err := run(t, "-data", dir)
	if err != nil {
		t.Fatal(err)
	}
	m := summary.FindStringSubmatch(lastLine(out))
	if m == nil || m[1] != "2000" {
		t.Fatalf("last line %q", lastLine(out))
	}
	// Twice: byte-identical events and hashes.
	ev1, _, err := run(t, "-data", dir, "-events")
	if err != nil {
		t.Fatal(err)
	}
	ev2, _, _ := run(t, "-data", dir, "-events")
	if ev1 != ev2 {
		t.Fatal("two replays of the same journal printed different output")
	}
	lines := strings.Split(strings.TrimRight(ev1, "\n"), "\n")
	if len(lines)-1 != delivered {
		t.Fatalf("replay printed %d events; the live pipeline delivered %d", len(lines)-1, delivered)
	}
	var first replay.EventJSON
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Kind != "new" || first.Seq != 1 || first.ExecID != 1 {
		t.Fatalf("first event %q: %+v %v", lines[0], first, err)
	}
	if lastLine(ev1) != lastLine(out) {
		t.Fatalf("summary differs with -events: %q vs %q", lastLine(ev1), lastLine(out))
	}
	_, stderr, err := run(t, "-data", dir, "-verify")
	if err != nil || !strings.Contains(stderr, "verified 20 checkpoints") {
		t.Fatalf("verify: %v %q", err, stderr)
	}
}

func TestCLIStopAndBook(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, 300)
	out, _, err := run(t, "-data", dir, "-stop-seq", "10", "-book", "-symbol", "AAPL")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "book AAPL\n") || strings.Contains(out, "book MSFT") {
		t.Fatalf("book output:\n%s", out)
	}
	if m := summary.FindStringSubmatch(lastLine(out)); m == nil || m[1] != "10" {
		t.Fatalf("stopped replay summary %q", lastLine(out))
	}
	if _, _, err := run(t, "-data", dir, "-stop-time", "yesterday"); err == nil || !strings.Contains(err.Error(), "-stop-time") {
		t.Fatalf("bad -stop-time: %v", err)
	}
	if _, _, err := run(t, "-data", dir, "-symbol", "AAPL"); err == nil {
		t.Fatal("-symbol without -book must fail")
	}
}

func TestCLIDamage(t *testing.T) {
	if _, _, err := run(t, "-data", filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Fatalf("missing dir: %v", err)
	}
	dir := t.TempDir()
	writeJournal(t, dir, 500)
	// A well-formed snapshot whose content disagrees with the journal fails
	// -verify, naming the snapshot.
	res, err := replay.Run(replay.Options{Dir: dir, Engine: testConfig(), StopSeq: 250})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := engine.MakeID("forged")
	res.Engine.Apply(&engine.Command{Seq: 250, Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit, Price: 50, Qty: 1, ClOrdID: id}, engine.NewEvents(4))
	if err := journal.WriteSnapshot(datadir.SnapshotDir(dir), 250, res.Engine.AppendSnapshot(nil)); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "-data", dir, "-verify")
	if err == nil || !strings.Contains(err.Error(), "snapshot-") || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("verify with a forged snapshot: %v", err)
	}
	// A flipped byte in the middle of the journal is reported with its position.
	segs, _ := filepath.Glob(filepath.Join(datadir.JournalDir(dir), "*.log"))
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "-data", dir)
	if err == nil || !strings.Contains(err.Error(), "segment") || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("corrupt journal: %v", err)
	}
}

// TestCLISnapshotAheadOfJournal: cmd/replay refuses a journal that ends
// before the snapshot a clean stop wrote (its only segment deleted, then
// recreated empty as a writer's Open does; or its tail cut below the
// snapshot), naming the snapshot and what is missing, and prints no summary
// line. It used to print commands=0 and exit 0.
func TestCLISnapshotAheadOfJournal(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, 300) // Close writes the snapshot at seq 300
	segs, _ := filepath.Glob(filepath.Join(datadir.JournalDir(dir), "*.log"))
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	seg, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, args ...string) {
		t.Helper()
		out, _, err := run(t, append([]string{"-data", dir}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "snapshot-00000000000000000300.snap is at seq 300") ||
			!strings.Contains(err.Error(), "are missing") || summary.MatchString(lastLine(out)) {
			t.Fatalf("%s %v: %v, output %q", what, args, err, out)
		}
	}
	if err := os.Truncate(segs[0], int64(len(seg)/2)); err != nil {
		t.Fatal(err)
	}
	check("journal cut in half")
	check("journal cut in half", "-from-snapshot")
	check("journal cut in half", "-verify")
	if err := os.Remove(segs[0]); err != nil {
		t.Fatal(err)
	}
	check("journal deleted")
	w, _, err := journal.Open(journal.Options{Dir: datadir.JournalDir(dir)})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	check("journal recreated empty")
	check("journal recreated empty", "-from-snapshot")
}
