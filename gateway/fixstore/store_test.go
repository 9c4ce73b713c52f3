package fixstore

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
)

func TestRoundTrip(t *testing.T) {
	for _, sync := range []bool{false, true} {
		dir := t.TempDir()
		before := time.Now()
		s := mustOpen(t, dir, sync)
		created := s.CreationTime()
		if created.Before(before.Round(0)) || created.After(time.Now()) {
			t.Fatalf("creation time %v not between %v and now", created, before)
		}
		m := newModel()
		for seq := 1; seq <= 10; seq++ {
			must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq)))
			m.msgs[seq] = fixMsg(seq)
			must(t, s.IncrNextTargetMsgSeqNum())
		}
		must(t, s.IncrNextSenderMsgSeqNum()) // seq 11 sent without persisting
		must(t, s.SaveMessage(12, fixMsg(12)))
		m.msgs[12] = fixMsg(12)
		must(t, s.SaveMessage(13, nil)) // an empty message is still a message
		m.msgs[13] = []byte{}
		must(t, s.SetNextTargetMsgSeqNum(40))
		checkSeqs(t, s, 12, 40)
		must(t, s.Close())
		must(t, s.Close()) // twice is fine

		if err := s.SaveMessage(14, nil); !errors.Is(err, ErrClosed) {
			t.Fatalf("SaveMessage after Close: %v, want ErrClosed", err)
		}
		if _, err := s.GetMessages(1, 2); !errors.Is(err, ErrClosed) {
			t.Fatalf("GetMessages after Close: %v, want ErrClosed", err)
		}

		s = mustOpen(t, dir, sync)
		checkSeqs(t, s, 12, 40)
		if !s.CreationTime().Equal(created) {
			t.Fatalf("creation time after reopen %v, want %v", s.CreationTime(), created)
		}
		if s.TruncatedBytes() != 0 {
			t.Fatalf("TruncatedBytes = %d", s.TruncatedBytes())
		}
		for _, r := range [][2]int{{1, 13}, {1, 1}, {13, 13}, {0, 100}, {5, 7}, {11, 11}, {11, 12}, {14, 20}, {-5, 0}, {7, 3}} {
			checkRange(t, s, m, r[0], r[1])
		}
		must(t, s.Close())
	}
}

func TestResetAndRefresh(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, false)
	defer s.Close()
	for seq := 1; seq <= 5; seq++ {
		must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq)))
	}
	must(t, s.SetNextTargetMsgSeqNum(9))
	old := s.CreationTime()

	time.Sleep(time.Millisecond) // so the new creation time differs
	must(t, s.Reset())
	checkSeqs(t, s, 1, 1)
	if !s.CreationTime().After(old) {
		t.Fatalf("creation time after Reset %v, not after %v", s.CreationTime(), old)
	}
	checkRange(t, s, newModel(), 1, 10)
	if fi, err := os.Stat(s.Path()); err != nil || fi.Size() != logHeaderSize+headerSize+8 {
		t.Fatalf("after Reset the log should hold one creation record: %v %v", fi.Size(), err)
	}

	m := newModel()
	must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(1, fixMsg(1)))
	m.msgs[1] = fixMsg(1)
	must(t, s.IncrNextTargetMsgSeqNum())
	created := s.CreationTime()
	must(t, s.Refresh())
	checkSeqs(t, s, 2, 2)
	checkRange(t, s, m, 1, 10)
	if !s.CreationTime().Equal(created) {
		t.Fatalf("creation time changed by Refresh")
	}

	// Refresh re-reads the file: a record appended by someone else (here, a
	// second Store on the same file) becomes visible.
	other := mustOpen(t, dir, false)
	must(t, other.SetNextSenderMsgSeqNum(50))
	must(t, other.Close())
	checkSeqs(t, s, 2, 2)
	must(t, s.Refresh())
	checkSeqs(t, s, 50, 2)

	// Refresh of a closed store reopens it.
	must(t, s.Close())
	must(t, s.Refresh())
	must(t, s.IncrNextTargetMsgSeqNum())
	checkSeqs(t, s, 50, 3)

	// A Refresh that finds corruption leaves the store refusing writes with
	// that error, and a later Refresh can recover.
	good := readFile(t, s.Path())
	bad := append([]byte(nil), good...)
	bad[logHeaderSize+headerSize+8+4] ^= 1 // the second record's length: not its last

	must(t, os.WriteFile(s.Path(), bad, 0o600))
	if err := s.Refresh(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Refresh of a corrupt log: %v", err)
	}
	if err := s.IncrNextTargetMsgSeqNum(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("write after failed Refresh: %v", err)
	}
	checkSeqs(t, s, 50, 3)
	must(t, os.WriteFile(s.Path(), good, 0o600))
	must(t, s.Refresh())
	must(t, s.IncrNextTargetMsgSeqNum())
	checkSeqs(t, s, 50, 4)
}

// TestEmptyLogGetsCreationTime: a log as a crash inside Reset leaves it, in
// the current format (its header only) and in format 1 (empty).
func TestEmptyLogGetsCreationTime(t *testing.T) {
	for _, empty := range []string{logHeader, ""} {
		dir := t.TempDir()
		path := filepath.Join(dir, filenamePrefix(testSID)+".fixlog")
		must(t, os.WriteFile(path, []byte(empty), 0o600))
		s := mustOpen(t, dir, false)
		if s.CreationTime().IsZero() {
			t.Fatal("no creation time")
		}
		must(t, s.Close())
		if b := readFile(t, path); len(b) != logHeaderSize+headerSize+8 || string(b[:logHeaderSize]) != logHeader ||
			b[logHeaderSize+8] != byte(kindCreationTime) {
			t.Fatalf("log after opening %q: % x", empty, b)
		}
	}
}

// TestSparseIndex saves more messages than several index intervals, with a
// gap and two rewinds, and reads ranges around every index point.
func TestSparseIndex(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, false)
	m := newModel()
	save := func(seq int, tag string) {
		msg := append(fixMsg(seq), tag...)
		must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, msg))
		must(t, s.IncrNextTargetMsgSeqNum())
		m.msgs[seq] = msg
	}
	for seq := 1; seq <= 3500; seq++ {
		save(seq, "a")
	}
	for seq := 5000; seq <= 5100; seq++ { // a gap of seqnums never saved
		save(seq, "a")
	}
	check := func() {
		t.Helper()
		for _, p := range []int{1, 1024, 1025, 2048, 2049, 3072, 3073, 3500, 5000} {
			for _, d := range []int{-2, -1, 0, 1, 2} {
				checkRange(t, s, m, p+d, p+d)
				checkRange(t, s, m, p+d, p+d+1030)
				checkRange(t, s, m, 1, p+d)
			}
		}
		checkRange(t, s, m, 0, 6000)
		checkRange(t, s, m, 1000, 4999)
		checkRange(t, s, m, 3400, 5050)
	}
	check()

	// Rewind: seqnums 1000..2500 saved again (a new run), then 2400..2600 again.
	for seq := 1000; seq <= 2500; seq++ {
		save(seq, "b")
	}
	for seq := 2400; seq <= 2600; seq++ {
		save(seq, "c")
	}
	if n := len(s.st.runs); n != 3 {
		t.Fatalf("%d runs, want 3", n)
	}
	check()
	must(t, s.Close())
	s = mustOpen(t, dir, false)
	defer s.Close()
	check()
	if n := len(s.st.runs); n != 3 {
		t.Fatalf("%d runs after reopen, want 3", n)
	}
	if n := len(s.st.runs[0].index); n != 4 { // 3601 messages: entries at 0, 1024, 2048, 3072
		t.Fatalf("first run has %d index entries, want 4", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, false)
	defer s.Close()
	const writers, perWriter = 4, 300
	var mu sync.Mutex // hands out sender seqnums like QuickFIX's sendMutex
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range perWriter {
				mu.Lock()
				seq := s.NextSenderMsgSeqNum()
				err := s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq))
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				if err := s.IncrNextTargetMsgSeqNum(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			n := s.NextSenderMsgSeqNum() - 1
			msgs, err := s.GetMessages(1, n)
			if err != nil {
				t.Error(err)
				return
			}
			if len(msgs) < n { // more may have been saved since
				t.Errorf("GetMessages(1, %d) returned %d", n, len(msgs))
				return
			}
		}
	})
	wg.Wait()
	checkSeqs(t, s, writers*perWriter+1, writers*perWriter+1)
}

// TestIterateCallback: the callback runs without the lock (it may call the
// store), and a Reset between batches stops the iteration.
func TestIterateCallback(t *testing.T) {
	s := mustOpen(t, t.TempDir(), false)
	defer s.Close()
	for seq := 1; seq <= 3000; seq++ {
		must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq)))
	}
	n := 0
	err := s.IterateMessages(1, 3000, func(msg []byte) error {
		n++
		must(t, s.IncrNextTargetMsgSeqNum()) // would deadlock under the lock
		if !strings.Contains(string(msg), "\x0134="+strconv.Itoa(n)+"\x01") {
			t.Fatalf("message %d out of order: %q", n, msg)
		}
		return nil
	})
	must(t, err)
	if n != 3000 || s.NextTargetMsgSeqNum() != 3001 {
		t.Fatalf("visited %d, next target %d", n, s.NextTargetMsgSeqNum())
	}

	stop := errors.New("stop")
	n = 0
	if err := s.IterateMessages(1, 3000, func([]byte) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("callback error: got %v after %d calls", err, n)
	}

	n = 0
	err = s.IterateMessages(1, 3000, func([]byte) error {
		if n++; n == 1 {
			return s.Reset()
		}
		return nil
	})
	if !errors.Is(err, ErrReset) || n != window {
		t.Fatalf("Reset during iteration: %v after %d calls, want ErrReset after %d", err, n, window)
	}
}

func TestSaveDoesNotAllocate(t *testing.T) {
	for _, sync := range []bool{false, true} {
		s := mustOpen(t, t.TempDir(), sync)
		msg := fixMsg(1)
		for range 2000 { // warm: buffer, first index entries
			must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(s.NextSenderMsgSeqNum(), msg))
			must(t, s.IncrNextTargetMsgSeqNum())
		}
		seq := s.NextSenderMsgSeqNum()
		runs := 1000
		if sync {
			runs = 50
		}
		// The sparse index grows by one entry per 1024 messages; that
		// amortised growth is below one allocation per run.
		allocs := testing.AllocsPerRun(runs, func() {
			if err := s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, msg); err != nil {
				t.Fatal(err)
			}
			seq++
			if err := s.IncrNextTargetMsgSeqNum(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("sync=%v: %v allocations per save + incr, want 0", sync, allocs)
		}
		must(t, s.Close())
	}
}

func TestTooLarge(t *testing.T) {
	s := mustOpen(t, t.TempDir(), false)
	defer s.Close()
	if err := s.SaveMessage(1, make([]byte, MaxPayload-7)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized message: %v", err)
	}
	must(t, s.SaveMessage(1, make([]byte, MaxPayload-8)))
	must(t, s.Close())
	s = mustOpen(t, filepath.Dir(s.Path()), false)
	msgs, err := s.GetMessages(1, 1)
	if err != nil || len(msgs) != 1 || len(msgs[0]) != MaxPayload-8 {
		t.Fatalf("largest message read back: %d msgs, err %v", len(msgs), err)
	}
}

func TestFactory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	st, err := NewFactory(dir, false).Create(testSID)
	must(t, err)
	s := st.(*Store)
	if want := filepath.Join(dir, "FIX.4.4-MATCHD-CLIENT1.fixlog"); s.Path() != want {
		t.Fatalf("path %s, want %s", s.Path(), want)
	}
	must(t, s.Close())

	must(t, os.WriteFile(s.Path(), []byte("not a log at all, long enough to hold a header"), 0o600))
	st, err = NewFactory(dir, false).Create(testSID)
	if err == nil || st != nil {
		t.Fatalf("Create of a corrupt log: %v, %v (want nil interface)", st, err)
	}
}

var _ quickfix.MessageStoreFactory = factory{}
