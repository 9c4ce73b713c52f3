package fixstore

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshot is a store's state after one operation, with the log's size then.
type snapshot struct {
	size                   int64
	nextSender, nextTarget int
	msgs                   map[int][]byte
}

// buildLog applies ops to a new store and returns the log's bytes and the
// state after each op (snaps[0] is the new store, before any op).
func buildLog(t *testing.T, ops []func(*Store) error) ([]byte, []snapshot) {
	t.Helper()
	s := mustOpen(t, t.TempDir(), false)
	var snaps []snapshot
	take := func() {
		all, err := s.GetMessages(0, 1000)
		must(t, err)
		m := map[int][]byte{}
		for _, msg := range all {
			m[seqOf(t, msg)] = msg
		}
		snaps = append(snaps, snapshot{s.st.size, s.NextSenderMsgSeqNum(), s.NextTargetMsgSeqNum(), m})
	}
	take()
	for _, op := range ops {
		must(t, op(s))
		take()
	}
	must(t, s.Close())
	return readFile(t, s.Path()), snaps
}

// seqOf reads 34= from a fixMsg.
func seqOf(t *testing.T, msg []byte) int {
	var seq int
	i := bytes.Index(msg, []byte("\x0134="))
	if i < 0 {
		t.Fatalf("no MsgSeqNum in %q", msg)
	}
	_, err := fmt.Sscanf(string(msg[i+4:]), "%d", &seq)
	must(t, err)
	return seq
}

func checkSnapshot(t *testing.T, s *Store, want snapshot) {
	t.Helper()
	checkSeqs(t, s, want.nextSender, want.nextTarget)
	m := newModel()
	m.msgs = want.msgs
	checkRange(t, s, m, 0, 1000)
	if s.st.size != want.size {
		t.Fatalf("log size %d, want %d", s.st.size, want.size)
	}
}

// writeLog writes b as the test session's log in a new directory.
func writeLog(t testing.TB, b []byte) string {
	t.Helper()
	dir := t.TempDir()
	writeLogIn(t, dir, b)
	return dir
}

func writeLogIn(t testing.TB, dir string, b []byte) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(dir, filenamePrefix(testSID)+".fixlog"), b, 0o600))
}

var lastOps = map[string]func(*Store) error{
	"SaveMessageAndIncr": func(s *Store) error {
		return s.SaveMessageAndIncrNextSenderMsgSeqNum(s.NextSenderMsgSeqNum(), fixMsg(s.NextSenderMsgSeqNum()))
	},
	"SaveMessage":    func(s *Store) error { return s.SaveMessage(2, fixMsg(2)) }, // a rewrite, new run
	"IncrNextTarget": (*Store).IncrNextTargetMsgSeqNum,
	"SetNextSender":  func(s *Store) error { return s.SetNextSenderMsgSeqNum(77) },
}

func prefixOps() []func(*Store) error {
	var ops []func(*Store) error
	for range 4 {
		ops = append(ops, lastOps["SaveMessageAndIncr"], lastOps["IncrNextTarget"])
	}
	return ops
}

func TestTornTailEveryCut(t *testing.T) {
	for name, last := range lastOps {
		t.Run(name, func(t *testing.T) {
			log, snaps := buildLog(t, append(prefixOps(), last))
			prev := snaps[len(snaps)-2]
			start := prev.size
			for cut := start + 1; cut < int64(len(log)); cut++ {
				dir := writeLog(t, log[:cut])
				s, err := Open(dir, testSID, false)
				if err != nil {
					t.Fatalf("cut at %d (record at %d..%d): %v", cut, start, len(log), err)
				}
				if got := s.TruncatedBytes(); got != cut-start {
					t.Fatalf("cut at %d: TruncatedBytes %d, want %d", cut, got, cut-start)
				}
				checkSnapshot(t, s, prev)
				if fi, err := os.Stat(s.Path()); err != nil || fi.Size() != start {
					t.Fatalf("cut at %d: file not truncated to %d: %v %v", cut, start, fi.Size(), err)
				}
				// The store goes on from there, and a reopen finds nothing to cut.
				must(t, last(s))
				must(t, s.Close())
				s = mustOpen(t, dir, false)
				if s.TruncatedBytes() != 0 {
					t.Fatalf("cut at %d: second open truncated %d", cut, s.TruncatedBytes())
				}
				checkSnapshot(t, s, snaps[len(snaps)-1])
				must(t, s.Close())
			}
		})
	}
}

// TestTornFirstRecord: a crash while the creation record of a new log (or the
// one after Reset) was being written.
func TestTornFirstRecord(t *testing.T) {
	log, _ := buildLog(t, nil)
	for cut := logHeaderSize + 1; cut < len(log); cut++ {
		s, err := Open(writeLog(t, log[:cut]), testSID, false)
		must(t, err)
		if s.TruncatedBytes() != int64(cut-logHeaderSize) || s.CreationTime().IsZero() {
			t.Fatalf("cut at %d: truncated %d, creation %v", cut, s.TruncatedBytes(), s.CreationTime())
		}
		checkSeqs(t, s, 1, 1)
		must(t, s.Close())
	}
}

// TestBadChecksumLastRecord: a last record whose bytes did not all reach the
// disk is a torn tail, whichever byte is wrong (its length or type included:
// nothing valid follows).
func TestBadChecksumLastRecord(t *testing.T) {
	log, snaps := buildLog(t, append(prefixOps(), lastOps["SaveMessageAndIncr"]))
	prev := snaps[len(snaps)-2]
	start := int(prev.size)
	for i := start; i < len(log); i++ {
		b := bytes.Clone(log)
		b[i] ^= 0x20
		s, err := Open(writeLog(t, b), testSID, false)
		if err != nil {
			t.Fatalf("byte %d of the last record flipped: %v", i-start, err)
		}
		if s.TruncatedBytes() != int64(len(log)-start) {
			t.Fatalf("byte %d flipped: truncated %d, want %d", i-start, s.TruncatedBytes(), len(log)-start)
		}
		checkSnapshot(t, s, prev)
		must(t, s.Close())
	}
}

// TestCorruption flips bytes in every record but the last: Open must fail
// naming that record's offset, and leave the file alone.
func TestCorruption(t *testing.T) {
	log, snaps := buildLog(t, prefixOps())
	for r := 0; r+2 < len(snaps); r++ { // records r = snaps[r].size .. snaps[r+1].size
		start, end := snaps[r].size, snaps[r+1].size
		for i := start; i < end; i++ {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(log)
				b[i] ^= x
				dir := writeLog(t, b)
				s, err := Open(dir, testSID, false)
				var ce *CorruptionError
				if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
					if s != nil {
						s.Close()
					}
					t.Fatalf("byte %d (record at %d) ^ %#x: err %v, want corruption", i, start, x, err)
				}
				if ce.Offset != start || !strings.HasSuffix(err.Error(), fmt.Sprintf(" at offset %d", start)) ||
					!strings.HasPrefix(err.Error(), "fixstore: record: ") ||
					!strings.Contains(err.Error(), ".fixlog") {
					t.Fatalf("byte %d ^ %#x: %v, want offset %d", i, x, err, start)
				}
				if got := readFile(t, filepath.Join(dir, filenamePrefix(testSID)+".fixlog")); !bytes.Equal(got, b) {
					t.Fatalf("byte %d ^ %#x: Open modified a corrupt log", i, x)
				}
			}
		}
	}
	// A valid frame the store never writes is corruption even as the last
	// record: an unknown kind, a payload size wrong for its kind.
	last := snaps[len(snaps)-2].size
	for _, c := range []struct {
		what string
		rec  []byte
	}{
		{"unknown kind", appendRecord(nil, 9, 1, nil)},
		{"creation record with a message", appendRecord(nil, kindCreationTime, 1, []byte("x"))},
	} {
		b := append(bytes.Clone(log[:last]), c.rec...)
		_, err := Open(writeLog(t, b), testSID, false)
		var ce *CorruptionError
		if !errors.As(err, &ce) || ce.TornTail || ce.Offset != last {
			t.Fatalf("%s as the last record: %v", c.what, err)
		}
	}
}

// TestGarbage: random and degenerate files never panic; what opens is what
// the reference parser reads.
func TestGarbage(t *testing.T) {
	seed := uint64(7)
	rng := rand.New(rand.NewPCG(seed, 0))
	inputs := [][]byte{nil, make([]byte, 5), make([]byte, 9), make([]byte, 4096), bytes.Repeat([]byte{0xff}, 100)}
	for range 300 {
		inputs = append(inputs, randMsg(rng))
	}
	valid, _ := buildLog(t, prefixOps())
	valid = valid[logHeaderSize:]
	for range 300 { // a valid log with a few random bytes changed or cut
		b := bytes.Clone(valid)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		inputs = append(inputs, b[:rng.IntN(len(b)+1)])
	}
	dir := t.TempDir()
	for i, in := range inputs {
		if !checkOpen(t, dir, in) {
			t.Fatalf("seed %d input %d: % x", seed, i, in)
		}
	}
}

// checkOpen opens the file header followed by data as the log in dir and
// checks the outcome against refParse.
func checkOpen(t *testing.T, dir string, data []byte) bool {
	t.Helper()
	writeLogIn(t, dir, append([]byte(logHeader), data...))
	ref := refParse(data)
	s, err := Open(dir, testSID, false)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("Open: %v, want nil or a corruption error", err)
			return false
		}
		if ref.good == len(data) {
			t.Errorf("Open of a log the reference parser reads whole: %v", err)
			return false
		}
		return true
	}
	defer s.Close()
	if good := int64(len(data)) - s.TruncatedBytes(); good != int64(ref.good) {
		t.Errorf("kept %d bytes, reference parser reads %d", good, ref.good)
		return false
	}
	if s.NextSenderMsgSeqNum() != int(ref.nextSender) || s.NextTargetMsgSeqNum() != int(ref.nextTarget) {
		t.Errorf("seqnums %d %d, reference %d %d", s.NextSenderMsgSeqNum(), s.NextTargetMsgSeqNum(), ref.nextSender, ref.nextTarget)
		return false
	}
	got, err := s.GetMessages(math.MinInt, math.MaxInt)
	if err != nil {
		t.Errorf("GetMessages: %v", err)
		return false
	}
	m := newModel()
	for k, v := range ref.msgs {
		m.msgs[int(k)] = v
	}
	if want := m.get(math.MinInt, math.MaxInt); !equalMsgs(got, want) {
		t.Errorf("%d messages, reference %d", len(got), len(want))
		return false
	}
	must(t, s.Close())
	s2, err := Open(dir, testSID, false)
	if err != nil || s2.TruncatedBytes() != 0 || s2.NextSenderMsgSeqNum() != int(ref.nextSender) {
		t.Errorf("reopen: %v", err)
		return false
	}
	must(t, s2.Close())
	return true
}

// FuzzOpen: no file content makes Open panic, and what it keeps is what the
// reference parser reads. Seeds are small valid logs (short messages, so the
// fuzzer's minimizer stays quick), whole and cut.
func FuzzOpen(f *testing.F) {
	s := mustOpen(f, f.TempDir(), false)
	must(f, s.SaveMessageAndIncrNextSenderMsgSeqNum(1, []byte("8=FIX")))
	must(f, s.IncrNextTargetMsgSeqNum())
	must(f, s.SaveMessage(1, []byte("x")))
	must(f, s.SetNextSenderMsgSeqNum(9))
	must(f, s.SaveMessage(0, nil))
	must(f, s.Close())
	b := readFile(f, s.Path())[logHeaderSize:]
	f.Add(b)
	f.Add(b[:len(b)-3])
	f.Add(b[headerSize+8:]) // no creation record
	f.Add([]byte{})
	f.Add(make([]byte, 20))
	dir := f.TempDir() // one per process; inputs run one at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		checkOpen(t, dir, data)
	})
}
