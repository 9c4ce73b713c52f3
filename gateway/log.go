package gateway

import (
	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"
)

// qfLogFactory routes QuickFIX's own logging to zerolog: session events at debug
// level, every raw message in and out at trace level, so nothing is logged per
// message at info level or above.
type qfLogFactory struct {
	log zerolog.Logger
}

// Create implements quickfix.LogFactory.
func (f qfLogFactory) Create() (quickfix.Log, error) {
	return qfLog{log: f.log}, nil
}

// CreateSessionLog implements quickfix.LogFactory.
func (f qfLogFactory) CreateSessionLog(sid quickfix.SessionID) (quickfix.Log, error) {
	return qfLog{log: f.log.With().Str("session", sid.String()).Logger()}, nil
}

type qfLog struct {
	log zerolog.Logger
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
	if e := l.log.Debug(); e != nil {
		e.Msgf(format, args...)
	}
}
