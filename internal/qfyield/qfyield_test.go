package qfyield

import (
	"errors"
	"testing"

	"github.com/quickfixgo/quickfix"
)

type recLog struct{ got *[]string }

func (l recLog) OnIncoming(b []byte)                 { *l.got = append(*l.got, "in:"+string(b)) }
func (l recLog) OnOutgoing(b []byte)                 { *l.got = append(*l.got, "out:"+string(b)) }
func (l recLog) OnEvent(s string)                    { *l.got = append(*l.got, "ev:"+s) }
func (l recLog) OnEventf(f string, a ...interface{}) { *l.got = append(*l.got, "evf:"+f) }

type recFactory struct {
	got *[]string
	err error
}

func (f recFactory) Create() (quickfix.Log, error) { return recLog{f.got}, f.err }
func (f recFactory) CreateSessionLog(quickfix.SessionID) (quickfix.Log, error) {
	return recLog{f.got}, f.err
}

// The wrapper must pass every call through to the wrapped log, for both kinds
// of log, and pass creation errors back.
func TestDelegates(t *testing.T) {
	var got []string
	f := LogFactory(recFactory{got: &got})
	g, err := f.Create()
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.CreateSessionLog(quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: "A", TargetCompID: "B"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []quickfix.Log{g, s} {
		l.OnIncoming([]byte("1"))
		l.OnOutgoing([]byte("2"))
		l.OnEvent("3")
		l.OnEventf("4")
	}
	want := []string{"in:1", "out:2", "ev:3", "evf:4", "in:1", "out:2", "ev:3", "evf:4"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	boom := errors.New("boom")
	if _, err := LogFactory(recFactory{got: &got, err: boom}).Create(); !errors.Is(err, boom) {
		t.Fatalf("Create error: %v", err)
	}
	if _, err := LogFactory(recFactory{got: &got, err: boom}).CreateSessionLog(quickfix.SessionID{}); !errors.Is(err, boom) {
		t.Fatalf("CreateSessionLog error: %v", err)
	}
}
