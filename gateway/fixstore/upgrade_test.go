package fixstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/config"
	"github.com/quickfixgo/quickfix/store/file"
)

// quickfixFileStores is QuickFIX's file store factory for dir; every session
// is accepted (dynamic sessions), FileStoreSync as given.
func quickfixFileStores(dir string, sync bool) quickfix.MessageStoreFactory {
	settings := quickfix.NewSettings()
	g := settings.GlobalSettings()
	g.Set(config.DynamicSessions, "Y")
	g.Set(config.FileStorePath, dir)
	g.Set(config.FileStoreSync, map[bool]string{false: "N", true: "Y"}[sync])
	return file.NewStoreFactory(settings)
}

func TestUpgradeFromQuickFIXFileStore(t *testing.T) {
	dir := t.TempDir()
	sid := quickfix.SessionID{BeginString: quickfix.BeginStringFIX42, SenderCompID: "S", SenderSubID: "SS", SenderLocationID: "SL",
		TargetCompID: "T", TargetSubID: "TS", TargetLocationID: "TL", Qualifier: "q"}
	old, err := quickfixFileStores(dir, false).Create(sid)
	must(t, err)
	for seq := 1; seq <= 5; seq++ {
		must(t, old.SaveMessageAndIncrNextSenderMsgSeqNum(seq, fixMsg(seq)))
		must(t, old.IncrNextTargetMsgSeqNum())
	}
	must(t, old.SetNextTargetMsgSeqNum(31))
	created := old.CreationTime()
	must(t, old.Close())

	// Our file name prefix is the file store's.
	prefix := filenamePrefix(sid)
	var names []string
	ents, err := os.ReadDir(dir)
	must(t, err)
	oldFiles := map[string][]byte{}
	for _, e := range ents {
		names = append(names, e.Name())
		oldFiles[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
	}
	for _, ext := range []string{"body", "header", "session", "senderseqnums", "targetseqnums"} {
		if !slices.Contains(names, prefix+"."+ext) {
			t.Fatalf("QuickFIX wrote %v; no %s.%s", names, prefix, ext)
		}
	}

	s, err := Open(dir, sid, false)
	must(t, err)
	if base := filepath.Base(s.Path()); base != prefix+".fixlog" {
		t.Fatalf("log %s", base)
	}
	checkSeqs(t, s, 6, 31)
	if !s.CreationTime().Equal(created) {
		t.Fatalf("creation time %v, QuickFIX's %v", s.CreationTime(), created)
	}
	checkRange(t, s, newModel(), 1, 10) // old messages are not imported
	must(t, s.SaveMessageAndIncrNextSenderMsgSeqNum(6, fixMsg(6)))
	must(t, s.Close())

	for name, b := range oldFiles {
		if got := readFile(t, filepath.Join(dir, name)); string(got) != string(b) {
			t.Fatalf("%s changed by the import", name)
		}
	}
	if _, err := os.Stat(s.Path() + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}

	// Once the log exists the old files are ignored.
	must(t, os.WriteFile(filepath.Join(dir, prefix+".senderseqnums"), []byte("0000000000000000999"), 0o600))
	s, err = Open(dir, sid, false)
	must(t, err)
	checkSeqs(t, s, 7, 31)
	m := newModel()
	m.msgs[6] = fixMsg(6)
	checkRange(t, s, m, 1, 10)
	must(t, s.Close())
}

// TestUpgradeDamagedFileStore: files that do not parse give what QuickFIX's
// file store would have read from them (its defaults).
func TestUpgradeDamagedFileStore(t *testing.T) {
	dir := t.TempDir()
	prefix := filenamePrefix(testSID)
	write := func(ext, s string) {
		must(t, os.WriteFile(filepath.Join(dir, prefix+"."+ext), []byte(s), 0o600))
	}
	write("session", "yesterday")
	write("senderseqnums", "12x")
	write("targetseqnums", "0000000000000000042\n")
	before := time.Now()
	s := mustOpen(t, dir, true)
	defer s.Close()
	checkSeqs(t, s, 1, 42)
	if s.CreationTime().Before(before.Round(0)) {
		t.Fatalf("creation time %v, want now", s.CreationTime())
	}
}

func TestNewLogWithoutFileStore(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, true)
	defer s.Close()
	checkSeqs(t, s, 1, 1)
	if b := readFile(t, s.Path()); len(b) != logHeaderSize+headerSize+8 {
		t.Fatalf("new log is %d bytes, want one creation record", len(b))
	}
	ents, err := os.ReadDir(dir)
	must(t, err)
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ".fixlog") {
		t.Fatalf("directory holds %v", ents)
	}
}

// v1Log re-encodes a current log in format 1: no file header, and each record
// framed as crc(4) kind(1) length(4) payload, CRC-32C of bytes 4.. .
func v1Log(t *testing.T, log []byte) []byte {
	t.Helper()
	le := binary.LittleEndian
	var out []byte
	for off := logHeaderSize; off < len(log); {
		n, k := int(le.Uint32(log[off+4:])), log[off+8]
		start := len(out)
		out = append(out, 0, 0, 0, 0, k)
		out = le.AppendUint32(out, uint32(n))
		out = append(out, log[off+headerSize:off+headerSize+n]...)
		le.PutUint32(out[start:], crc32.Checksum(out[start+4:], crc32.MakeTable(crc32.Castagnoli)))
		off += headerSize + n
	}
	return out
}

// TestUpgradeFromFormat1: a log written before the store used internal/record
// opens with the same state and messages, is rewritten in the current format
// (a later open finds nothing to convert), and its torn tail is dropped in the
// conversion; a damaged one is refused and left as it was.
func TestUpgradeFromFormat1(t *testing.T) {
	log, snaps := buildLog(t, append(prefixOps(), lastOps["SaveMessage"]))
	want := snaps[len(snaps)-1]
	old := v1Log(t, log)
	dir := writeLog(t, old)
	path := filepath.Join(dir, filenamePrefix(testSID)+".fixlog")
	// A state file from before the conversion describes format-1 offsets.
	must(t, os.WriteFile(path+".state", []byte("FIXSTATE\x01\x00\x00\x00"), 0o600))
	s := mustOpen(t, dir, false)
	checkSnapshot(t, s, want)
	if s.TruncatedBytes() != 0 {
		t.Fatalf("clean format-1 log: truncated %d", s.TruncatedBytes())
	}
	must(t, s.Close())
	if got := readFile(t, path); !bytes.Equal(got, log) {
		t.Fatalf("converted log differs from the current format's:\n% x\n% x", got, log)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}
	s = mustOpen(t, dir, false)
	checkSnapshot(t, s, want)
	must(t, s.Close())

	// A torn last record of a format-1 log: dropped, at every cut.
	prev := snaps[len(snaps)-2]
	oldPrev := len(v1Log(t, log[:prev.size]))
	for cut := oldPrev + 1; cut < len(old); cut++ {
		s, err := Open(writeLog(t, old[:cut]), testSID, false)
		must(t, err)
		if s.TruncatedBytes() != int64(cut-oldPrev) {
			t.Fatalf("format 1 cut at %d: truncated %d, want %d", cut, s.TruncatedBytes(), cut-oldPrev)
		}
		checkSnapshot(t, s, prev)
		must(t, s.Close())
	}

	// Damage before the last record: refused, naming the offset, unchanged.
	bad := bytes.Clone(old)
	bad[headerSize+8+2] ^= 1 // the second record's checksum
	dir = writeLog(t, bad)
	_, err := Open(dir, testSID, false)
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Offset != headerSize+8 || !strings.Contains(err.Error(), "format 1") {
		t.Fatalf("damaged format-1 log: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, filenamePrefix(testSID)+".fixlog")); !bytes.Equal(got, bad) {
		t.Fatal("damaged format-1 log modified")
	}
}

func TestUnsupportedLogVersion(t *testing.T) {
	dir := writeLog(t, []byte(logMagic+"\x03"))
	if _, err := Open(dir, testSID, false); err == nil || !strings.Contains(err.Error(), "unsupported log format 3") {
		t.Fatalf("format 3: %v", err)
	}
}
