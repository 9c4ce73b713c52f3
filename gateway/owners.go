package gateway

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/internal/fsutil"
)

// ownerRegistry is the durable SessionID <-> owner id mapping, kept in the file
// datadir.OwnersFile(Options.DataDir).
//
// Each FIX session (SessionID) gets an owner id, the engine's Command.Owner, the
// first time it logs on. The mapping must survive restarts: resting orders
// recovered from the journal carry owner ids, and their reports must reach the
// same session. The registry is an append-only text file, one owner per line:
//
//	id TAB BeginString TAB SenderCompID TAB SenderSubID TAB SenderLocationID TAB
//	TargetCompID TAB TargetSubID TAB TargetLocationID TAB Qualifier TAB crc NL
//
// crc is the CRC-32C of everything before its TAB, in 8 hex digits. Ids are 1, 2,
// 3, ... in line order. A line is written and fsynced before the logon that
// created it is accepted, so no command ever carries an owner id that is not on
// disk. On open, a damaged last line (no newline or a bad checksum: a write torn
// by a crash, never acknowledged) is cut off; damage before the last line is an
// error naming the line and offset, never skipped.
type ownerRegistry struct {
	path  string
	table *crc32.Table

	mu    sync.Mutex
	f     *os.File
	byID  []quickfix.SessionID // owner id i is byID[i-1]
	bySID map[quickfix.SessionID]uint32
}

func openOwners(dir string) (*ownerRegistry, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.New("gateway: owners: " + err.Error())
	}
	r := &ownerRegistry{
		path:  datadir.OwnersFile(dir),
		table: crc32.MakeTable(crc32.Castagnoli),
		bySID: make(map[quickfix.SessionID]uint32),
	}
	data, err := os.ReadFile(r.path)
	created := false
	if errors.Is(err, fs.ErrNotExist) {
		created = true
	} else if err != nil {
		return nil, errors.New("gateway: owners: " + err.Error())
	}
	good, err := r.load(data)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(r.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, errors.New("gateway: owners: " + err.Error())
	}
	if good < len(data) {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, errors.New("gateway: owners: cutting torn tail: " + err.Error())
		}
	}
	if good < len(data) || created {
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, errors.New("gateway: owners: " + err.Error())
		}
		if err := fsutil.SyncDir(dir); err != nil {
			f.Close()
			return nil, errors.New("gateway: owners: fsync " + dir + ": " + err.Error())
		}
	}
	r.f = f
	return r, nil
}

// load parses data and returns the length of its valid prefix.
func (r *ownerRegistry) load(data []byte) (int, error) {
	off, line := 0, 0
	for off < len(data) {
		line++
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			return off, nil // torn tail: the last write did not complete
		}
		rec := data[off : off+nl]
		sid, id, ok := r.parseLine(rec)
		last := off+nl+1 == len(data)
		if !ok {
			if last {
				return off, nil // torn tail with its newline already written
			}
			return 0, errors.New("gateway: owners: " + r.path + ": bad record at line " + strconv.Itoa(line) + " offset " + strconv.Itoa(off))
		}
		if id != uint32(len(r.byID)+1) {
			return 0, errors.New("gateway: owners: " + r.path + ": owner id " + strconv.FormatUint(uint64(id), 10) + " out of sequence at line " + strconv.Itoa(line) + " offset " + strconv.Itoa(off))
		}
		if _, dup := r.bySID[sid]; dup {
			return 0, errors.New("gateway: owners: " + r.path + ": duplicate session " + sid.String() + " at line " + strconv.Itoa(line) + " offset " + strconv.Itoa(off))
		}
		r.byID = append(r.byID, sid)
		r.bySID[sid] = id
		off += nl + 1
	}
	return off, nil
}

func (r *ownerRegistry) parseLine(rec []byte) (quickfix.SessionID, uint32, bool) {
	var sid quickfix.SessionID
	tab := bytes.LastIndexByte(rec, '\t')
	if tab < 0 || len(rec)-tab-1 != 8 {
		return sid, 0, false
	}
	want, err := strconv.ParseUint(string(rec[tab+1:]), 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(rec[:tab], r.table) {
		return sid, 0, false
	}
	f := bytes.Split(rec[:tab], []byte{'\t'})
	if len(f) != 9 {
		return sid, 0, false
	}
	id, err := strconv.ParseUint(string(f[0]), 10, 32)
	if err != nil || id == 0 {
		return sid, 0, false
	}
	sid = quickfix.SessionID{
		BeginString: string(f[1]), SenderCompID: string(f[2]), SenderSubID: string(f[3]),
		SenderLocationID: string(f[4]), TargetCompID: string(f[5]), TargetSubID: string(f[6]),
		TargetLocationID: string(f[7]), Qualifier: string(f[8]),
	}
	return sid, uint32(id), true
}

// lookup returns the owner id of sid, if it has one.
func (r *ownerRegistry) lookup(sid quickfix.SessionID) (uint32, bool) {
	r.mu.Lock()
	id, ok := r.bySID[sid]
	r.mu.Unlock()
	return id, ok
}

// assign returns sid's owner id, creating and fsyncing a new one if needed.
// created reports whether the id is new.
func (r *ownerRegistry) assign(sid quickfix.SessionID) (id uint32, created bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.bySID[sid]; ok {
		return id, false, nil
	}
	if r.f == nil {
		return 0, false, errors.New("gateway: owners: registry closed")
	}
	if !validSessionID(sid) {
		return 0, false, errors.New("gateway: owners: session " + strconv.Quote(sid.String()) + " has characters that cannot be stored")
	}
	id = uint32(len(r.byID) + 1)
	if id == 0 {
		return 0, false, errors.New("gateway: owners: owner ids exhausted")
	}
	b := strconv.AppendUint(nil, uint64(id), 10)
	for _, s := range [...]string{sid.BeginString, sid.SenderCompID, sid.SenderSubID, sid.SenderLocationID,
		sid.TargetCompID, sid.TargetSubID, sid.TargetLocationID, sid.Qualifier} {
		b = append(b, '\t')
		b = append(b, s...)
	}
	crc := crc32.Checksum(b, r.table)
	b = append(b, '\t')
	const hexdigits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, hexdigits[(crc>>uint(shift))&0xf])
	}
	b = append(b, '\n')
	if _, err := r.f.Write(b); err != nil {
		return 0, false, errors.New("gateway: owners: " + r.path + ": append: " + err.Error())
	}
	if err := r.f.Sync(); err != nil {
		return 0, false, errors.New("gateway: owners: " + r.path + ": fsync: " + err.Error())
	}
	r.byID = append(r.byID, sid)
	r.bySID[sid] = id
	return id, true, nil
}

// all returns every (id, SessionID) pair, in id order.
func (r *ownerRegistry) all() []quickfix.SessionID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]quickfix.SessionID(nil), r.byID...)
}

func (r *ownerRegistry) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil {
		return errors.New("gateway: owners: " + err.Error())
	}
	return nil
}

// validSessionID reports whether every part of sid is printable ASCII without
// spaces (what the registry can store and the logs can show safely).
func validSessionID(sid quickfix.SessionID) bool {
	for _, s := range [...]string{sid.BeginString, sid.SenderCompID, sid.SenderSubID, sid.SenderLocationID,
		sid.TargetCompID, sid.TargetSubID, sid.TargetLocationID, sid.Qualifier} {
		if len(s) > maxCompIDLen {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] > '~' {
				return false
			}
		}
	}
	return true
}

// maxCompIDLen bounds every part of a SessionID the gateway accepts.
const maxCompIDLen = 64
