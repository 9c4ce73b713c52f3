// matchd patch tests (see PATCH.md): a Logon refused by the application
// leaves the expected incoming MsgSeqNum alone. Not part of upstream
// QuickFIX/Go. Run from matchd's root:
//
//	go test -count=1 -race -run Patch github.com/quickfixgo/quickfix

package quickfix

import (
	"bytes"
	"testing"
	"time"

	"github.com/quickfixgo/quickfix/internal"
)

// logonApp is an Application whose FromAdmin answers every Logon with reject.
type logonApp struct {
	reject  MessageRejectError
	logons  int
	toAdmin int
}

func (a *logonApp) OnCreate(SessionID)                               {}
func (a *logonApp) OnLogon(SessionID)                                { a.logons++ }
func (a *logonApp) OnLogout(SessionID)                               {}
func (a *logonApp) ToAdmin(*Message, SessionID)                      { a.toAdmin++ }
func (a *logonApp) ToApp(*Message, SessionID) error                  { return nil }
func (a *logonApp) FromApp(*Message, SessionID) MessageRejectError   { return nil }
func (a *logonApp) FromAdmin(*Message, SessionID) MessageRejectError { return a.reject }

// patchAcceptorSession is an acceptor-side session with a memory store at
// NextTargetMsgSeqNum 12 and NextSenderMsgSeqNum 20, writing to out.
func patchAcceptorSession(t *testing.T, app Application) (*session, chan []byte) {
	t.Helper()
	sid := SessionID{BeginString: BeginStringFIX44, SenderCompID: "ENGINE", TargetCompID: "BROKER_A"}
	store, err := NewMemoryStoreFactory().Create(sid)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetNextTargetMsgSeqNum(12); err != nil {
		t.Fatal(err)
	}
	if err := store.SetNextSenderMsgSeqNum(20); err != nil {
		t.Fatal(err)
	}
	out := make(chan []byte, 16)
	s := &session{store: store, log: nullLog{}, sessionID: sid, messageOut: out, application: app,
		SessionSettings: internal.SessionSettings{HeartBtInt: 30 * time.Second, MaxLatency: 120 * time.Second}}
	s.stateMachine.State = logonState{}
	return s, out
}

func patchLogon(seq int) *Message {
	m := NewMessage()
	m.Header.SetString(tagMsgType, "A")
	m.Header.SetString(tagBeginString, BeginStringFIX44)
	m.Header.SetString(tagSenderCompID, "BROKER_A")
	m.Header.SetString(tagTargetCompID, "ENGINE")
	m.Header.SetInt(tagMsgSeqNum, seq)
	m.Header.SetField(tagSendingTime, FIXUTCTimestamp{Time: time.Now()})
	m.Body.SetString(tagEncryptMethod, "0")
	m.Body.SetInt(tagHeartBtInt, 30)
	m.Body.SetString(554, "wrong")
	return m
}

// TestPatchRefusedLogonKeepsTargetSeqNum: a Logon that FromAdmin refuses (a
// wrong password, whatever its MsgSeqNum) gets a Logout with the reason and
// leaves NextTargetMsgSeqNum as it was, so the real client's next Logon is
// not "MsgSeqNum too low". Upstream incremented it.
func TestPatchRefusedLogonKeepsTargetSeqNum(t *testing.T) {
	for _, seq := range []int{5000, 12, 1} {
		app := &logonApp{reject: RejectLogon{Text: "logon refused: bad password"}}
		s, out := patchAcceptorSession(t, app)
		next := logonState{}.FixMsgIn(s, patchLogon(seq))
		if _, ok := next.(latentState); !ok {
			t.Fatalf("34=%d: next state %v, want latent", seq, next)
		}
		if got := s.store.NextTargetMsgSeqNum(); got != 12 {
			t.Errorf("34=%d: NextTargetMsgSeqNum %d after a refused Logon, want 12", seq, got)
		}
		if app.logons != 0 {
			t.Errorf("34=%d: OnLogon called", seq)
		}
		select {
		case b := <-out:
			if !bytes.Contains(b, []byte("\x0135=5\x01")) || !bytes.Contains(b, []byte("\x0158=logon refused: bad password\x01")) ||
				!bytes.Contains(b, []byte("\x0134=20\x01")) {
				t.Errorf("34=%d: sent %q, want a Logout 34=20 with the Text", seq, b)
			}
		default:
			t.Errorf("34=%d: no Logout sent", seq)
		}
	}
}

// TestPatchAcceptedLogonIncrementsTargetSeqNum is the control: an accepted
// Logon with the expected MsgSeqNum consumes it.
func TestPatchAcceptedLogonIncrementsTargetSeqNum(t *testing.T) {
	app := &logonApp{}
	s, out := patchAcceptorSession(t, app)
	next := logonState{}.FixMsgIn(s, patchLogon(12))
	if _, ok := next.(inSession); !ok {
		t.Fatalf("next state %v, want in session", next)
	}
	if got := s.store.NextTargetMsgSeqNum(); got != 13 || app.logons != 1 {
		t.Fatalf("NextTargetMsgSeqNum %d, %d OnLogon; want 13, 1", got, app.logons)
	}
	if b := <-out; !bytes.Contains(b, []byte("\x0135=A\x01")) {
		t.Fatalf("sent %q, want a Logon", b)
	}
}
