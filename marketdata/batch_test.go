package marketdata

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// msgShape writes one message as "W a/0", "X b/0" or "B a[1 1 0]" (a batch:
// ReqID and the symbols of its refreshes).
func msgShape(m sentMsg) string {
	switch {
	case m.batch:
		syms := make([]string, len(m.rs))
		for i, r := range m.rs {
			syms[i] = fmt.Sprint(r.Symbol)
		}
		return "B " + m.reqID + "[" + strings.Join(syms, " ") + "]"
	case m.rs[0].Full:
		return fmt.Sprintf("W %s/%d", m.reqID, m.rs[0].Symbol)
	}
	return fmt.Sprintf("X %s/%d", m.reqID, m.rs[0].Symbol)
}

// TestFeedBatches: a BatchClient held in its first Send while W and X queue
// up gets, once released, each run of consecutive X of one ReqID as one
// SendBatch in queue order (across symbols), a W always alone, a lone X by
// Send, never two ReqIDs in one batch; the refreshes, flattened, are exactly
// those a plain client with the same subscriptions receives one by one.
func TestFeedBatches(t *testing.T) {
	r := newRig(t, 0)
	r.order(0, buy, 90, 1)
	bc := &testClient{keep: true}
	plain := &testClient{keep: true}
	bc.hold()
	defer bc.unhold() // Close waits for a held Send
	sub := func(req Request) {
		t.Helper()
		if err := r.feed.Subscribe(1, batchTestClient{bc}, req); err != nil {
			t.Fatal(err)
		}
		if err := r.feed.Subscribe(2, plain, req); err != nil {
			t.Fatal(err)
		}
	}
	sub(Request{ReqID: "a", Symbols: []uint32{0, 1}, Types: AllTypes, Updates: true})
	// Wait for the sender to be in its first Send (the W a/0), so that
	// everything after it is queued when it is released.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		cl := r.feed.clientOf(1)
		cl.mu.Lock()
		inSend := cl.sending
		cl.mu.Unlock()
		if inSend {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sender never started its first Send")
		}
	}
	r.order(1, buy, 100, 1)
	r.order(1, buy, 101, 1)
	r.order(1, sell, 110, 1)
	// b on another symbol: its X cut a's runs (a client's books are one per
	// symbol in this test).
	sub(Request{ReqID: "b", Symbols: []uint32{2}, Types: AllTypes, Updates: true})
	r.order(2, buy, 91, 1)
	r.order(0, buy, 92, 1)
	r.order(2, buy, 92, 1)
	r.order(1, buy, 102, 1)
	r.order(1, sell, 111, 1)
	sub(Request{ReqID: "s", Symbols: []uint32{1}, Types: AllTypes}) // snapshot only: a W
	r.order(1, sell, 112, 1)
	r.order(1, sell, 113, 1)
	r.order(0, sell, 120, 1)
	r.order(2, sell, 120, 1)
	r.order(0, sell, 91, 1) // a trade and a delete: two entries
	r.order(1, buy, 103, 1)
	r.order(2, sell, 121, 1)
	bc.unhold()
	r.sent(1, bc)
	r.sent(2, plain)

	bc.mu.Lock()
	defer bc.mu.Unlock()
	var got []string
	for _, m := range bc.msgs {
		got = append(got, msgShape(m))
	}
	want := []string{"W a/0", "W a/1", "B a[1 1 1]", "W b/2", "X b/2", "X a/0", "X b/2", "B a[1 1]",
		"W s/1", "B a[1 1 0]", "X b/2", "B a[0 1]", "X b/2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("messages:\n got %v\nwant %v", got, want)
	}
	plain.mu.Lock()
	defer plain.mu.Unlock()
	if len(plain.sent) != len(bc.sent) || !reflect.DeepEqual(plain.reqIDs, bc.reqIDs) {
		t.Fatalf("batch client got %d refreshes %v, plain client %d %v", len(bc.sent), bc.reqIDs, len(plain.sent), plain.reqIDs)
	}
	for i := range plain.sent {
		if !reflect.DeepEqual(plain.sent[i], bc.sent[i]) {
			t.Fatalf("refresh %d: batch client %+v, plain client %+v", i, bc.sent[i], plain.sent[i])
		}
	}
	if plain.batches != 0 || len(plain.msgs) != len(plain.sent) {
		t.Fatalf("plain client: %d batches, %d messages for %d refreshes", plain.batches, len(plain.msgs), len(plain.sent))
	}
	st := r.feed.Stats()
	if n := uint64(len(bc.sent) + len(plain.sent)); st.Refreshes != n || st.Messages != uint64(len(bc.msgs)+len(plain.msgs)) {
		t.Fatalf("stats %+v: want %d refreshes in %d messages", st, n, len(bc.msgs)+len(plain.msgs))
	}
}

// TestTakeLimits: a batch stops at MaxBatchRefreshes refreshes and before
// the refresh that would take it over MaxBatchEntries entries; an X over the
// entry limit on its own goes alone; a plain Client never gets a batch.
func TestTakeLimits(t *testing.T) {
	x := func(entries int) item {
		return item{reqID: "a", r: &Refresh{Symbol: 0, Entries: make([]Entry, entries)}}
	}
	c := newClient(NewFeed(Options{Symbols: 1}), 1, batchTestClient{&testClient{}})
	for range MaxBatchRefreshes + 3 {
		c.q = append(c.q, x(1))
	}
	c.q = append(c.q, x(200), x(100), x(100), x(100), x(MaxBatchEntries+1), x(1), x(1))
	var sizes []int
	for c.queued() > 0 {
		_, r, batch := c.take()
		switch {
		case batch != nil:
			sizes = append(sizes, len(batch))
		case r != nil:
			sizes = append(sizes, 1)
		}
	}
	// 67 of 1 entry: 64, then the other 3 with the 200 (203 entries: one more
	// 100 would make 303), 100+100, the last 100 (it and the oversized one make
	// 357), the oversized one alone, the last two.
	if want := []int{MaxBatchRefreshes, 4, 2, 1, 1, 2}; !reflect.DeepEqual(sizes, want) {
		t.Fatalf("batch sizes %v, want %v", sizes, want)
	}
	// A W of the same ReqID (which the feed never queues right after X of its
	// subscription, but take must not rely on that) and a snapshot answer
	// cut a run.
	w := item{reqID: "a", r: &Refresh{Full: true}}
	once := item{reqID: "a", r: &Refresh{Full: true}, once: true}
	c.q = append(c.q[:0], x(1), x(1), w, x(1), x(1), once, x(1))
	sizes = sizes[:0]
	for c.queued() > 0 {
		_, _, batch := c.take()
		sizes = append(sizes, max(1, len(batch)))
	}
	if want := []int{2, 1, 2, 1, 1}; !reflect.DeepEqual(sizes, want) {
		t.Fatalf("around a W: batch sizes %v, want %v", sizes, want)
	}
	// Taking a batch reuses the client's slice: no allocation.
	four := []item{x(1), x(1), x(1), x(1)}
	if n := testing.AllocsPerRun(100, func() {
		c.q = append(c.q[:0], four...)
		if _, _, batch := c.take(); len(batch) != 4 {
			t.Fatalf("batch of %d", len(batch))
		}
	}); n != 0 {
		t.Errorf("%v allocations per take", n)
	}
	p := newClient(NewFeed(Options{Symbols: 1}), 2, &testClient{})
	p.q = append(p.q, x(1), x(1))
	if _, r, batch := p.take(); batch != nil || r == nil || p.queued() != 1 {
		t.Fatalf("plain client: batch %v, refresh %v, %d left", batch, r, p.queued())
	}
}
