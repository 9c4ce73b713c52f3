package gateway

import (
	"fmt"
	"os"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/datadir"
)

// ReadOwners reads the owner registry of data directory dir
// (datadir.OwnersFile) without opening it for writing: it creates, converts
// and repairs nothing, so it is safe on a directory a running matchd owns or
// on a read-only copy. Owner id i is the session at index i-1; the engine's
// Command.Owner and Event.Owner are these ids, and the client's CompID is the
// session's TargetCompID (the acceptor's SessionID names matchd as Sender).
// A torn tail is ignored, as openOwners would cut it; a file of format 1 is
// read as openOwners would convert it. A missing file is an error wrapping
// fs.ErrNotExist.
func ReadOwners(dir string) ([]quickfix.SessionID, error) {
	path := datadir.OwnersFile(dir)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gateway: owners: %w", err)
	}
	if isLegacyOwners(data) {
		return loadLegacyOwners(path, data)
	}
	r := &ownerRegistry{path: path, bySID: make(map[quickfix.SessionID]uint32), cut: -1}
	if _, err := r.load(data); err != nil {
		return nil, err
	}
	return r.byID, nil
}
