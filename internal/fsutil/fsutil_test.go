package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("no error for a missing directory")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	for _, sync := range []bool{false, true} {
		for _, content := range []string{"first", "second, longer than the first", "3"} {
			if err := WriteFileAtomic(p, []byte(content), 0o600, sync); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil || string(got) != content {
				t.Fatalf("sync=%v: read %q, %v; want %q", sync, got, err, content)
			}
			if _, err := os.Stat(p + ".tmp"); !os.IsNotExist(err) {
				t.Fatalf("temporary file left: %v", err)
			}
		}
	}
	// A path whose directory does not exist: an error, nothing created.
	if err := WriteFileAtomic(filepath.Join(dir, "no", "f"), []byte("x"), 0o600, true); err == nil {
		t.Fatal("no error for a missing directory")
	}
}
