package fixstore

import (
	"strings"

	"github.com/quickfixgo/quickfix"
)

type factory struct {
	dir  string
	sync bool
}

// NewFactory returns a factory of Stores kept in dir, one <prefix>.fixlog file
// per session, where prefix is the one QuickFIX's file store uses for the same
// session (so an upgrade finds that store's files). With sync, every write is
// followed by an fsync. Create returns a *Store; type-assert to read
// TruncatedBytes.
func NewFactory(dir string, sync bool) quickfix.MessageStoreFactory {
	return factory{dir: dir, sync: sync}
}

// Create implements quickfix.MessageStoreFactory.
func (f factory) Create(sid quickfix.SessionID) (quickfix.MessageStore, error) {
	s, err := Open(f.dir, sid, f.sync)
	if err != nil {
		return nil, err // not a typed nil *Store inside the interface
	}
	return s, nil
}

// filenamePrefix is QuickFIX/Go v0.9.10's createFilenamePrefix
// (store/file/util.go, unexported), copied so that our file sits beside that
// store's files under the same name: BeginString-Sender[_SubID][_LocationID]-
// Target[_SubID][_LocationID][-Qualifier].
func filenamePrefix(s quickfix.SessionID) string {
	sender := []string{s.SenderCompID}
	if s.SenderSubID != "" {
		sender = append(sender, s.SenderSubID)
	}
	if s.SenderLocationID != "" {
		sender = append(sender, s.SenderLocationID)
	}

	target := []string{s.TargetCompID}
	if s.TargetSubID != "" {
		target = append(target, s.TargetSubID)
	}
	if s.TargetLocationID != "" {
		target = append(target, s.TargetLocationID)
	}

	fname := []string{s.BeginString, strings.Join(sender, "_"), strings.Join(target, "_")}
	if s.Qualifier != "" {
		fname = append(fname, s.Qualifier)
	}
	return strings.Join(fname, "-")
}
