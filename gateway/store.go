package gateway

import (
	"fmt"
	"sync"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/config"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/gateway/fixstore"
)

// storeFactory hands QuickFIX its per-session message stores. Sessions the
// gateway would accept get a fixstore log under FileStorePath (sequence
// numbers and sent messages survive reconnects and restarts; one write per
// store operation, see package fixstore); every other session (a CompID about
// to be refused at logon, the listener placeholder) gets a memory store, so
// strangers cannot create files.
//
// Each open log is shared: Create hands out a storeHandle on the one
// *fixstore.Store of the SessionID, counting the handles, and the last
// handle's Close closes the file. A store is its file's only writer, so its
// state in memory always matches the file; an old session winding down while
// its CompID logs on again shares the store, so the sequence numbers stay one
// series. QuickFIX (patched, third_party/quickfix/PATCH.md section 7) closes a
// dynamic session's store when the session ends (its connection gone) and
// creates it again at the next logon: the log is reopened then, from the
// state file the close wrote (no replay). A listed session's store is created
// with the acceptor and never closed by QuickFIX, so it stays open until
// Stop: the files open are those of the listed sessions plus one per dynamic
// session connected (or still winding down). Stop closes them all.
type storeFactory struct {
	persist  func(quickfix.SessionID) bool
	settings *quickfix.Settings
	mem      quickfix.MessageStoreFactory
	log      zerolog.Logger

	mu     sync.Mutex
	open   map[quickfix.SessionID]*sharedStore
	closed bool
}

// sharedStore is an open log and the number of its handles not yet closed.
type sharedStore struct {
	st   *fixstore.Store
	refs int
}

// storeHandle is what Create returns: the shared store, whose Close releases
// this handle only (once; later calls do nothing). A handle used after its
// Close still reaches the store while other handles keep it open, and gets the
// store's "closed" errors once the last one has gone.
type storeHandle struct {
	*fixstore.Store
	f        *storeFactory
	sid      quickfix.SessionID
	shared   *sharedStore
	released bool // guarded by f.mu
}

func newStoreFactory(persist func(quickfix.SessionID) bool, settings *quickfix.Settings, log zerolog.Logger) *storeFactory {
	return &storeFactory{
		persist:  persist,
		settings: settings,
		mem:      quickfix.NewMemoryStoreFactory(),
		log:      log,
		open:     make(map[quickfix.SessionID]*sharedStore),
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
	sh, ok := f.open[sid]
	if !ok {
		dir, sync, err := f.location(sid)
		if err != nil {
			return nil, err
		}
		st, err := fixstore.Open(dir, sid, sync)
		if err != nil {
			return nil, err
		}
		if n := st.TruncatedBytes(); n > 0 {
			f.log.Warn().Str("session", sid.String()).Str("file", st.Path()).Int64("bytes", n).
				Msg("FIX store: cut an incomplete last record (a write interrupted by a crash)")
		}
		sh = &sharedStore{st: st}
		f.open[sid] = sh
	}
	sh.refs++
	return &storeHandle{Store: sh.st, f: f, sid: sid, shared: sh}, nil
}

// Close releases the handle; the last one closes the log (its file
// descriptor), which the next Create of the session opens again.
func (h *storeHandle) Close() error {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if h.released {
		return nil
	}
	h.released = true
	if f.open[h.sid] != h.shared { // closed by closeAll
		return nil
	}
	if h.shared.refs--; h.shared.refs > 0 {
		return nil
	}
	delete(f.open, h.sid)
	if err := h.shared.st.Close(); err != nil {
		f.log.Warn().Str("session", h.sid.String()).Err(err).Msg("closing the FIX store")
		return err
	}
	return nil
}

// location is the session's FileStorePath and FileStoreSync, read as QuickFIX's
// file store reads them: the session's section, or [DEFAULT] for a dynamic
// session; FileStoreSync defaults to Y.
func (f *storeFactory) location(sid quickfix.SessionID) (dir string, sync bool, err error) {
	s, ok := f.settings.SessionSettings()[sid]
	if !ok {
		s = f.settings.GlobalSettings()
	}
	if dir, err = s.Setting(config.FileStorePath); err != nil {
		return "", false, fmt.Errorf("gateway: FIX store of %s: %w", sid, err)
	}
	sync = true
	if s.HasSetting(config.FileStoreSync) {
		if sync, err = s.BoolSetting(config.FileStoreSync); err != nil {
			return "", false, fmt.Errorf("gateway: FIX store of %s: %w", sid, err)
		}
	}
	return dir, sync, nil
}

// openStores returns how many logs are open.
func (f *storeFactory) openStores() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.open)
}

// closeAll closes every store, whatever handles remain; called after the
// acceptor has stopped.
func (f *storeFactory) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for sid, sh := range f.open {
		if err := sh.st.Close(); err != nil {
			f.log.Warn().Str("session", sid.String()).Err(err).Msg("closing the FIX store")
		}
		delete(f.open, sid)
	}
	f.closed = true
}
