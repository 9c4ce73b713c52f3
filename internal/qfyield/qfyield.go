// Package qfyield works around a busy loop in QuickFIX/Go v0.9.10's session
// goroutine that starves every other goroutine on a machine with few cores.
//
// The session hands each outgoing message to its connection's writer goroutine
// over an unbuffered channel with a non-blocking send (session.sendQueued, since
// quickfixgo/quickfix#615). When the writer is not parked on the channel yet —
// it is still writing the previous message, or it was just woken and has not run —
// the session re-signals its own event loop and tries again at once, spinning
// until the send succeeds. The writer woken by the previous hand-over sits in the
// spinning goroutine's run-next slot, so unless another processor is idle the
// spin lasts until Go preempts it, about 10 ms, for every queued message. Measured
// here: a 2-session FIX load of 1000 orders/s reached the matcher at ~115 orders/s.
//
// QuickFIX calls Log.OnOutgoing on the session goroutine right after each
// successful hand-over. Yielding there lets the writer run at once, write, and
// park on the channel again before the session's next send, which then succeeds
// on its first try. The wrapper adds one runtime.Gosched per outgoing message and
// changes nothing else; it is for our acceptor and for the bench tool's
// initiators alike.
//
// matchd now builds against a patched QuickFIX (third_party/quickfix/PATCH.md)
// whose writer channel is buffered, so the spin only starts once 1024 messages
// are queued for a connection; the yield stays as the guard for that case.
package qfyield

import (
	"runtime"

	"github.com/quickfixgo/quickfix"
)

// LogFactory wraps inner so that every session log yields after each outgoing
// message.
func LogFactory(inner quickfix.LogFactory) quickfix.LogFactory { return factory{inner} }

type factory struct{ inner quickfix.LogFactory }

func (f factory) Create() (quickfix.Log, error) {
	l, err := f.inner.Create()
	if err != nil {
		return nil, err
	}
	return yieldLog{l}, nil
}

func (f factory) CreateSessionLog(sid quickfix.SessionID) (quickfix.Log, error) {
	l, err := f.inner.CreateSessionLog(sid)
	if err != nil {
		return nil, err
	}
	return yieldLog{l}, nil
}

type yieldLog struct{ quickfix.Log }

// OnOutgoing logs, then yields to the connection's writer goroutine.
func (l yieldLog) OnOutgoing(b []byte) {
	l.Log.OnOutgoing(b)
	runtime.Gosched()
}
