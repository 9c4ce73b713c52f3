// matchd patch tests (see PATCH.md): outbound accounting (outbound.go). Not
// part of upstream QuickFIX/Go. Run from matchd's root:
//
//	go test -count=1 -race -run Patch github.com/quickfixgo/quickfix

package quickfix

import (
	"sync"
	"testing"
	"time"
)

// gateWriter blocks every Write until release is closed, as a socket whose
// peer does not read; Close makes the blocked and later Writes fail.
type gateWriter struct {
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	n       int
}

func (w *gateWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	w.n += len(p)
	w.mu.Unlock()
	return len(p), nil
}

func (w *gateWriter) Close() error {
	w.once.Do(func() { close(w.release) })
	return nil
}

// TestPatchOutboundCounts: what a session queued counts as unsent until the
// writer has written it; the writer wakes the session after each write and
// exposes its connection for Close; a drop counts as done.
func TestPatchOutboundCounts(t *testing.T) {
	s := &session{messageEvent: make(chan bool, 1)}
	ch := newMessageOut()
	s.out.connect(ch, s.messageEvent)
	msgs := [][]byte{[]byte("one"), []byte("three"), []byte("seven..")}
	for _, m := range msgs {
		s.queue(m)
	}
	if m, b := s.out.Unsent(); m != 3 || b != 15 {
		t.Fatalf("queued: unsent %d msgs %d bytes, want 3, 15", m, b)
	}
	// Hand two to the writer (as sendQueued does), drop the third.
	ch <- msgs[0]
	ch <- msgs[1]
	s.toSend = s.toSend[2:]
	s.dropQueued()
	if m, b := s.out.Unsent(); m != 2 || b != 8 {
		t.Fatalf("after the drop: unsent %d msgs %d bytes, want 2, 8", m, b)
	}
	w := &gateWriter{release: make(chan struct{})}
	done := make(chan struct{})
	go func() { writeLoop(w, ch, &eventLog{}); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for s.out.Conn() == nil {
		if time.Now().After(deadline) {
			t.Fatal("writeLoop never attached its connection")
		}
		time.Sleep(time.Millisecond)
	}
	if m, _ := s.out.Unsent(); m != 2 {
		t.Fatalf("writer blocked: unsent %d msgs, want 2", m)
	}
	s.out.Conn().Close() // unblocks the Write, as closing a socket does
	<-s.messageEvent     // woken after the write
	for {
		if m, b := s.out.Unsent(); m == 0 && b == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("written messages still count as unsent")
		}
		time.Sleep(time.Millisecond)
	}
	close(ch)
	<-done
	if s.out.Conn() != nil || s.out.writerWakes.Load() {
		t.Fatal("the connection outlived its writeLoop")
	}
	if _, ok := writers.Load((chan<- []byte)(ch)); ok {
		t.Fatal("the channel is still registered")
	}
}

// TestPatchNoSpinOnFullChannel: with a writer that wakes the session, a
// session whose channel is full does not re-signal itself (upstream's spin,
// quickfixgo/quickfix#615); without one it does, as upstream.
func TestPatchNoSpinOnFullChannel(t *testing.T) {
	for _, wakes := range []bool{true, false} {
		full := make(chan []byte) // unbuffered, nobody reading: always full
		s := &session{messageEvent: make(chan bool, 1), messageOut: full}
		s.out.writerWakes.Store(wakes)
		s.queue([]byte("msg"))
		s.sendQueued(false)
		signalled := len(s.messageEvent) == 1
		if signalled == wakes {
			t.Fatalf("writer wakes %v: session re-signalled itself %v", wakes, signalled)
		}
		if len(s.toSend) != 1 {
			t.Fatalf("the message left toSend: %d queued", len(s.toSend))
		}
	}
}
