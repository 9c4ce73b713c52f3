package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
)

// TestLayout pins the names on disk: data directories written by earlier
// versions must keep opening.
func TestLayout(t *testing.T) {
	d := filepath.Join("x", "data")
	for _, c := range []struct{ got, want string }{
		{LockFile(d), "x/data/LOCK"},
		{ConfigFile(d), "x/data/engine.json"},
		{JournalDir(d), "x/data/journal"},
		{SnapshotDir(d), "x/data/snapshots"},
		{OwnersFile(d), "x/data/owners"},
		{FIXStoreDir(d), "x/data/fix"},
	} {
		if c.got != filepath.FromSlash(c.want) {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

// TestLock: one holder at a time (a second flock conflicts even in the same
// process: flock locks belong to the open file), a clear error naming the
// directory, and the lock is free again after Unlock.
func TestLock(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no flock here")
	}
	dir := filepath.Join(t.TempDir(), "data") // Lock creates it
	l, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir)
	if !errors.Is(err, ErrLocked) || !strings.HasPrefix(err.Error(), "datadir: ") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Lock: %v, want ErrLocked naming %s", err, dir)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
	l, err = Lock(dir)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	_ = l.Unlock()
	var none *DirLock
	if err := none.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func testConfig() engine.Config {
	cfg := engine.Config{MaxOrders: 1000, MaxLevels: 100, History: 1000, MaxQty: 1_000_000}
	for _, s := range []string{"AAPL", "MSFT"} {
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{Name: s, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 100_000})
	}
	return cfg
}

// TestStoreConfig: stored and read back; symbols may not change, capacities may;
// a missing file is ErrNotExist and a damaged one names its path.
func TestStoreConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadConfig(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadConfig of an empty directory: %v, want ErrNotExist", err)
	}
	cfg := testConfig()
	if err := StoreConfig(dir, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(dir)
	if err != nil || got.MaxOrders != cfg.MaxOrders || len(got.Symbols) != 2 || got.Symbols[1] != cfg.Symbols[1] {
		t.Fatalf("LoadConfig: %+v, %v", got, err)
	}
	other := testConfig()
	other.Symbols[0], other.Symbols[1] = other.Symbols[1], other.Symbols[0]
	if err := StoreConfig(dir, other); err == nil || !strings.Contains(err.Error(), "symbols may not change") ||
		!strings.Contains(err.Error(), "[AAPL(") {
		t.Fatalf("StoreConfig with reordered symbols: %v", err)
	}
	bigger := testConfig()
	bigger.MaxOrders *= 4
	if err := StoreConfig(dir, bigger); err != nil {
		t.Fatalf("StoreConfig with more capacity: %v", err)
	}
	if got, _ := LoadConfig(dir); got.MaxOrders != bigger.MaxOrders {
		t.Fatalf("stored MaxOrders %d, want %d", got.MaxOrders, bigger.MaxOrders)
	}
	if err := os.WriteFile(ConfigFile(dir), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(dir); err == nil || !strings.Contains(err.Error(), ConfigFile(dir)) {
		t.Fatalf("LoadConfig of a damaged file: %v", err)
	}
	if err := StoreConfig(dir, cfg); err == nil {
		t.Fatal("StoreConfig over a damaged file succeeded")
	}
}

// TestCheckpoint round-trips a checkpoint payload and refuses other sizes.
func TestCheckpoint(t *testing.T) {
	b := AppendCheckpoint([]byte("x"), 0x0102030405060708, 0xa1b2c3d4e5f60718)[1:]
	if len(b) != CheckpointSize || b[0] != 0x08 || b[8] != 0x18 {
		t.Fatalf("encoding % x", b)
	}
	seq, h, err := DecodeCheckpoint(b)
	if err != nil || seq != 0x0102030405060708 || h != 0xa1b2c3d4e5f60718 {
		t.Fatalf("decode: %x %x %v", seq, h, err)
	}
	if _, _, err := DecodeCheckpoint(b[:15]); err == nil || !strings.Contains(err.Error(), "15 bytes") {
		t.Fatalf("decode of 15 bytes: %v", err)
	}
}
