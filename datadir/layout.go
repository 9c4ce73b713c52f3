package datadir

import "path/filepath"

// Names inside a data directory (see the package doc for the tree).
const (
	lockName      = "LOCK"
	configName    = "engine.json"
	journalName   = "journal"
	snapshotsName = "snapshots"
	ownersName    = "owners"
	fixStoreName  = "fix"
)

// LockFile is the file whose flock marks the directory as owned by a process.
func LockFile(dir string) string { return filepath.Join(dir, lockName) }

// ConfigFile holds the engine configuration the journal was written with.
// Symbol indexes in the journal mean something only with it.
func ConfigFile(dir string) string { return filepath.Join(dir, configName) }

// JournalDir holds the journal's segments.
func JournalDir(dir string) string { return filepath.Join(dir, journalName) }

// SnapshotDir holds the snapshots of the books.
func SnapshotDir(dir string) string { return filepath.Join(dir, snapshotsName) }

// OwnersFile is the gateway's owner registry (FIX session <-> owner id).
func OwnersFile(dir string) string { return filepath.Join(dir, ownersName) }

// FIXStoreDir is the default FileStorePath: QuickFIX's message store.
func FIXStoreDir(dir string) string { return filepath.Join(dir, fixStoreName) }
