package gateway

import (
	"strings"
	"sync/atomic"

	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"
)

// qfLogFactory routes QuickFIX's own logging to zerolog: session events at debug
// level, every raw message in and out at trace level, so nothing is logged per
// message at info level or above; except a message a session discarded because
// it does not parse (a wrong CheckSum(10), a bad BodyLength), which is logged at
// warn, without its bytes (they may hold a Password), and counted in discarded.
type qfLogFactory struct {
	log       zerolog.Logger
	discarded *atomic.Uint64
}

// Create implements quickfix.LogFactory.
func (f qfLogFactory) Create() (quickfix.Log, error) {
	return qfLog(f), nil
}

// CreateSessionLog implements quickfix.LogFactory.
func (f qfLogFactory) CreateSessionLog(sid quickfix.SessionID) (quickfix.Log, error) {
	return qfLog{log: f.log.With().Str("session", sid.String()).Logger(), discarded: f.discarded}, nil
}

type qfLog struct {
	log       zerolog.Logger
	discarded *atomic.Uint64
}

func (l qfLog) OnIncoming(b []byte) {
	if e := l.log.Trace(); e != nil {
		e.Bytes("fix", b).Msg("fix in")
	}
}

func (l qfLog) OnOutgoing(b []byte) {
	if e := l.log.Trace(); e != nil {
		e.Bytes("fix", b).Msg("fix out")
	}
}

func (l qfLog) OnEvent(s string) {
	if e := l.log.Debug(); e != nil {
		e.Msg(s)
	}
}

func (l qfLog) OnEventf(format string, args ...interface{}) {
	// session_state.go and in_session.go: "Msg Parse Error: %v, %q" and
	// "Resend Msg Parse Error: %v, %v", the error first, the bytes second.
	if strings.HasPrefix(format, "Msg Parse Error") || strings.HasPrefix(format, "Resend Msg Parse Error") {
		if l.discarded != nil {
			l.discarded.Add(1)
		}
		var why string
		if len(args) > 0 {
			why, _ = args[0].(string)
		}
		l.log.Warn().Str("error", why).Msg("FIX message discarded: it does not parse (not processed, its MsgSeqNum not consumed)")
		return
	}
	if e := l.log.Debug(); e != nil {
		e.Msgf(format, args...)
	}
}
