package replay_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/record"
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

// writeJournal runs n random commands of owners 1 and 2 through a real
// pipeline into dir and returns how many events were delivered. It writes no
// owner registry (writeOwners does).
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
		cmd := engine.Command{Kind: engine.KindNew, Owner: uint32(1 + i%2), Symbol: uint32(r.Intn(2)), Side: engine.Side(1 + r.Intn(2)),
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

// writeOwners writes dir's owner registry (format 2 of gateway/owners.go, as
// the gateway writes it): owner id i+1 is the session of BeginString
// begins[i] between ENGINE and client CompID clients[i].
func writeOwners(t *testing.T, dir string, begins, clients []string) {
	t.Helper()
	b := []byte("MOWNERS\x02")
	for i, c := range clients {
		start := len(b)
		b = record.Begin(b, 1)
		b = binary.LittleEndian.AppendUint32(b, uint32(i+1))
		for _, f := range []string{begins[i], "ENGINE", "", "", c, "", "", ""} {
			b = binary.LittleEndian.AppendUint16(b, uint16(len(f)))
			b = append(b, f...)
		}
		if err := record.Finish(b[start:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(datadir.OwnersFile(dir), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventLines decodes the JSON lines before the summary line of out.
func eventLines[T any](t *testing.T, out string) []T {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	evs := make([]T, len(lines)-1)
	for i, l := range lines[:len(lines)-1] {
		if err := json.Unmarshal([]byte(l), &evs[i]); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
	}
	return evs
}

// TestCLIEventsDecimalAndCompIDs: -events prints prices and notional as
// decimals of the symbol and owners as the CompIDs of the data directory's
// owner registry; -raw prints the engine's ticks and owner ids, the same
// events otherwise. It used to print ticks and ids only.
func TestCLIEventsDecimalAndCompIDs(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, 300)
	writeOwners(t, dir, []string{"FIX.4.4", "FIX.4.4"}, []string{"BROKER_A", "BROKER_B"})
	out, stderr, err := run(t, "-data", dir, "-events")
	if err != nil || stderr != "" {
		t.Fatalf("-events: %v, stderr %q", err, stderr)
	}
	rawOut, _, err := run(t, "-data", dir, "-events", "-raw")
	if err != nil {
		t.Fatal(err)
	}
	evs, raws := eventLines[replay.EventJSON](t, out), eventLines[replay.RawEventJSON](t, rawOut)
	if len(evs) != len(raws) || len(evs) == 0 {
		t.Fatalf("%d events, %d raw", len(evs), len(raws))
	}
	// testConfig: TickDecimals 2, TickSize 1, so ticks/100.
	dec := func(ticks int64) string { return strconv.FormatFloat(float64(ticks)/100, 'f', 2, 64) }
	names := map[uint32]string{1: "BROKER_A", 2: "BROKER_B"}
	fills := 0
	for i, e := range evs {
		r := raws[i]
		if e.ExecID != r.ExecID || e.Owner != names[r.Owner] || e.Price != dec(r.Price) || e.Notional != dec(r.Notional) {
			t.Fatalf("event %d: %+v, raw %+v", i, e, r)
		}
		if r.LastQty > 0 {
			fills++
			if e.LastPx != dec(r.LastPx) {
				t.Fatalf("fill %d: last_px %q, raw %d", i, e.LastPx, r.LastPx)
			}
		} else if e.LastPx != "" {
			t.Fatalf("event %d is no fill but has last_px %q", i, e.LastPx)
		}
	}
	if fills == 0 {
		t.Fatal("no fill in the journal")
	}
	if !strings.Contains(strings.SplitN(out, "\n", 2)[0], `"price":"1.0`) {
		t.Fatalf("price not a decimal string: %s", strings.SplitN(out, "\n", 2)[0])
	}
	if lastLine(out) != lastLine(rawOut) {
		t.Fatalf("summaries differ: %q, %q", lastLine(out), lastLine(rawOut))
	}
	if _, _, err := run(t, "-data", dir, "-raw"); err == nil || !strings.Contains(err.Error(), "-raw goes with") {
		t.Fatalf("-raw alone: %v", err)
	}
}

// TestCLIBookDecimalAndCompIDs: -book prints decimal prices and CompIDs,
// -book -raw ticks and owner ids.
func TestCLIBookDecimalAndCompIDs(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, 300)
	writeOwners(t, dir, []string{"FIX.4.4", "FIX.4.4"}, []string{"BROKER_A", "BROKER_B"})
	for _, c := range []struct {
		args []string
		line string
	}{
		{nil, `^  (bid|ask) px=1\.0\d leaves=\d+ qty=\d+ cum=\d+ order_id=\d+ owner=BROKER_[AB] cl_ord_id=\w+ tif=day$`},
		{[]string{"-raw"}, `^  (bid|ask) px=10\d leaves=\d+ qty=\d+ cum=\d+ order_id=\d+ owner=[12] cl_ord_id=\w+ tif=day$`},
	} {
		out, stderr, err := run(t, append([]string{"-data", dir, "-book"}, c.args...)...)
		if err != nil || stderr != "" {
			t.Fatalf("-book %v: %v, stderr %q", c.args, err, stderr)
		}
		re := regexp.MustCompile(c.line)
		orders := 0
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if strings.HasPrefix(l, "book ") || summary.MatchString(l) {
				continue
			}
			orders++
			if !re.MatchString(l) {
				t.Fatalf("-book %v: line %q does not match %s", c.args, l, c.line)
			}
		}
		if orders == 0 {
			t.Fatalf("-book %v: no resting order:\n%s", c.args, out)
		}
	}
}

// TestCLIOwnersUnnamed: a journal replayed without its owner registry prints
// owners as #<id> and says why once on stderr; so does an id the registry
// lacks; two sessions of one CompID are named by their SessionIDs.
func TestCLIOwnersUnnamed(t *testing.T) {
	dir := t.TempDir()
	writeJournal(t, dir, 300)
	bookOwner := regexp.MustCompile(` owner=(\S+) `)
	check := func(what, warning string, want map[string]bool) {
		t.Helper()
		for _, args := range [][]string{{"-events"}, {"-book"}, {"-events", "-book"}} {
			out, stderr, err := run(t, append([]string{"-data", dir}, args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "replay: warning: ") || !strings.Contains(stderr, warning) {
				t.Fatalf("%s %v: stderr %q, want one warning with %q", what, args, stderr, warning)
			}
			seen := map[string]bool{}
			for _, l := range strings.Split(out, "\n") {
				if m := bookOwner.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, "  ") {
					seen[m[1]] = true
				} else if strings.HasPrefix(l, "{") {
					var e replay.EventJSON
					if err := json.Unmarshal([]byte(l), &e); err != nil {
						t.Fatal(err)
					}
					seen[e.Owner] = true
				}
			}
			if len(seen) != len(want) {
				t.Fatalf("%s %v: owners %v, want %v", what, args, seen, want)
			}
			for o := range seen {
				if !want[o] {
					t.Fatalf("%s %v: owners %v, want %v", what, args, seen, want)
				}
			}
		}
	}
	check("no registry", "no owner registry "+datadir.OwnersFile(dir), map[string]bool{"#1": true, "#2": true})
	writeOwners(t, dir, []string{"FIX.4.4"}, []string{"BROKER_A"})
	check("one owner registered", "owner #2 (and any other printed as #<owner id>) is not in "+datadir.OwnersFile(dir)+", which has 1 owners",
		map[string]bool{"BROKER_A": true, "#2": true})
	writeOwners(t, dir, []string{"FIX.4.2", "FIX.4.4"}, []string{"BROKER_A", "BROKER_A"})
	out, stderr, err := run(t, "-data", dir, "-events")
	if err != nil || stderr != "" {
		t.Fatalf("one CompID twice: %v, stderr %q", err, stderr)
	}
	seen := map[string]bool{}
	for _, e := range eventLines[replay.EventJSON](t, out) {
		seen[e.Owner] = true
	}
	if len(seen) != 2 || !seen["FIX.4.2:ENGINE->BROKER_A"] || !seen["FIX.4.4:ENGINE->BROKER_A"] {
		t.Fatalf("one CompID twice: owners %v", seen)
	}
}
