package fixstore

import (
	"testing"

	"github.com/quickfixgo/quickfix"
)

// BenchmarkSaveAndIncrTarget is the store's share of one order round trip: an
// outbound report saved (SaveMessageAndIncrNextSenderMsgSeqNum) and an
// inbound order counted (IncrNextTargetMsgSeqNum). Baselines: QuickFIX's file
// store with the same sync setting, and its memory store.
func BenchmarkSaveAndIncrTarget(b *testing.B) {
	msg := fixMsg(123456)
	cases := []struct {
		name string
		open func(dir string) (quickfix.MessageStore, error)
	}{
		{"fixstore", func(dir string) (quickfix.MessageStore, error) { return NewFactory(dir, false).Create(testSID) }},
		{"quickfix-file", func(dir string) (quickfix.MessageStore, error) { return quickfixFileStores(dir, false).Create(testSID) }},
		{"memory", func(string) (quickfix.MessageStore, error) { return quickfix.NewMemoryStoreFactory().Create(testSID) }},
		{"fixstore-sync", func(dir string) (quickfix.MessageStore, error) { return NewFactory(dir, true).Create(testSID) }},
		{"quickfix-file-sync", func(dir string) (quickfix.MessageStore, error) { return quickfixFileStores(dir, true).Create(testSID) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s, err := c.open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if err := s.SaveMessageAndIncrNextSenderMsgSeqNum(s.NextSenderMsgSeqNum(), msg); err != nil {
					b.Fatal(err)
				}
				if err := s.IncrNextTargetMsgSeqNum(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen measures replay: opening a log of 100k saved messages and
// 100k target increments (what a session's Create costs late in a day).
func BenchmarkOpen(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	s := mustOpen(b, dir, false)
	msg := fixMsg(123456)
	for range n {
		must(b, s.SaveMessageAndIncrNextSenderMsgSeqNum(s.NextSenderMsgSeqNum(), msg))
		must(b, s.IncrNextTargetMsgSeqNum())
	}
	must(b, s.Close())
	b.ReportAllocs()
	b.SetBytes(s.st.size)
	for b.Loop() {
		s := mustOpen(b, dir, false)
		must(b, s.Close())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/msg")
}

// BenchmarkResend reads 100 messages from the middle of a 100k-message log,
// as a resend request would.
func BenchmarkResend(b *testing.B) {
	const n = 100_000
	s := mustOpen(b, b.TempDir(), false)
	defer s.Close()
	msg := fixMsg(123456)
	for range n {
		must(b, s.SaveMessageAndIncrNextSenderMsgSeqNum(s.NextSenderMsgSeqNum(), msg))
		must(b, s.IncrNextTargetMsgSeqNum())
	}
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := s.GetMessages(50_000, 50_099)
		if err != nil || len(msgs) != 100 {
			b.Fatal(len(msgs), err)
		}
	}
}
