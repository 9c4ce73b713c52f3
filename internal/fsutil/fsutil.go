// Package fsutil holds the file-system steps the durable stores share.
package fsutil

import (
	"os"
	"path/filepath"
)

// SyncDir fsyncs a directory so that entries created, renamed or removed in
// it persist across a crash of the machine.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFileAtomic replaces path with b: it writes path+".tmp" and renames it
// over path, so a crash leaves the old file or the new one, never a part. With
// sync the file is fsynced before the rename and the directory after it, so
// the new file also survives a crash of the machine. On error the temporary
// file is removed (best effort) and path is untouched.
func WriteFileAtomic(path string, b []byte, perm os.FileMode, sync bool) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil && sync {
		err = SyncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
