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
// QuickFIX/Go creates a dynamic session's store anew at every logon and never
// closes it. The factory keeps one open store per SessionID for the gateway's
// life and hands the same one out again: a store is its file's only writer, so
// its state in memory always matches the file, and a reconnect costs no replay
// of the log (a session with RefreshOnLogon=Y still re-reads it). An old
// session winding down while its CompID logs on again shares the store, so
// the sequence numbers stay one series. Stop closes them all.
type storeFactory struct {
	persist  func(quickfix.SessionID) bool
	settings *quickfix.Settings
	mem      quickfix.MessageStoreFactory
	log      zerolog.Logger

	mu     sync.Mutex
	open   map[quickfix.SessionID]*fixstore.Store
	closed bool
}

func newStoreFactory(persist func(quickfix.SessionID) bool, settings *quickfix.Settings, log zerolog.Logger) *storeFactory {
	return &storeFactory{
		persist:  persist,
		settings: settings,
		mem:      quickfix.NewMemoryStoreFactory(),
		log:      log,
		open:     make(map[quickfix.SessionID]*fixstore.Store),
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
	if st, ok := f.open[sid]; ok {
		return st, nil
	}
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
	f.open[sid] = st
	return st, nil
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

// closeAll closes every store; called after the acceptor has stopped.
func (f *storeFactory) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for sid, st := range f.open {
		if err := st.Close(); err != nil {
			f.log.Warn().Str("session", sid.String()).Err(err).Msg("closing the FIX store")
		}
		delete(f.open, sid)
	}
	f.closed = true
}
