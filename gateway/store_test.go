package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/gateway/fixstore"
)

// The factory: a fixstore log per accepted session, shared by the handles
// open at once (one series of seqnums), closed with the last handle and
// reopened with its seqnums, a memory store for strangers and after Stop,
// FileStorePath and FileStoreSync read as QuickFIX reads them.
func TestStoreFactory(t *testing.T) {
	dir := t.TempDir()
	settings, err := quickfix.ParseSettings(strings.NewReader("[DEFAULT]\nFileStorePath=" + dir + "/dyn\nFileStoreSync=N\n" +
		"[SESSION]\nBeginString=FIX.4.4\nSenderCompID=ENGINE\nTargetCompID=LISTED\nFileStorePath=" + dir + "/listed\nFileStoreSync=Y\n"))
	if err != nil {
		t.Fatal(err)
	}
	dyn := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "ENGINE", TargetCompID: "DYN"}
	listed := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "ENGINE", TargetCompID: "LISTED"}
	stranger := quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "ENGINE", TargetCompID: "NOBODY"}
	f := newStoreFactory(func(sid quickfix.SessionID) bool { return sid != stranger }, settings, zerolog.Nop())

	a, err := f.Create(dyn)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := a.(*storeHandle); !ok {
		t.Fatalf("dynamic session got %T", a)
	} else if _, ok := quickfix.MessageStore(h.Store).(*fixstore.Store); !ok {
		t.Fatal("dynamic session's handle holds no fixstore")
	}
	if err := a.SaveMessageAndIncrNextSenderMsgSeqNum(1, []byte("8=FIX.4.4\x01")); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Create(dyn); b.(*storeHandle).Store != a.(*storeHandle).Store || b.NextSenderMsgSeqNum() != 2 {
		t.Fatalf("second logon got seq %d, want the same store", b.NextSenderMsgSeqNum())
	} else {
		// The first handle's Close leaves the store open for the second
		// (twice: a handle is released once); the last one's closes it.
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		a.Close()
		if err := b.IncrNextTargetMsgSeqNum(); err != nil || f.openStores() != 1 {
			t.Fatalf("after one of two handles closed: %v, %d stores open", err, f.openStores())
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if f.openStores() != 0 || b.IncrNextTargetMsgSeqNum() == nil {
			t.Fatalf("last handle closed: %d stores open, want the store closed", f.openStores())
		}
	}
	// Reopened at the next logon, the sequence numbers where they were.
	if a, err = f.Create(dyn); err != nil || a.NextSenderMsgSeqNum() != 2 || a.NextTargetMsgSeqNum() != 2 {
		t.Fatalf("reopened: %v, next sender %d target %d, want 2 and 2", err, a.NextSenderMsgSeqNum(), a.NextTargetMsgSeqNum())
	}
	if _, err := os.Stat(filepath.Join(dir, "dyn", "FIX.4.4-ENGINE-DYN.fixlog")); err != nil {
		t.Errorf("dynamic session's log: %v", err)
	}
	l, err := f.Create(listed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "listed", "FIX.4.4-ENGINE-LISTED.fixlog")); err != nil {
		t.Errorf("listed session's log not under its own FileStorePath: %v", err)
	}
	if d, sync, _ := f.location(listed); d != dir+"/listed" || !sync {
		t.Errorf("listed session: dir %s sync %v, want its own path and sync", d, sync)
	}
	if _, sync, _ := f.location(dyn); sync {
		t.Error("dynamic session: FileStoreSync=N ignored")
	}
	bare, _ := quickfix.ParseSettings(strings.NewReader("[DEFAULT]\nFileStorePath=" + dir + "\n"))
	if _, sync, _ := newStoreFactory(nil, bare, zerolog.Nop()).location(dyn); !sync {
		t.Error("no FileStoreSync: want QuickFIX's default, Y")
	}
	if s, _ := f.Create(stranger); s == nil || s == l || s == a {
		t.Fatalf("stranger got %T", s)
	} else if _, ok := s.(*storeHandle); ok {
		t.Fatal("stranger got a file")
	}

	f.closeAll()
	if err := a.IncrNextTargetMsgSeqNum(); err == nil {
		t.Error("store still writable after closeAll")
	}
	if s, _ := f.Create(dyn); s == a {
		t.Error("closed store handed out after Stop")
	} else if _, ok := s.(*storeHandle); ok {
		t.Error("file store created after Stop")
	}
	if err := a.Close(); err != nil { // QuickFIX closing a handle after Stop
		t.Errorf("handle closed after closeAll: %v", err)
	}
	// A new factory (a restart) reads the series where it stopped.
	g := newStoreFactory(func(quickfix.SessionID) bool { return true }, settings, zerolog.Nop())
	defer g.closeAll()
	if b, err := g.Create(dyn); err != nil || b.NextSenderMsgSeqNum() != 2 {
		t.Fatalf("after restart: %v, next sender seq %d", err, b.NextSenderMsgSeqNum())
	}
}
