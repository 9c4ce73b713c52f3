package gateway

import (
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// TestDeliverNoAllocs: queueing a report for a logged-on session allocates
// nothing once its queue has grown (formatting happens on the session's sender).
func TestDeliverNoAllocs(t *testing.T) {
	gw := newIdleGateway(t, &countSink{})
	sid := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "DALLOC"}
	s := gw.addSession(sid, 1)
	s.online, s.sending = true, true // as if its sender ran
	ev := engine.Event{Owner: 1, ExecID: 1, Kind: engine.EvAccepted}
	deliver := func() {
		gw.Deliver(&ev)
		s.mu.Lock()
		s.pending.pop()
		s.mu.Unlock()
		<-s.wake
	}
	deliver()
	if n := testing.AllocsPerRun(200, deliver); n != 0 {
		t.Fatalf("%v allocs per Deliver, want 0", n)
	}
}

// TestEventQueuePushFront: reports put back after a failed send go ahead of
// everything queued meanwhile, in their order, across growth and wrap-around.
func TestEventQueuePushFront(t *testing.T) {
	var q eventQueue
	for i := uint64(1); i <= 10; i++ {
		q.push(&engine.Event{ExecID: 100 + i})
	}
	for i := 0; i < 5; i++ {
		q.pop()
	}
	back := make([]engine.Event, 20)
	for i := range back {
		back[i].ExecID = uint64(i + 1)
	}
	q.pushFront(back)
	want := []uint64{}
	for i := 1; i <= 20; i++ {
		want = append(want, uint64(i))
	}
	want = append(want, 106, 107, 108, 109, 110)
	for i, w := range want {
		if q.len() != len(want)-i || q.front().ExecID != w {
			t.Fatalf("at %d: len %d front %d, want %d", i, q.len(), q.front().ExecID, w)
		}
		q.pop()
	}
}

// BenchmarkDeliver is the releaser's side of a report: queue it on a logged-on
// session and wake its sender (the sender's formatting is BenchmarkBuildReport).
func BenchmarkDeliver(b *testing.B) {
	gw := newIdleGateway(b, &countSink{})
	sid := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: "DBENCH"}
	s := gw.addSession(sid, 1)
	s.online, s.sending = true, true
	ev := engine.Event{Owner: 1, ExecID: 1, Kind: engine.EvAccepted}
	b.ReportAllocs()
	for b.Loop() {
		gw.Deliver(&ev)
		s.mu.Lock()
		s.pending.pop()
		s.mu.Unlock()
		select {
		case <-s.wake:
		default:
		}
	}
}
