package fixstore

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
)

// TestMatchesMemoryStore applies the same seeded random operations to this
// store and to QuickFIX's memory store and compares sequence numbers and
// messages over random ranges after every step, including after reopening
// ours.
func TestMatchesMemoryStore(t *testing.T) {
	seeds, steps := 40, 500
	if testing.Short() {
		seeds = 5
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runDifferential(t, seed, steps) })
	}
}

func runDifferential(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	mem, err := quickfix.NewMemoryStoreFactory().Create(testSID)
	must(t, err)
	ours := mustOpen(t, dir, false)
	defer func() { _ = ours.Close() }()
	created := ours.CreationTime()
	maxSeq := 1

	ctx := func(step int, what string) string {
		return fmt.Sprintf("seed %d step %d, after %s", seed, step, what)
	}
	for step := range steps {
		var what string
		seqNear := func() int { return max(mem.NextSenderMsgSeqNum()+rng.IntN(7)-4, 0) }
		both := func(f func(quickfix.MessageStore) error) {
			if err := f(mem); err != nil {
				t.Fatalf("%s: memory store: %v", ctx(step, what), err)
			}
			if err := f(ours); err != nil {
				t.Fatalf("%s: %v", ctx(step, what), err)
			}
		}
		switch op := rng.IntN(100); {
		case op < 35:
			what = "SaveMessageAndIncrNextSenderMsgSeqNum"
			seq, msg := mem.NextSenderMsgSeqNum(), randMsg(rng)
			both(func(s quickfix.MessageStore) error { return s.SaveMessageAndIncrNextSenderMsgSeqNum(seq, msg) })
		case op < 55:
			what = "IncrNextTargetMsgSeqNum"
			both(quickfix.MessageStore.IncrNextTargetMsgSeqNum)
		case op < 60:
			what = "IncrNextSenderMsgSeqNum"
			both(quickfix.MessageStore.IncrNextSenderMsgSeqNum)
		case op < 70:
			what = "SaveMessage"
			seq, msg := seqNear(), randMsg(rng)
			both(func(s quickfix.MessageStore) error { return s.SaveMessage(seq, msg) })
		case op < 76:
			what = "SetNextSenderMsgSeqNum"
			seq := seqNear()
			both(func(s quickfix.MessageStore) error { return s.SetNextSenderMsgSeqNum(seq) })
		case op < 80:
			what = "SetNextTargetMsgSeqNum"
			seq := max(mem.NextTargetMsgSeqNum()+rng.IntN(7)-4, 0)
			both(func(s quickfix.MessageStore) error { return s.SetNextTargetMsgSeqNum(seq) })
		case op < 82:
			what = "Reset"
			before := time.Now()
			both(quickfix.MessageStore.Reset)
			if created = ours.CreationTime(); created.Before(before.Round(0)) {
				t.Fatalf("%s: creation time %v before %v", ctx(step, what), created, before)
			}
		case op < 86:
			what = "Refresh"
			must(t, ours.Refresh())
		case op < 90:
			what = "reopen"
			must(t, ours.Close())
			ours = mustOpen(t, dir, false)
		default:
			what = "nothing"
		}
		maxSeq = max(maxSeq, mem.NextSenderMsgSeqNum()+1)

		if a, b := ours.NextSenderMsgSeqNum(), mem.NextSenderMsgSeqNum(); a != b {
			t.Fatalf("%s: NextSenderMsgSeqNum %d, memory store %d", ctx(step, what), a, b)
		}
		if a, b := ours.NextTargetMsgSeqNum(), mem.NextTargetMsgSeqNum(); a != b {
			t.Fatalf("%s: NextTargetMsgSeqNum %d, memory store %d", ctx(step, what), a, b)
		}
		if !ours.CreationTime().Equal(created) {
			t.Fatalf("%s: creation time %v, want %v", ctx(step, what), ours.CreationTime(), created)
		}
		for range 3 {
			b, e := rng.IntN(maxSeq+4)-2, rng.IntN(maxSeq+4)-2
			if rng.IntN(4) == 0 {
				b, e = -1, maxSeq+2
			}
			want, err := mem.GetMessages(b, e)
			must(t, err)
			got, err := ours.GetMessages(b, e)
			if err != nil {
				t.Fatalf("%s: GetMessages(%d, %d): %v", ctx(step, what), b, e, err)
			}
			if !equalMsgs(got, want) {
				t.Fatalf("%s: GetMessages(%d, %d): %d messages, memory store %d", ctx(step, what), b, e, len(got), len(want))
			}
		}
	}
}
