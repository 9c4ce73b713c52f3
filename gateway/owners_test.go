package gateway

import (
	"bytes"
	"errors"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/internal/record"
)

func sidOf(begin, client string) quickfix.SessionID {
	return quickfix.SessionID{BeginString: begin, SenderCompID: DefaultCompID, TargetCompID: client}
}

func TestOwnersStableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	r, err := openOwners(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := sidOf("FIX.4.4", "A"), sidOf("FIX.4.2", "B")
	ida, created, err := r.assign(a)
	if err != nil || !created || ida != 1 {
		t.Fatalf("assign A = %d %v %v", ida, created, err)
	}
	idb, _, _ := r.assign(b)
	if again, created, _ := r.assign(a); again != ida || created {
		t.Fatalf("re-assign A = %d created=%v", again, created)
	}
	r.close()

	r, err = openOwners(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if id, ok := r.lookup(a); !ok || id != ida {
		t.Fatalf("after reopen A = %d %v", id, ok)
	}
	if id, ok := r.lookup(b); !ok || id != idb {
		t.Fatalf("after reopen B = %d %v", id, ok)
	}
	if id, created, _ := r.assign(sidOf("FIX.4.4", "C")); id != 3 || !created {
		t.Fatalf("C = %d", id)
	}
	if got := r.all(); len(got) != 3 || got[0] != a || got[1] != b {
		t.Fatalf("all = %v", got)
	}
}

func TestOwnersTornTail(t *testing.T) {
	dir := t.TempDir()
	r, _ := openOwners(dir)
	r.assign(sidOf("FIX.4.4", "A"))
	r.assign(sidOf("FIX.4.4", "B"))
	r.close()
	path := datadir.OwnersFile(dir)
	data, _ := os.ReadFile(path)
	firstEnd := ownerRecordEnd(t, data, ownersHeaderSize)

	// Cut the second record at every length, and flip a byte in it: each time the
	// registry must come back with A only, cut the file back to A's record and
	// assign the next id to a new session.
	for cut := firstEnd + 1; cut < len(data); cut++ {
		os.WriteFile(path, data[:cut], 0o644)
		checkTail(t, dir, firstEnd, "cut at "+itoa(cut))
	}
	flipped := append([]byte(nil), data...)
	flipped[firstEnd+record.HeaderSize+3] ^= 0x20
	os.WriteFile(path, flipped, 0o644)
	checkTail(t, dir, firstEnd, "flipped byte in last record")
}

// ownerRecordEnd returns the end offset of the record starting at off.
func ownerRecordEnd(t *testing.T, data []byte, off int) int {
	t.Helper()
	_, _, size, reason := record.Decode(data[off:])
	if reason != "" {
		t.Fatalf("record at %d: %s", off, reason)
	}
	return off + size
}

func checkTail(t *testing.T, dir string, firstEnd int, what string) {
	t.Helper()
	r, err := openOwners(dir)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer r.close()
	if _, ok := r.lookup(sidOf("FIX.4.4", "B")); ok {
		t.Fatalf("%s: torn record B survived", what)
	}
	if r.cut != int64(firstEnd) {
		t.Fatalf("%s: cut at %d, want %d", what, r.cut, firstEnd)
	}
	if fi, err := os.Stat(datadir.OwnersFile(dir)); err != nil || fi.Size() != int64(firstEnd) {
		t.Fatalf("%s: file not cut back to A's record: %v %v", what, fi.Size(), err)
	}
	if id, _, err := r.assign(sidOf("FIX.4.4", "Z")); err != nil || id != 2 {
		t.Fatalf("%s: next id %d %v", what, id, err)
	}
	r.close()
	// Leave the file as it was for the next iteration's rewrite.
}

func TestOwnersCorruptMiddle(t *testing.T) {
	dir := t.TempDir()
	r, _ := openOwners(dir)
	r.assign(sidOf("FIX.4.4", "A"))
	r.assign(sidOf("FIX.4.4", "B"))
	r.close()
	path := datadir.OwnersFile(dir)
	data, _ := os.ReadFile(path)
	data[ownersHeaderSize+record.HeaderSize+2] ^= 0x01 // inside A's payload
	os.WriteFile(path, data, 0o644)
	_, err := openOwners(dir)
	var ce *record.CorruptionError
	if !errors.As(err, &ce) || ce.File != path || ce.Offset != int64(ownersHeaderSize) || !strings.HasPrefix(err.Error(), "gateway: owners:") {
		t.Fatalf("corrupt first record: err = %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatal("corrupt file was changed")
	}
}

// writeOwners writes a registry file of the current format holding recs.
func writeOwners(t *testing.T, dir string, recs ...[]byte) {
	t.Helper()
	b := []byte(ownersHeader)
	for _, rec := range recs {
		b = append(b, rec...)
	}
	if err := os.WriteFile(datadir.OwnersFile(dir), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func ownerRec(t *testing.T, typ byte, id uint32, sid quickfix.SessionID) []byte {
	t.Helper()
	b, err := appendOwner(nil, id, sid)
	if err != nil {
		t.Fatal(err)
	}
	if typ != ownerRecord {
		b, _ = record.Append(nil, typ, b[record.HeaderSize:])
	}
	return b
}

func TestOwnersRefusesBadRecords(t *testing.T) {
	a, b := sidOf("FIX.4.4", "A"), sidOf("FIX.4.4", "B")
	raw := func(payload []byte) []byte {
		r, err := record.Append(nil, ownerRecord, payload)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	good := ownerRec(t, ownerRecord, 1, a)
	for _, c := range []struct {
		name   string
		second []byte
		reason string
	}{
		{"id out of sequence", ownerRec(t, ownerRecord, 3, b), "out of sequence"},
		{"duplicate session", ownerRec(t, ownerRecord, 2, a), "duplicate session"},
		{"unknown type", ownerRec(t, 7, 2, b), "unknown record type 7"},
		{"short payload", raw([]byte{2, 0, 0}), "malformed"},
		{"field runs past payload", raw([]byte{2, 0, 0, 0, 9, 0, 'F'}), "malformed"},
		{"trailing bytes", raw(append(ownerRec(t, ownerRecord, 2, b)[record.HeaderSize:], 0)), "malformed"},
		{"id 0", raw(ownerRec(t, ownerRecord, 0, b)[record.HeaderSize:]), "malformed"},
	} {
		dir := t.TempDir()
		// A valid third record after the bad one: the bad one is not a torn tail.
		writeOwners(t, dir, good, c.second, ownerRec(t, ownerRecord, 2, sidOf("FIX.4.4", "C")))
		_, err := openOwners(dir)
		var ce *record.CorruptionError
		if !errors.As(err, &ce) || ce.Offset != int64(ownersHeaderSize+len(good)) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}

	dir := t.TempDir()
	os.WriteFile(datadir.OwnersFile(dir), []byte(ownersMagic+"\x03"), 0o644)
	if _, err := openOwners(dir); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("version 3: err = %v", err)
	}
	os.WriteFile(datadir.OwnersFile(dir), []byte("MOWN"), 0o644)
	if _, err := openOwners(dir); err == nil || !strings.Contains(err.Error(), "bad file header") {
		t.Errorf("short header: err = %v", err)
	}
}

// legacyLine is a line of the registry's format 1, byte for byte what the code
// before format 2 wrote.
func legacyLine(id int, sid quickfix.SessionID) string {
	s := itoa(id) + "\t" + sid.BeginString + "\t" + sid.SenderCompID + "\t" + sid.SenderSubID + "\t" + sid.SenderLocationID +
		"\t" + sid.TargetCompID + "\t" + sid.TargetSubID + "\t" + sid.TargetLocationID + "\t" + sid.Qualifier
	crc := crc32.Checksum([]byte(s), crc32.MakeTable(crc32.Castagnoli))
	h := strconv.FormatUint(uint64(crc), 16)
	return s + "\t" + strings.Repeat("0", 8-len(h)) + h + "\n"
}

func TestOwnersConvertsFormat1(t *testing.T) {
	a := sidOf("FIX.4.4", "A")
	b := quickfix.SessionID{BeginString: "FIX.4.2", SenderCompID: "S", SenderSubID: "ss", SenderLocationID: "sl",
		TargetCompID: "T", TargetSubID: "ts", TargetLocationID: "tl", Qualifier: "q"}
	// A torn third line (no newline) is dropped, as format 1's reader did.
	old := legacyLine(1, a) + legacyLine(2, b) + legacyLine(3, sidOf("FIX.4.4", "C"))[:10]
	if !strings.HasPrefix(old, "1\tFIX.4.4\t"+DefaultCompID+"\t\t\tA\t\t\t\t") {
		t.Fatalf("legacy line = %q", old)
	}
	dir := t.TempDir()
	path := datadir.OwnersFile(dir)
	os.WriteFile(path, []byte(old), 0o644)
	r, err := openOwners(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.all(); len(got) != 2 || got[0] != a || got[1] != b || !r.converted {
		t.Fatalf("converted = %v (converted %v)", got, r.converted)
	}
	if id, created, err := r.assign(sidOf("FIX.4.4", "C")); id != 3 || !created || err != nil {
		t.Fatalf("C = %d %v %v", id, created, err)
	}
	r.close()
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte(ownersHeader)) {
		t.Fatalf("file not rewritten: %q", data)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left: %v", err)
	}
	r, err = openOwners(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if got := r.all(); len(got) != 3 || got[1] != b || r.converted {
		t.Fatalf("after reopen = %v (converted %v)", got, r.converted)
	}
}

func TestOwnersRefusesDamagedFormat1(t *testing.T) {
	old := []byte(legacyLine(1, sidOf("FIX.4.4", "A")) + legacyLine(2, sidOf("FIX.4.4", "B")))
	old[3] ^= 0x01 // in the first line, so not a torn tail
	dir := t.TempDir()
	path := datadir.OwnersFile(dir)
	os.WriteFile(path, old, 0o644)
	_, err := openOwners(dir)
	if err == nil || !strings.Contains(err.Error(), "line 1 offset 0") || !strings.HasPrefix(err.Error(), "gateway: owners:") {
		t.Fatalf("damaged format 1: err = %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Fatal("damaged format-1 file was changed")
	}
}

func TestOwnersRefusesUnstorableIDs(t *testing.T) {
	r, _ := openOwners(t.TempDir())
	defer r.close()
	if _, _, err := r.assign(sidOf("FIX.4.4", "A\tB")); err == nil {
		t.Fatal("tab in CompID accepted")
	}
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}
