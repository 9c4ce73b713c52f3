package gateway

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/internal/fsutil"
	"github.com/openmatch/matchd/internal/record"
)

// ownerRegistry is the durable SessionID <-> owner id mapping, kept in the file
// datadir.OwnersFile(Options.DataDir).
//
// Each FIX session (SessionID) gets an owner id, the engine's Command.Owner, the
// first time it logs on. The mapping must survive restarts: resting orders
// recovered from the journal carry owner ids, and their reports must reach the
// same session. The registry is an append-only file in internal/record's frame,
// like the journal and the FIX message store: an 8-byte header, "MOWNERS" and
// the format version 2, then one record of type 1 per owner:
//
//	header:  "MOWNERS" | version 2
//	record:  crc(4) length(4) type 1 | payload
//	payload: id u32 LE | BeginString | SenderCompID | SenderSubID |
//	         SenderLocationID | TargetCompID | TargetSubID | TargetLocationID |
//	         Qualifier, each field u16 LE length + bytes
//
// Ids are 1, 2, 3, ... in record order, each session at most once. A record is
// written and fsynced before the logon that created it is accepted, so no
// command ever carries an owner id that is not on disk. On open, a torn tail (a
// write cut by a crash, never acknowledged) is cut off and fsynced; any other
// damage is a *record.CorruptionError naming the file and offset, never skipped.
// A file of format 1 (text lines, no header; owners_legacy.go) is converted on
// open by an atomic rewrite.
type ownerRegistry struct {
	path string

	mu    sync.Mutex
	f     *os.File
	buf   []byte               // assign's record, reused
	byID  []quickfix.SessionID // owner id i is byID[i-1]
	bySID map[quickfix.SessionID]uint32

	// cut is the offset where open cut off a torn tail, or -1; converted
	// says open converted a format-1 file. logOpen reports both.
	cut       int64
	converted bool
}

const (
	ownersMagic      = "MOWNERS"
	ownersVersion    = 2
	ownersHeader     = ownersMagic + "\x02"
	ownersHeaderSize = len(ownersHeader)

	// ownerRecord is the record type of an owner.
	ownerRecord = 1
)

func openOwners(dir string) (*ownerRegistry, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.New("gateway: owners: " + err.Error())
	}
	r := &ownerRegistry{
		path:  datadir.OwnersFile(dir),
		bySID: make(map[quickfix.SessionID]uint32),
		cut:   -1,
	}
	data, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && isLegacyOwners(data)) {
		// New, or format 1: write the current format, then read it as usual.
		var sids []quickfix.SessionID
		if err == nil {
			if sids, err = loadLegacyOwners(r.path, data); err != nil {
				return nil, err
			}
		}
		b := []byte(ownersHeader)
		for i, sid := range sids {
			if b, err = appendOwner(b, uint32(i+1), sid); err != nil {
				return nil, errors.New("gateway: owners: converting " + r.path + ": " + err.Error())
			}
		}
		if err := fsutil.WriteFileAtomic(r.path, b, 0o644, true); err != nil {
			return nil, errors.New("gateway: owners: writing " + r.path + ": " + err.Error())
		}
		data, r.converted = b, len(data) > 0
	} else if err != nil {
		return nil, errors.New("gateway: owners: " + err.Error())
	}
	good, err := r.load(data)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(r.path, os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, errors.New("gateway: owners: " + err.Error())
	}
	if good < int64(len(data)) {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, errors.New("gateway: owners: " + r.path + ": cutting torn tail at offset " + strconv.FormatInt(good, 10) + ": " + err.Error())
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, errors.New("gateway: owners: " + r.path + ": fsync: " + err.Error())
		}
		r.cut = good
	}
	r.f = f
	return r, nil
}

// logOpen logs what open repaired or converted, if anything.
func (r *ownerRegistry) logOpen(log zerolog.Logger) {
	if r.converted {
		log.Info().Str("file", r.path).Int("owners", len(r.byID)).Msg("owner registry converted to format 2")
	}
	if r.cut >= 0 {
		log.Warn().Str("file", r.path).Int64("offset", r.cut).Msg("owner registry: torn tail cut off")
	}
}

// isLegacyOwners reports whether data is a format-1 file: format 1 starts
// with a decimal id (or is empty), the current format with ownersMagic.
func isLegacyOwners(data []byte) bool {
	return len(data) == 0 || data[0] != ownersMagic[0]
}

// load checks the header, reads the records of data and returns the length
// of its valid prefix (shorter than data after a torn tail).
func (r *ownerRegistry) load(data []byte) (int64, error) {
	if len(data) < ownersHeaderSize || string(data[:len(ownersMagic)]) != ownersMagic {
		return 0, r.corrupt(0, "bad file header")
	}
	if v := data[len(ownersMagic)]; v != ownersVersion {
		return 0, r.corrupt(0, "unsupported format version "+strconv.Itoa(int(v)))
	}
	rd := record.NewBytes(data[ownersHeaderSize:], r.path, int64(ownersHeaderSize))
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return int64(len(data)), nil
		}
		var ce *record.CorruptionError
		if errors.As(err, &ce) && ce.TornTail {
			return ce.Offset, nil
		}
		if err != nil {
			return 0, fmt.Errorf("gateway: owners: %w", err)
		}
		if rec.Type != ownerRecord {
			return 0, r.corrupt(rec.Offset, "unknown record type "+strconv.Itoa(int(rec.Type)))
		}
		id, sid, ok := decodeOwner(rec.Payload)
		if !ok {
			return 0, r.corrupt(rec.Offset, "malformed owner record")
		}
		if id != uint32(len(r.byID)+1) {
			return 0, r.corrupt(rec.Offset, "owner id "+strconv.FormatUint(uint64(id), 10)+" out of sequence")
		}
		if _, dup := r.bySID[sid]; dup {
			return 0, r.corrupt(rec.Offset, "duplicate session "+sid.String())
		}
		r.byID = append(r.byID, sid)
		r.bySID[sid] = id
	}
}

// corrupt returns the error for damage at off that is not a torn tail.
func (r *ownerRegistry) corrupt(off int64, reason string) error {
	return fmt.Errorf("gateway: owners: %w", &record.CorruptionError{File: r.path, Offset: off, Reason: reason})
}

// sessionFields lists sid's parts in the order an owner record stores them.
func sessionFields(sid *quickfix.SessionID) [8]*string {
	return [8]*string{&sid.BeginString, &sid.SenderCompID, &sid.SenderSubID, &sid.SenderLocationID,
		&sid.TargetCompID, &sid.TargetSubID, &sid.TargetLocationID, &sid.Qualifier}
}

// appendOwner appends the owner record of (id, sid) to dst.
func appendOwner(dst []byte, id uint32, sid quickfix.SessionID) ([]byte, error) {
	start := len(dst)
	dst = record.Begin(dst, ownerRecord)
	dst = binary.LittleEndian.AppendUint32(dst, id)
	for _, s := range sessionFields(&sid) {
		if len(*s) > 0xffff {
			return dst[:start], errors.New("session field longer than 65535 bytes")
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(*s)))
		dst = append(dst, *s...)
	}
	if err := record.Finish(dst[start:]); err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// decodeOwner decodes an owner record's payload; ok is false unless it is
// exactly what appendOwner writes, with an id above 0.
func decodeOwner(p []byte) (id uint32, sid quickfix.SessionID, ok bool) {
	if len(p) < 4 {
		return 0, sid, false
	}
	id, p = binary.LittleEndian.Uint32(p), p[4:]
	for _, s := range sessionFields(&sid) {
		if len(p) < 2 {
			return 0, sid, false
		}
		n := int(binary.LittleEndian.Uint16(p))
		if len(p)-2 < n {
			return 0, sid, false
		}
		*s, p = string(p[2:2+n]), p[2+n:]
	}
	return id, sid, id != 0 && len(p) == 0
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
	b, err := appendOwner(r.buf[:0], id, sid)
	if err != nil {
		return 0, false, errors.New("gateway: owners: " + err.Error())
	}
	r.buf = b
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
// spaces (what format 1 could store and the logs can show safely; kept so
// that every stored session stays printable).
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
