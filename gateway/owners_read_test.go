package gateway

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/openmatch/matchd/datadir"
)

// TestReadOwners: ReadOwners returns the sessions in id order, the valid
// prefix of a file with a torn tail without cutting it, a format-1 file
// without converting it, and an fs.ErrNotExist error for a missing file;
// damage before the tail is an error.
func TestReadOwners(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadOwners(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	r, err := openOwners(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := sidOf("FIX.4.4", "A"), sidOf("FIX.4.2", "B")
	r.assign(a)
	r.assign(b)
	r.close()
	path := datadir.OwnersFile(dir)
	data, _ := os.ReadFile(path)
	torn := data[:len(data)-3]
	os.WriteFile(path, torn, 0o644)
	got, err := ReadOwners(dir)
	if err != nil || len(got) != 1 || got[0] != a {
		t.Fatalf("torn tail: %v %v", got, err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, torn) {
		t.Fatal("ReadOwners changed the file")
	}
	os.WriteFile(path, data, 0o644)
	if got, err := ReadOwners(dir); err != nil || len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("whole file: %v %v", got, err)
	}
	flipped := append([]byte(nil), data...)
	flipped[ownersHeaderSize+8] ^= 0x20 // inside the first of two records
	os.WriteFile(path, flipped, 0o644)
	if _, err := ReadOwners(dir); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("damaged first record: %v", err)
	}

	old := legacyLine(1, a) + legacyLine(2, b)
	os.WriteFile(path, []byte(old), 0o644)
	if got, err := ReadOwners(dir); err != nil || len(got) != 2 || got[1] != b {
		t.Fatalf("format 1: %v %v", got, err)
	}
	if now, _ := os.ReadFile(path); string(now) != old {
		t.Fatal("ReadOwners converted a format-1 file")
	}
}
