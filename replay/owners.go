package replay

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/gateway"
)

// Owners names the owner ids of a journal (engine Command.Owner and
// Event.Owner) by the FIX sessions of its data directory's owner registry
// (datadir.OwnersFile, read with gateway.ReadOwners, never written). An
// owner's name is its client's CompID, the session's TargetCompID; when two
// sessions of the registry share a CompID (say a FIX.4.2 and a FIX.4.4
// session of one client), both are named by the whole SessionID
// (FIX.4.4:ENGINE->BROKER_A, with SubIDs, LocationIDs and Qualifier when set).
//
// An id the registry does not name, or every id when the registry cannot be
// read (a journal copied without its owners file), is printed as "#<id>",
// like SymbolName's "#<index>"; Warning then says why, once.
type Owners struct {
	names   []string // owner id i is names[i-1]
	path    string
	why     string // not empty: the registry could not be read
	unnamed bool   // Name met an id it could not name: first is the first
	first   uint32
}

// LoadOwners reads the owner registry of data directory dir. It never fails:
// an unreadable registry leaves every id unnamed, and Warning says why.
func LoadOwners(dir string) *Owners {
	o := &Owners{path: datadir.OwnersFile(dir)}
	sids, err := gateway.ReadOwners(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		o.why = "no owner registry " + o.path + " (a journal copied without it?)"
		return o
	case err != nil:
		o.why = err.Error()
		return o
	}
	perCompID := make(map[string]int, len(sids))
	for _, sid := range sids {
		perCompID[sid.TargetCompID]++
	}
	o.names = make([]string, len(sids))
	for i, sid := range sids {
		o.names[i] = sid.TargetCompID
		if perCompID[sid.TargetCompID] > 1 {
			o.names[i] = sid.String()
		}
	}
	return o
}

// Name returns the name of owner id: its CompID, or "#<id>".
func (o *Owners) Name(id uint32) string {
	if id >= 1 && int(id) <= len(o.names) {
		return o.names[id-1]
	}
	if !o.unnamed {
		o.unnamed, o.first = true, id
	}
	return "#" + strconv.FormatUint(uint64(id), 10)
}

// Warning returns why Name printed an id as a number, or "" if it named every
// id it was asked for.
func (o *Owners) Warning() string {
	switch {
	case !o.unnamed:
		return ""
	case o.why != "":
		return "owners printed as #<owner id>: " + o.why
	}
	return fmt.Sprintf("owner #%d (and any other printed as #<owner id>) is not in %s, which has %d owners", o.first, o.path, len(o.names))
}
