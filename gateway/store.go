package gateway

import (
	"sync"

	"github.com/quickfixgo/quickfix"
)

// storeFactory hands QuickFIX its per-session message stores. Sessions the
// gateway would accept get the file store (sequence numbers and sent messages
// survive reconnects and restarts); every other session (a CompID about to be
// refused at logon, the listener placeholder) gets a memory store, so strangers
// cannot create files.
//
// QuickFIX/Go never closes a dynamic session's store: every reconnect opens five
// new files. The factory closes a session's earlier stores when it creates a new
// one and the earlier one is no longer the registered session's (its session has
// ended), and closes the rest at Stop.
type storeFactory struct {
	persist func(quickfix.SessionID) bool
	file    quickfix.MessageStoreFactory
	mem     quickfix.MessageStoreFactory

	mu     sync.Mutex
	open   map[quickfix.SessionID][]quickfix.MessageStore
	closed bool
}

func newStoreFactory(persist func(quickfix.SessionID) bool, file quickfix.MessageStoreFactory) *storeFactory {
	return &storeFactory{
		persist: persist,
		file:    file,
		mem:     quickfix.NewMemoryStoreFactory(),
		open:    make(map[quickfix.SessionID][]quickfix.MessageStore),
	}
}

// Create implements quickfix.MessageStoreFactory.
func (f *storeFactory) Create(sid quickfix.SessionID) (quickfix.MessageStore, error) {
	if !f.persist(sid) {
		return f.mem.Create(sid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return f.mem.Create(sid)
	}
	keep := f.open[sid][:0]
	for _, old := range f.open[sid] {
		if cur, err := quickfix.GetMessageStore(sid); err == nil && cur == old {
			keep = append(keep, old)
			continue
		}
		_ = old.Close() // its session is gone; an error leaves nothing to do
	}
	st, err := f.file.Create(sid)
	if err != nil {
		f.open[sid] = keep
		return nil, err
	}
	f.open[sid] = append(keep, st)
	return st, nil
}

// closeAll closes every file store; called after the acceptor has stopped.
func (f *storeFactory) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for sid, stores := range f.open {
		for _, st := range stores {
			_ = st.Close()
		}
		delete(f.open, sid)
	}
	f.closed = true
}
