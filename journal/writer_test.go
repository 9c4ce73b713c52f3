package journal

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoundTripAcrossSegments(t *testing.T) {
	for _, p := range []Policy{PolicyNone, PolicyBatch, PolicyEvery} {
		t.Run(p.String(), func(t *testing.T) {
			r := newRand(t, 1)
			n := 3000
			if p == PolicyEvery {
				n = 300 // an fsync per record
			}
			recs := randomRecords(r, n, 700)
			dir := t.TempDir()
			writeAll(t, r, Options{Dir: dir, Policy: p, SegmentSize: 16 << 10}, recs, 40)
			got := mustReadAll(t, dir)
			checkRecords(t, got, recs)
			segs := map[uint64]bool{}
			for i, g := range got {
				segs[g.Segment] = true
				if i > 0 && (g.Segment < got[i-1].Segment || g.Segment == got[i-1].Segment && g.Offset <= got[i-1].Offset) {
					t.Fatalf("record %d at segment %d offset %d does not follow segment %d offset %d",
						i, g.Segment, g.Offset, got[i-1].Segment, got[i-1].Offset)
				}
			}
			if len(segs) < 4 {
				t.Fatalf("records span %d segments, want several rolls", len(segs))
			}
		})
	}
}

func TestReopenContinuesIndex(t *testing.T) {
	r := newRand(t, 2)
	dir := t.TempDir()
	opts := Options{Dir: dir, Policy: PolicyNone, SegmentSize: 2 << 10}
	first := randomRecords(r, 50, 200)
	writeAll(t, r, opts, first, 5)

	w, rec, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Truncated || rec.NextIndex != 51 || w.NextIndex() != 51 || w.DurableIndex() != 50 {
		t.Fatalf("reopen: %v, NextIndex %d, DurableIndex %d; want clean, 51, 50", rec, w.NextIndex(), w.DurableIndex())
	}
	second := randomRecords(r, 50, 200)
	for _, x := range second {
		if err := w.Append(x.typ, x.payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, mustReadAll(t, dir), append(first, second...))
}

// A crash between sealing a segment and creating the next leaves a sealed last
// segment: Open starts the next one.
func TestReopenAfterSealedLastSegment(t *testing.T) {
	r := newRand(t, 3)
	dir := t.TempDir()
	opts := Options{Dir: dir, Policy: PolicyNone, SegmentSize: 1 << 10}
	recs := randomRecords(r, 40, 100)
	writeAll(t, r, opts, recs, 3)
	recs = append(recs, forceRoll(t, opts))
	_, sizes := layout(t, dir)
	last := uint64(len(sizes))
	if err := os.Remove(filepath.Join(dir, segmentName(last))); err != nil {
		t.Fatal(err)
	}
	w, rec, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Truncated || rec.NextIndex != 42 || rec.Segments != int(last-1) {
		t.Fatalf("reopen: %v", rec)
	}
	extra := written{typ: TypeCheckpoint, payload: []byte("checkpoint")}
	if err := w.Append(extra.typ, extra.payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := mustReadAll(t, dir)
	checkRecords(t, got, append(recs, extra))
	if got[41].Segment != last {
		t.Fatalf("new record in segment %d, want %d", got[41].Segment, last)
	}
}

func TestTornSegmentHeaderRecovered(t *testing.T) {
	r := newRand(t, 4)
	dir := t.TempDir()
	opts := Options{Dir: dir, Policy: PolicyNone, SegmentSize: 1 << 10}
	recs := randomRecords(r, 40, 100)
	writeAll(t, r, opts, recs, 3)
	recs = append(recs, forceRoll(t, opts))
	fs := loadFiles(t, dir)
	_, sizes := layout(t, dir)
	last := uint64(len(sizes))
	if sizes[last] != headerSize {
		t.Fatalf("setup: last segment has %d bytes, want only a header", sizes[last])
	}
	for cut := 0; cut < headerSize; cut++ {
		d := fs.store(t, segmentName(last), fs[segmentName(last)][:cut])
		_, err := readAll(t, d)
		asTorn(t, err, last, 0, int64(cut))
		w, rec, err := Open(Options{Dir: d, SegmentSize: 1 << 10})
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if !rec.Truncated || rec.Segment != last || rec.Offset != 0 || rec.Dropped != int64(cut) || rec.NextIndex != 42 {
			t.Fatalf("cut %d: %v", cut, rec)
		}
		if err := w.Append(TypeCommand, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		checkRecords(t, mustReadAll(t, d), append(recs[:41:41], written{TypeCommand, []byte("x")}))
	}
}

// forceRoll appends one record larger than opts.SegmentSize, so that the
// journal ends with a sealed segment and a new, empty one.
func forceRoll(t *testing.T, opts Options) written {
	t.Helper()
	w, _, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	big := written{typ: TypeCheckpoint, payload: make([]byte, opts.SegmentSize)}
	if err := w.Append(big.typ, big.payload); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return big
}

// syncCounts runs fn and returns the fsyncs it caused.
func syncCounts(w *Writer, fn func()) uint64 {
	before := w.syncs
	fn()
	return w.syncs - before
}

func TestPolicyDurableIndex(t *testing.T) {
	payload := make([]byte, commandSize)
	appendN := func(t *testing.T, w *Writer, n int) {
		for i := 0; i < n; i++ {
			if err := w.Append(TypeCommand, payload); err != nil {
				t.Fatal(err)
			}
		}
	}
	commit := func(t *testing.T, w *Writer) {
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		policy           Policy
		syncsPerCommit   uint64 // for a group of 3
		syncsOnClose     uint64
		durableAfterSync bool
	}{
		// Close fsyncs the last commit mark; under none it first fsyncs
		// the records (and then writes their mark).
		{PolicyNone, 0, 2, false},
		{PolicyBatch, 1, 1, true},
		{PolicyEvery, 3, 1, true},
	}
	for _, c := range cases {
		t.Run(c.policy.String(), func(t *testing.T) {
			w, _, err := Open(Options{Dir: t.TempDir(), Policy: c.policy})
			if err != nil {
				t.Fatal(err)
			}
			for g := uint64(1); g <= 3; g++ {
				appendN(t, w, 3)
				if d := w.DurableIndex(); d != 3*(g-1) {
					t.Fatalf("group %d: DurableIndex %d before Commit, want %d", g, d, 3*(g-1))
				}
				if s := syncCounts(w, func() { commit(t, w) }); s != c.syncsPerCommit {
					t.Fatalf("group %d: Commit made %d fsyncs, want %d", g, s, c.syncsPerCommit)
				}
				if d := w.DurableIndex(); d != 3*g {
					t.Fatalf("group %d: DurableIndex %d after Commit, want %d", g, d, 3*g)
				}
				want := uint64(0) // none fsyncs nothing before Sync or Close
				if c.durableAfterSync {
					want = 3 * g
				}
				if s := w.SyncedIndex(); s != want {
					t.Fatalf("group %d: SyncedIndex %d after Commit, want %d", g, s, want)
				}
			}
			if s := syncCounts(w, func() { commit(t, w) }); s != 0 {
				t.Fatalf("empty Commit made %d fsyncs", s)
			}
			if s := syncCounts(w, func() {
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}); s != c.syncsOnClose {
				t.Fatalf("Close made %d fsyncs, want %d", s, c.syncsOnClose)
			}
			if err := w.Append(TypeCommand, payload); !errors.Is(err, ErrClosed) {
				t.Fatalf("Append after Close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestWriteFailureIsSticky(t *testing.T) {
	w, _, err := Open(Options{Dir: t.TempDir(), Policy: PolicyEvery})
	if err != nil {
		t.Fatal(err)
	}
	f := w.f
	defer f.Close()
	w.f = nil // every write now fails with os.ErrInvalid
	for _, p := range []string{"a", "b"} {
		if err := w.Append(TypeCommand, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	err = w.Commit()
	if !errors.Is(err, os.ErrInvalid) || !strings.HasPrefix(err.Error(), "journal: segment 1: ") {
		t.Fatalf("Commit on a broken file: %v, want a journal error naming the segment", err)
	}
	if d := w.DurableIndex(); d != 0 {
		t.Fatalf("DurableIndex %d after a failed write, want 0", d)
	}
	if err2 := w.Append(TypeCommand, nil); err2 != err {
		t.Fatalf("Append after a failed Commit: %v, want the sticky %v", err2, err)
	}
	if err2 := w.Close(); err2 != err {
		t.Fatalf("Close after a failed Commit: %v, want the sticky %v", err2, err)
	}
}

func TestMaxDelayCommitsOldGroup(t *testing.T) {
	w, _, err := Open(Options{Dir: t.TempDir(), MaxDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	now := time.Unix(1000, 0)
	reads := 0
	w.now = func() time.Time { reads++; return now }
	// appendAt appends n records after advancing the clock by d and checks
	// DurableIndex and the fsyncs and clock reads the appends caused.
	appendAt := func(d time.Duration, n int, wantDurable, wantSyncs uint64, wantReads int) {
		t.Helper()
		now = now.Add(d)
		reads = 0
		s := syncCounts(w, func() {
			for i := 0; i < n; i++ {
				if err := w.Append(TypeCommand, []byte("c")); err != nil {
					t.Fatal(err)
				}
			}
		})
		if w.DurableIndex() != wantDurable || s != wantSyncs || reads != wantReads {
			t.Fatalf("at +%v: DurableIndex %d, fsyncs %d, clock reads %d; want %d, %d, %d",
				d, w.DurableIndex(), s, reads, wantDurable, wantSyncs, wantReads)
		}
	}
	appendAt(0, 1, 0, 0, 1)                    // record 1 opens the group: one clock read
	appendAt(5*time.Millisecond, 7, 0, 0, 0)   // records 2-8: no check between strides
	appendAt(0, 1, 8, 1, 1)                    // record 9 checks: group 5 ms old, 1-8 committed
	appendAt(500*time.Microsecond, 7, 8, 0, 0) // records 10-16
	appendAt(0, 1, 8, 0, 1)                    // record 17 checks: group 0.5 ms old
	appendAt(499*time.Microsecond, 7, 8, 0, 0) // records 18-24
	appendAt(time.Microsecond, 1, 24, 1, 1)    // record 25 checks: 1 ms old, 9-24 committed
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	appendAt(time.Hour, 1, 25, 0, 1) // a Commit closed the group: a new one opens
}

func TestMaxDelayOffReadsNoClock(t *testing.T) {
	w, _, err := Open(Options{Dir: t.TempDir(), MaxDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.now = func() time.Time { t.Fatal("clock read with MaxDelay off"); return time.Time{} }
	for i := 0; i < 3; i++ {
		if err := w.Append(TypeCommand, []byte("c")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestDurableIndexConcurrentReader(t *testing.T) {
	w, _, err := Open(Options{Dir: t.TempDir(), Policy: PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	const groups, per = 200, 8
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var bad error
	go func() {
		defer wg.Done()
		var last uint64
		for {
			d := w.DurableIndex()
			if d < last || d > groups*per || d%per != 0 {
				bad = errors.New("DurableIndex went backwards, past the end, or inside a group")
				return
			}
			last = d
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	payload := make([]byte, commandSize)
	for g := 0; g < groups; g++ {
		for i := 0; i < per; i++ {
			if err := w.Append(TypeCommand, payload); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	if bad != nil {
		t.Fatal(bad)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendCommitNoAllocs(t *testing.T) {
	payload := make([]byte, commandSize)
	for _, p := range []Policy{PolicyNone, PolicyBatch} {
		t.Run(p.String(), func(t *testing.T) {
			w, _, err := Open(Options{Dir: t.TempDir(), Policy: p})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			runs := 1000
			if p == PolicyBatch {
				runs = 20 // an fsync each
			}
			allocs := testing.AllocsPerRun(runs, func() {
				for i := 0; i < 4; i++ {
					if err := w.Append(TypeCommand, payload); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Commit(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("Append+Commit allocates %.1f times per group", allocs)
			}
		})
	}
}

func TestAppendRejects(t *testing.T) {
	w, _, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, typ := range []RecordType{0, MaxUserType + 1, typeFooter} {
		if err := w.Append(typ, nil); !errors.Is(err, ErrBadType) {
			t.Errorf("Append type %d: %v, want ErrBadType", typ, err)
		}
	}
	if err := w.Append(TypeCommand, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Append of MaxPayload+1 bytes: %v, want ErrTooLarge", err)
	}
	if w.NextIndex() != 1 {
		t.Errorf("rejected appends moved NextIndex to %d", w.NextIndex())
	}
}

func TestOpenOptionErrors(t *testing.T) {
	for _, o := range []Options{{}, {Dir: t.TempDir(), Policy: 9}, {Dir: t.TempDir(), SegmentSize: -1}} {
		if _, _, err := Open(o); err == nil || !strings.HasPrefix(err.Error(), "journal: ") {
			t.Errorf("Open(%+v): %v, want a journal error", o, err)
		}
	}
}

func TestReaderMissingAndEmptyDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := OpenReader(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing dir: %v, want fs.ErrNotExist naming it", err)
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644)
	if _, err := OpenReader(empty); !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty dir: %v, want ErrEmpty naming it", err)
	}
	// A freshly opened journal has one empty segment and reads as empty.
	w, rec, err := Open(Options{Dir: empty})
	if err != nil || rec.Segments != 0 || rec.NextIndex != 1 {
		t.Fatalf("Open empty: %v %v", rec, err)
	}
	w.Close()
	if recs, err := readAll(t, empty); err != io.EOF || len(recs) != 0 {
		t.Fatalf("new journal: %d records, %v", len(recs), err)
	}
}

func TestParsePolicy(t *testing.T) {
	for _, p := range []Policy{PolicyNone, PolicyBatch, PolicyEvery} {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	for _, s := range []string{"", "Batch", "fsync", "always"} {
		_, err := ParsePolicy(s)
		if err == nil || !strings.Contains(err.Error(), "none, batch, every") {
			t.Errorf("ParsePolicy(%q): %v, want an error listing the allowed values", s, err)
		}
	}
}
