package gateway

import (
	"errors"
	"strings"
	"testing"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/engine"
)

// codGateway builds an idle gateway from settings text.
func codGateway(t *testing.T, sink Sink, text string) (*Gateway, error) {
	t.Helper()
	s, err := ParseSettings(text)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := New(Options{DataDir: t.TempDir(), Settings: s, Symbols: testSymbols(), Sink: sink, RatePerSecond: -1})
	if err == nil {
		t.Cleanup(gw.Stop)
	}
	return gw, err
}

func codSID(target string) quickfix.SessionID {
	return quickfix.SessionID{BeginString: "FIX.4.4", SenderCompID: DefaultCompID, TargetCompID: target}
}

// TestCancelOnDisconnectSetting: a [SESSION]'s own value wins, a listed
// session without one inherits [DEFAULT]'s, dynamic sessions take [DEFAULT]'s,
// and the default is N.
func TestCancelOnDisconnectSetting(t *testing.T) {
	for _, tc := range []struct {
		name, defaults string
		want           map[string]bool // TargetCompID -> COD
	}{
		{"default N", "", map[string]bool{"CODA": false, "CODB": true, "CODC": false, "DYN": false}},
		{"[DEFAULT] N", "CancelOnDisconnect=N\n", map[string]bool{"CODA": false, "CODB": true, "CODC": false, "DYN": false}},
		{"[DEFAULT] Y", "CancelOnDisconnect=Y\n", map[string]bool{"CODA": true, "CODB": true, "CODC": false, "DYN": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw, err := codGateway(t, &countSink{}, "[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptPort=1\nDynamicSessions=Y\n"+tc.defaults+
				"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=CODA\n"+
				"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=CODB\nCancelOnDisconnect=Y\n"+
				"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=CODC\nCancelOnDisconnect=N\n")
			if err != nil {
				t.Fatal(err)
			}
			for target, want := range tc.want {
				if got := gw.cfg.cancelOnDisconnect(codSID(target)); got != want {
					t.Errorf("%s: CancelOnDisconnect %v, want %v", target, got, want)
				}
			}
		})
	}
}

// TestCancelOnDisconnectSettingRefused: a value other than Y or N stops New
// with the session and the key.
func TestCancelOnDisconnectSettingRefused(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[DEFAULT]\nSenderCompID=ENGINE\nDynamicSessions=Y\nCancelOnDisconnect=yes\n",
			`gateway: settings: [DEFAULT]: CancelOnDisconnect: must be Y or N, got "yes"`},
		{"[DEFAULT]\nSenderCompID=ENGINE\n[SESSION]\nBeginString=FIX.4.4\nTargetCompID=CODBAD\nCancelOnDisconnect=1\n",
			`gateway: settings: session FIX.4.4:ENGINE->CODBAD: CancelOnDisconnect: must be Y or N, got "1"`},
		{"[DEFAULT]\nSenderCompID=ENGINE\nDynamicSessions=Y\nCancelOnDisconnect=\n",
			`CancelOnDisconnect: must be Y or N, got ""`},
	} {
		if _, err := codGateway(t, &countSink{}, tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}

// failSink refuses every command.
type failSink struct{ n int }

func (s *failSink) Submit(*engine.Command) error {
	s.n++
	return errors.New("pipeline: closed")
}

// TestOnLogoutCancelOnDisconnect: OnLogout of a logged-on session with
// CancelOnDisconnect=Y submits exactly one MassOnDisconnect for its owner;
// without the setting, without a completed logon, or while the server shuts
// down, nothing is submitted; a refused submit is counted.
func TestOnLogoutCancelOnDisconnect(t *testing.T) {
	text := "[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptPort=1\nDynamicSessions=Y\n" +
		"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=LOUTY\nCancelOnDisconnect=Y\n" +
		"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=LOUTN\n"
	sink := &countSink{}
	gw, err := codGateway(t, sink, text)
	if err != nil {
		t.Fatal(err)
	}
	a := app{gw}
	logOn := func(sid quickfix.SessionID, owner uint32) {
		gw.addSession(sid, owner)
		gw.mu.Lock()
		gw.active[sid] = true
		gw.mu.Unlock()
	}
	yes, no := codSID("LOUTY"), codSID("LOUTN")
	logOn(yes, 3)
	logOn(no, 4)
	a.OnLogout(no)
	if sink.n != 0 {
		t.Fatalf("session without CancelOnDisconnect submitted %+v", sink.last)
	}
	a.OnLogout(yes)
	want := engine.Command{Kind: engine.KindMassCancel, Type: engine.MassOnDisconnect, Owner: 3, Symbol: engine.NoSymbol}
	got := sink.last
	got.Received = 0
	if sink.n != 1 || got != want || sink.last.Received == 0 {
		t.Fatalf("%d submitted, last %+v; want one %+v", sink.n, sink.last, want)
	}
	if gw.Counters.CancelsOnDisconnect.Load() != 1 || gw.ActiveSessions() != 0 {
		t.Fatalf("counter %d, active %d", gw.Counters.CancelsOnDisconnect.Load(), gw.ActiveSessions())
	}
	a.OnLogout(yes) // no longer logged on: a second OnLogout cancels nothing
	if sink.n != 1 {
		t.Fatalf("OnLogout of a session not logged on submitted again")
	}
	logOn(yes, 3)
	gw.Quiesce()
	a.OnLogout(yes)
	if sink.n != 1 || gw.Counters.CancelsOnDisconnect.Load() != 1 {
		t.Fatalf("cancel on disconnect submitted while shutting down")
	}

	fail := &failSink{}
	gw2, err := codGateway(t, fail, strings.ReplaceAll(text, "LOUT", "LFAIL"))
	if err != nil {
		t.Fatal(err)
	}
	sid := codSID("LFAILY")
	gw2.addSession(sid, 1)
	gw2.active[sid] = true
	app{gw2}.OnLogout(sid)
	if fail.n != 1 || gw2.Counters.CancelOnDisconnectFailures.Load() != 1 || gw2.Counters.CancelsOnDisconnect.Load() != 0 {
		t.Fatalf("refused submit: %d tries, %d failures counted", fail.n, gw2.Counters.CancelOnDisconnectFailures.Load())
	}
	if gw2.ActiveSessions() != 0 {
		t.Fatal("session still active after a failed cancel on disconnect")
	}
}
