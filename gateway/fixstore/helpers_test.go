package fixstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/quickfixgo/quickfix"
)

var testSID = quickfix.SessionID{BeginString: quickfix.BeginStringFIX44, SenderCompID: "MATCHD", TargetCompID: "CLIENT1"}

func mustOpen(t testing.TB, dir string, sync bool) *Store {
	t.Helper()
	s, err := Open(dir, testSID, sync)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixMsg is a plausible outbound FIX message for seq, different per seq.
func fixMsg(seq int) []byte {
	return fmt.Appendf(nil, "8=FIX.4.4\x019=150\x0135=8\x0149=MATCHD\x0156=CLIENT1\x0134=%d\x0152=20240102-10:00:00.000\x01"+
		"37=O%d\x0117=E%d\x01150=0\x0139=0\x0155=ABC\x0154=1\x0138=100\x0144=10.5\x01151=100\x0114=0\x016=0\x0110=000\x01", seq, seq, seq)
}

func randMsg(rng *rand.Rand) []byte {
	m := make([]byte, rng.IntN(40))
	for i := range m {
		m[i] = byte(rng.IntN(256))
	}
	return m
}

// model is what a store should return: a restatement of the semantics,
// independent of the log.
type model struct {
	nextSender, nextTarget int
	msgs                   map[int][]byte
}

func newModel() *model { return &model{nextSender: 1, nextTarget: 1, msgs: map[int][]byte{}} }

func (m *model) get(begin, end int) [][]byte {
	var out [][]byte
	keys := make([]int, 0, len(m.msgs))
	for k := range m.msgs {
		if k >= begin && k <= end {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, m.msgs[k])
	}
	return out
}

func equalMsgs(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

func checkRange(t testing.TB, s quickfix.MessageStore, m *model, begin, end int) {
	t.Helper()
	got, err := s.GetMessages(begin, end)
	if err != nil {
		t.Fatalf("GetMessages(%d, %d): %v", begin, end, err)
	}
	if want := m.get(begin, end); !equalMsgs(got, want) {
		t.Fatalf("GetMessages(%d, %d): got %d messages, want %d", begin, end, len(got), len(want))
	}
}

func checkSeqs(t testing.TB, s quickfix.MessageStore, sender, target int) {
	t.Helper()
	if got := s.NextSenderMsgSeqNum(); got != sender {
		t.Fatalf("NextSenderMsgSeqNum = %d, want %d", got, sender)
	}
	if got := s.NextTargetMsgSeqNum(); got != target {
		t.Fatalf("NextTargetMsgSeqNum = %d, want %d", got, target)
	}
}

// refState is the outcome of refParse.
type refState struct {
	nextSender, nextTarget int64
	hasCreation            bool
	msgs                   map[int64][]byte
	good                   int // bytes of records that parse
}

// refParse is a plain restatement of the format, kept apart from the store:
// the state the records of b (a log after its file header) give, up to the
// first one that is not exactly as the writer makes it.
func refParse(b []byte) refState {
	le := binary.LittleEndian
	st := refState{nextSender: 1, nextTarget: 1, msgs: map[int64][]byte{}}
	for off := 0; off+9 <= len(b); {
		n, k := int(le.Uint32(b[off+4:])), b[off+8]
		if k < 1 || k > 5 || n > 16<<20 || off+9+n > len(b) ||
			crc32.Checksum(b[off+4:off+9+n], crc32.MakeTable(crc32.Castagnoli)) != le.Uint32(b[off:]) ||
			n < 8 || (k <= 3 && n != 8) {
			break
		}
		v := int64(le.Uint64(b[off+9:]))
		switch k {
		case 1:
			st.hasCreation = true
		case 2:
			st.nextSender = v
		case 3:
			st.nextTarget = v
		case 4, 5:
			st.msgs[v] = b[off+17 : off+9+n]
			if k == 5 {
				st.nextSender++
			}
		}
		off += 9 + n
		st.good = off
	}
	return st
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
