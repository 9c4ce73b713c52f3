package gateway

import (
	"bytes"
	"errors"
	"hash/crc32"
	"strconv"

	"github.com/quickfixgo/quickfix"
)

// The registry's first format (format 1) had no file header: one text line per
// owner,
//
//	id TAB BeginString TAB SenderCompID TAB SenderSubID TAB SenderLocationID TAB
//	TargetCompID TAB TargetSubID TAB TargetLocationID TAB Qualifier TAB crc NL
//
// crc being the CRC-32C of everything before its TAB, in 8 hex digits. openOwners
// converts such a file to the current format; this is its only reader.

// legacyOwners holds what loadLegacyOwners read from a format-1 file.
type legacyOwners struct {
	path  string
	table *crc32.Table
	byID  []quickfix.SessionID
	bySID map[quickfix.SessionID]uint32
}

// loadLegacyOwners parses a format-1 file and returns its sessions in id
// order. A damaged last line (no newline or a bad checksum: a torn write) is
// dropped; damage before it is an error naming the line and offset.
func loadLegacyOwners(path string, data []byte) ([]quickfix.SessionID, error) {
	r := &legacyOwners{path: path, table: crc32.MakeTable(crc32.Castagnoli), bySID: make(map[quickfix.SessionID]uint32)}
	if _, err := r.load(data); err != nil {
		return nil, err
	}
	return r.byID, nil
}

// load parses data and returns the length of its valid prefix.
func (r *legacyOwners) load(data []byte) (int, error) {
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
			return 0, errors.New("gateway: owners: " + r.path + ": bad record (format 1) at line " + strconv.Itoa(line) + " offset " + strconv.Itoa(off))
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

func (r *legacyOwners) parseLine(rec []byte) (quickfix.SessionID, uint32, bool) {
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
