package gateway

import (
	"os"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/datadir"
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
	firstLen := strings.IndexByte(string(data), '\n') + 1

	// Cut the second record at every length, and flip a byte in it: each time the
	// registry must come back with A only and assign the next id to a new session.
	for cut := firstLen; cut < len(data); cut++ {
		os.WriteFile(path, data[:cut], 0o644)
		checkTail(t, dir, firstLen, "cut at "+itoa(cut))
	}
	flipped := append([]byte(nil), data...)
	flipped[firstLen+3] ^= 0x20
	os.WriteFile(path, flipped, 0o644)
	checkTail(t, dir, firstLen, "flipped byte in last record")
}

func checkTail(t *testing.T, dir string, firstLen int, what string) {
	t.Helper()
	r, err := openOwners(dir)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer r.close()
	if _, ok := r.lookup(sidOf("FIX.4.4", "B")); ok {
		t.Fatalf("%s: torn record B survived", what)
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
	data[2] ^= 0x01
	os.WriteFile(path, data, 0o644)
	_, err := openOwners(dir)
	if err == nil || !strings.Contains(err.Error(), "line 1 offset 0") || !strings.HasPrefix(err.Error(), "gateway: owners:") {
		t.Fatalf("corrupt first record: err = %v", err)
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
