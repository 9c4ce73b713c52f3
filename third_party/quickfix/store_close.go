// matchd patch (not upstream QuickFIX/Go; see PATCH.md, section 7): a dynamic
// session's message store is closed when the session ends.

package quickfix

// closeSessionStore closes s's message store, logging a failure to s's log.
// The acceptor calls it when a dynamic session's goroutine has returned and
// the session is unregistered (its connection is gone; a new Logon for the
// CompID creates a new session and store), and createSession when a session
// it built cannot be registered. Upstream never closed a store: every dynamic
// CompID ever seen kept its store's files open until the process ended (with
// a file store, five descriptors each).
func closeSessionStore(s *session) {
	if s.store == nil {
		return
	}
	if err := s.store.Close(); err != nil {
		s.log.OnEventf("Closing the message store failed: %v", err)
	}
}
