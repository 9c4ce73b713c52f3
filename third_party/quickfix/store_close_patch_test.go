package quickfix

import (
	"sync"
	"testing"
	"time"
)

// countingStoreFactory hands out memory stores and counts, per client
// CompID, the stores created and closed.
type countingStoreFactory struct {
	mem            MessageStoreFactory
	mu             sync.Mutex
	opened, closed map[string]int
}

func newCountingStoreFactory() *countingStoreFactory {
	return &countingStoreFactory{mem: NewMemoryStoreFactory(), opened: map[string]int{}, closed: map[string]int{}}
}

func (f *countingStoreFactory) Create(sid SessionID) (MessageStore, error) {
	s, err := f.mem.Create(sid)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.opened[sid.TargetCompID]++
	f.mu.Unlock()
	return &countedStore{MessageStore: s, f: f, client: sid.TargetCompID}, nil
}

// counts returns the stores created and closed for client.
func (f *countingStoreFactory) counts(client string) (opened, closed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opened[client], f.closed[client]
}

// waitClosed waits until client's stores were created opened times and
// closed closed times, failing the test after 10 s.
func (f *countingStoreFactory) waitClosed(t *testing.T, client string, opened, closed int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, c := f.counts(client)
		if o == opened && c == closed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d stores created and %d closed, want %d and %d", client, o, c, opened, closed)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type countedStore struct {
	MessageStore
	f      *countingStoreFactory
	client string
}

func (s *countedStore) Close() error {
	s.f.mu.Lock()
	s.f.closed[s.client]++
	s.f.mu.Unlock()
	return s.MessageStore.Close()
}

// TestPatchDynamicStoreClosed: a dynamic session's store is closed once the
// session has ended, whether the client logged out or dropped the connection,
// and the store of a session built for a second Logon of a connected CompID
// (refused, never registered) at once; the connected session's store and a
// listed session's stay open. Upstream closed none: one store (five files
// with the file store) per dynamic CompID ever seen, until the process ended.
func TestPatchDynamicStoreClosed(t *testing.T) {
	t.Parallel()
	f := newCountingStoreFactory()
	_, addr, _ := startPatchAcceptor(t, patchSettings("LISTED_C", true), ConnectionLimits{}, nil,
		func(a *Acceptor) { a.storeFactory = f })

	out := dialPatch(t, addr)
	out.logon("DYN_OUT")
	out.expect("A")
	f.waitClosed(t, "DYN_OUT", 1, 0)
	out.send(fixBytes("FIX.4.4", "5", "DYN_OUT", "ACC", 2))
	out.expect("5")
	out.expectClosed()
	f.waitClosed(t, "DYN_OUT", 1, 1)

	drop := dialPatch(t, addr)
	drop.logon("DYN_DROP")
	drop.expect("A")
	drop.conn.Close()
	f.waitClosed(t, "DYN_DROP", 1, 1)

	first := dialPatch(t, addr)
	first.logon("DYN_DUP")
	first.expect("A")
	second := dialPatch(t, addr)
	second.logon("DYN_DUP")
	second.expectLogout(ErrAlreadyLoggedOn.Error())
	f.waitClosed(t, "DYN_DUP", 2, 1)
	first.send(fixBytes("FIX.4.4", "1", "DYN_DUP", "ACC", 2, "112=still"))
	first.expect("0") // its store still works

	// The listed session's store is the acceptor's (NewAcceptor created it
	// before the counting factory was set): its session logs on and off and
	// no store is created or closed for it.
	l := dialPatch(t, addr)
	l.logon("LISTED_C")
	l.expect("A")
	l.send(fixBytes("FIX.4.4", "5", "LISTED_C", "ACC", 2))
	l.expect("5")
	l.expectClosed()
	again := dialPatch(t, addr)
	again.send(fixBytes("FIX.4.4", "A", "LISTED_C", "ACC", 3, "98=0", "108=30"))
	again.expect("A")
	if o, c := f.counts("LISTED_C"); o != 0 || c != 0 {
		t.Fatalf("listed session: %d stores created, %d closed, want none", o, c)
	}
}
