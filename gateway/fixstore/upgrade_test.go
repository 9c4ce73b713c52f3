package fixstore

import (
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
	if b := readFile(t, s.Path()); len(b) != headerSize+8 {
		t.Fatalf("new log is %d bytes, want one creation record", len(b))
	}
	ents, err := os.ReadDir(dir)
	must(t, err)
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ".fixlog") {
		t.Fatalf("directory holds %v", ents)
	}
}
