// matchd patch tests (see PATCH.md): the buffered channel from a session to its
// writer and writeLoop's coalescing. Not part of upstream QuickFIX/Go. Run from
// matchd's root (PATCH.md says why not from here):
//
//	go test -count=1 -race -run Patch github.com/quickfixgo/quickfix

package quickfix

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// recordingWriter keeps a copy of every Write; failAt makes the Writes with
// those indexes (0-based) fail after recording them.
type recordingWriter struct {
	mu     sync.Mutex
	writes [][]byte
	failAt map[int]bool
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.writes)
	w.writes = append(w.writes, append([]byte(nil), p...))
	if w.failAt[n] {
		return 0, fmt.Errorf("write %d failed", n)
	}
	return len(p), nil
}

func (w *recordingWriter) sizes() []int {
	var s []int
	for _, b := range w.writes {
		s = append(s, len(b))
	}
	return s
}

// eventLog is a Log that keeps the events.
type eventLog struct {
	nullLog
	events []string
}

func (l *eventLog) OnEvent(s string) { l.events = append(l.events, s) }

// queued returns a closed channel from newMessageOut holding msgs, so that one
// writeLoop call sees them all queued and returns when they are written.
func queued(t *testing.T, msgs ...[]byte) chan []byte {
	t.Helper()
	ch := newMessageOut()
	for _, m := range msgs {
		select {
		case ch <- m:
		default:
			t.Fatalf("channel full after %d messages", len(ch))
		}
	}
	close(ch)
	return ch
}

// message returns a message of n bytes whose content names it.
func message(i, n int) []byte {
	m := bytes.Repeat([]byte{byte('a' + i%26)}, n)
	copy(m, fmt.Sprintf("%d|", i))
	return m
}

// TestPatchMessageOutIsBuffered: a session can hand outboundQueue messages to
// its writer with the non-blocking send of session.sendQueued while the writer
// is not reading; the next one would have to wait.
func TestPatchMessageOutIsBuffered(t *testing.T) {
	ch := newMessageOut()
	if cap(ch) != outboundQueue || outboundQueue != 1024 {
		t.Fatalf("channel capacity %d, outboundQueue %d; PATCH.md documents 1024", cap(ch), outboundQueue)
	}
	for i := 0; i < outboundQueue; i++ {
		select {
		case ch <- []byte{'x'}:
		default:
			t.Fatalf("non-blocking send %d failed with no reader", i)
		}
	}
	select {
	case ch <- []byte{'x'}:
		t.Fatal("send past outboundQueue succeeded")
	default:
	}
}

// TestPatchWriteLoopCoalescesInOrder: messages queued while the writer is away
// go out in one Write, in order, byte for byte.
func TestPatchWriteLoopCoalescesInOrder(t *testing.T) {
	var msgs [][]byte
	for i := 0; i < 100; i++ {
		msgs = append(msgs, message(i, 50+i))
	}
	w := &recordingWriter{}
	writeLoop(w, queued(t, msgs...), &eventLog{})
	if len(w.writes) != 1 {
		t.Fatalf("%d writes %v, want 1", len(w.writes), w.sizes())
	}
	if want := bytes.Join(msgs, nil); !bytes.Equal(w.writes[0], want) {
		t.Fatal("the write is not the queued messages in order")
	}
}

// TestPatchWriteLoopBound: writeLoop stops gathering once it holds
// maxCoalesced bytes, so each Write is the shortest run of whole messages that
// reaches the bound, and the rest follows in later Writes.
func TestPatchWriteLoopBound(t *testing.T) {
	const size, n = 1000, 200 // 200 kB queued
	var msgs [][]byte
	for i := 0; i < n; i++ {
		msgs = append(msgs, message(i, size))
	}
	w := &recordingWriter{}
	writeLoop(w, queued(t, msgs...), &eventLog{})
	perWrite := (maxCoalesced + size - 1) / size // 66 messages: 66,000 bytes
	var want []int
	for left := n; left > 0; left -= perWrite {
		want = append(want, min(left, perWrite)*size)
	}
	if got := w.sizes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("write sizes %v, want %v", got, want)
	}
	if !bytes.Equal(bytes.Join(w.writes, nil), bytes.Join(msgs, nil)) {
		t.Fatal("the writes are not the queued messages in order")
	}
}

// TestPatchWriteLoopLargeMessage: a message larger than the bound is written
// whole; once the bound is reached nothing more is gathered behind it.
func TestPatchWriteLoopLargeMessage(t *testing.T) {
	big := message(1, maxCoalesced+5000)
	small, after := message(0, 100), message(2, 100)
	w := &recordingWriter{}
	writeLoop(w, queued(t, small, big, after, big), &eventLog{})
	want := [][]byte{append(append([]byte(nil), small...), big...), append(append([]byte(nil), after...), big...)}
	if len(w.writes) != len(want) {
		t.Fatalf("write sizes %v, want [%d %d]", w.sizes(), len(want[0]), len(want[1]))
	}
	for i := range want {
		if !bytes.Equal(w.writes[i], want[i]) {
			t.Fatalf("write %d: %d bytes, not the messages in order", i, len(w.writes[i]))
		}
	}
}

// TestPatchWriteLoopWriteError: as upstream, a failed Write is logged as an
// event and the loop goes on with what is queued, until the channel closes.
func TestPatchWriteLoopWriteError(t *testing.T) {
	big := message(0, maxCoalesced)
	w := &recordingWriter{failAt: map[int]bool{0: true}}
	l := &eventLog{}
	writeLoop(w, queued(t, big, message(1, 10), message(2, 10)), l)
	if len(w.writes) != 2 || !bytes.Equal(w.writes[1], append(message(1, 10), message(2, 10)...)) {
		t.Fatalf("write sizes %v, want [%d 20]: the loop must go on after a failed write", w.sizes(), maxCoalesced)
	}
	if len(l.events) != 1 || l.events[0] != "write 0 failed" {
		t.Fatalf("logged events %q, want the write error once", l.events)
	}
}

// TestPatchWriteLoopConcurrent: a sender racing the writer (run with -race)
// gets every message out once, in order, however the writes are cut.
func TestPatchWriteLoopConcurrent(t *testing.T) {
	ch := newMessageOut()
	w := &recordingWriter{}
	done := make(chan struct{})
	go func() {
		writeLoop(w, ch, &eventLog{})
		close(done)
	}()
	var want [][]byte
	for i := 0; i < 5000; i++ {
		m := message(i, 20+i%300)
		want = append(want, m)
		ch <- m
	}
	close(ch)
	<-done
	w.mu.Lock()
	defer w.mu.Unlock()
	if !bytes.Equal(bytes.Join(w.writes, nil), bytes.Join(want, nil)) {
		t.Fatalf("%d writes do not add up to the %d messages in order", len(w.writes), len(want))
	}
	for i, b := range w.writes {
		if len(b) == 0 {
			t.Fatalf("write %d is empty", i)
		}
	}
}
