package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/quickfixgo/quickfix/config"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/marketdata"
)

// Defaults.
const (
	// DefaultCompID is the engine's SenderCompID(49).
	DefaultCompID = "ENGINE"
	// DefaultPort is the FIX listening port of the embedded settings.
	DefaultPort = 5001
	// DefaultRatePerSecond is the per-session limit on application messages.
	DefaultRatePerSecond = 5000
	// DefaultMaxSessions is the number of sessions that may be logged on at once.
	DefaultMaxSessions = 1000
	// DefaultPendingLimit is how many reports are kept in memory for one
	// offline session.
	DefaultPendingLimit = 10000
	// DefaultPendingLogonTimeout is how long a new connection has to send its
	// Logon.
	DefaultPendingLogonTimeout = 5 * time.Second
	// DefaultMaxPendingLogons is how many connections may wait for their
	// Logon at once, in all.
	DefaultMaxPendingLogons = 256
	// DefaultMaxPendingLogonsPerHost is DefaultMaxPendingLogons for one remote
	// IP address.
	DefaultMaxPendingLogonsPerHost = 32
	// DefaultMaxMessageSize is the largest BodyLength(9) accepted, in bytes.
	DefaultMaxMessageSize = 64 << 10
	// DefaultOutboundMessages and DefaultOutboundBytes bound what a logged-on
	// session may have unsent (see Options.OutboundMessages).
	DefaultOutboundMessages = 10000
	DefaultOutboundBytes    = 8 << 20
)

// Settings keys the gateway reads from a session's section of a settings file,
// besides QuickFIX's own.
const (
	// SettingUsername is the Username(553) the session must send at Logon.
	SettingUsername = "Username"
	// SettingPassword is the Password(554) the session must send at Logon.
	SettingPassword = "Password"
	// SettingCancelOnDisconnect, Y or N (the default), in a [SESSION] or in
	// [DEFAULT] (which dynamic sessions use): Y cancels every resting order of
	// the session when it logs out or its connection drops (cod.go).
	SettingCancelOnDisconnect = "CancelOnDisconnect"
)

// listenerCompID prefixes the TargetCompID of the placeholder session added when
// the settings list none: QuickFIX/Go refuses settings without sessions and
// opens listening sockets only for listed sessions. A random suffix keeps two
// gateways in one process (tests) apart in QuickFIX's global session registry.
// Logons with a CompID starting with it are refused.
const listenerCompID = "__LISTENER"

// Options configures a Gateway. DataDir, Symbols and Sink are required.
type Options struct {
	// SettingsFile is a QuickFIX-style settings file (production): [DEFAULT] and one
	// [SESSION] per client, each optionally with Username, Password and
	// CancelOnDisconnect (also allowed in [DEFAULT]). Only the
	// listed sessions may log on, unless [DEFAULT] says DynamicSessions=Y. Empty
	// selects the embedded settings: FIX 4.4 and 4.2, SenderCompID ENGINE, any
	// client CompID (dynamic sessions), port Port.
	//
	// The gateway adds to [DEFAULT] what is missing: SenderCompID=ENGINE (used by
	// dynamic sessions; each listed session must name its SenderCompID in the
	// file), SocketAcceptPort=5001, FileStorePath=<DataDir>/fix, FileStoreSync=N,
	// TimeStampPrecision=MICROS. BeginString must be FIX.4.4 or FIX.4.2. It always runs QuickFIX with DynamicSessions=Y so
	// that an unlisted CompID reaches the logon check and is refused with a Text
	// rather than a silent disconnect.
	SettingsFile string
	// Settings, when not nil, is used instead of SettingsFile: settings the
	// caller has already parsed with ParseSettings (and perhaps adjusted, e.g. a
	// port given on the command line). New completes it in place as it would a
	// file (see SettingsFile) and owns it afterwards.
	Settings *quickfix.Settings
	// Port is SocketAcceptPort of the embedded settings (0: DefaultPort).
	Port int
	// ListenHost is SocketAcceptHost of the embedded settings ("" listens on every
	// interface).
	ListenHost string
	// ResetOnLogon resets sequence numbers at every logon (embedded settings only;
	// a settings file says ResetOnLogon itself).
	ResetOnLogon bool
	// DataDir holds the owner registry and QuickFIX's file store, at the paths
	// package datadir gives them (datadir.OwnersFile, datadir.FIXStoreDir).
	DataDir string
	// Symbols is the symbol table, the same as the engine's Config.Symbols.
	Symbols []engine.SymbolConfig
	// Sink receives decoded commands.
	Sink Sink
	// Logger receives the gateway's structured logs (refused logons at warn,
	// logons and logouts at info, QuickFIX internals at debug and trace). The
	// zero Logger discards everything.
	Logger zerolog.Logger
	// RatePerSecond limits each session's application messages (0:
	// DefaultRatePerSecond, negative: no limit). Messages over the limit are
	// answered with BusinessMessageReject "rate limit exceeded" and not submitted.
	RatePerSecond int
	// RateBurst is the token bucket's depth: how many messages a session may
	// send at once after a quiet spell, beyond which it is held to
	// RatePerSecond (0: DefaultRateBurst, one second's worth; see session.go).
	RateBurst int
	// MaxSessions is how many sessions may be logged on at once (0:
	// DefaultMaxSessions). Further logons are refused with a Text.
	MaxSessions int
	// PendingLimit bounds the reports kept in memory for one offline session
	// (0: DefaultPendingLimit); beyond it they are left to the journal and
	// regenerated at the next logon (doc.go, Slow and offline sessions).
	PendingLimit int
	// PendingLogonTimeout is how long after the accept a connection's first
	// message, a complete Logon, may take to arrive; the connection is closed
	// after it (0: DefaultPendingLogonTimeout; negative: no limit).
	PendingLogonTimeout time.Duration
	// MaxPendingLogons bounds the connections waiting for their Logon, in all
	// (0: DefaultMaxPendingLogons; negative: no limit), and
	// MaxPendingLogonsPerHost those from one remote IP address (0:
	// DefaultMaxPendingLogonsPerHost; negative: no limit). A connection beyond
	// either is closed at once.
	MaxPendingLogons, MaxPendingLogonsPerHost int
	// MaxMessageSize is the largest BodyLength(9) accepted, in bytes (0:
	// DefaultMaxMessageSize; negative: no limit). A larger message is refused
	// once its BodyLength is read, before its body: before logon the
	// connection is closed, after logon the session is logged out with a Text.
	MaxMessageSize int
	// OutboundMessages and OutboundBytes bound what a logged-on session may
	// have unsent: reports in the gateway's queue (counted at 256 bytes each)
	// plus the messages QuickFIX holds for it not yet written to the socket
	// (0: DefaultOutboundMessages, DefaultOutboundBytes). A session over
	// either is logged out as a slow consumer (doc.go).
	OutboundMessages int
	OutboundBytes    int64
	// Regenerate streams an owner's events from the journal, for the reports
	// a session over its bound did not keep in memory (the server wires it to
	// the data directory). Nil: such reports are lost, counted in
	// Counters.ReportsDropped, and the session told by a News (B).
	Regenerate Regenerator
	// StageTiming records the gateway's stage latencies (see StageLatencies).
	StageTiming bool
	// MarketData, when not nil, serves MarketDataRequest (V) from this feed (see
	// docs/MARKETDATA.md); nil answers V like any unsupported MsgType.
	MarketData *marketdata.Feed
	// Standby starts the gateway not serving, for a node of a cluster: logons
	// are refused, naming the leader, until SetServing says this node serves
	// (role.go). Listed sessions get their owner ids at New and unlisted
	// (dynamic) sessions are refused.
	Standby bool
	// FailoverResend is how far back in sequencer time, from the latest
	// command, a standby gateway keeps each owner's reports, sent again with
	// PossResend(97)=Y after the next logon once it serves (0:
	// DefaultFailoverResend; negative: none kept).
	FailoverResend time.Duration
}

// credentials of a listed session; empty strings are not checked.
type credentials struct {
	username, password string
}

// sessionConfig is what New derives from the settings.
type sessionConfig struct {
	settings    *quickfix.Settings
	compID      string
	dynamic     bool
	listed      map[quickfix.SessionID]credentials
	placeholder quickfix.SessionID
	// cod is CancelOnDisconnect of each listed session (its own or
	// [DEFAULT]'s); codDefault is [DEFAULT]'s, for dynamic sessions.
	cod        map[quickfix.SessionID]bool
	codDefault bool
}

// LoadSettings parses a QuickFIX-style settings file as New does, for callers that
// want to check one before calling New. A file without any [SESSION] gets the
// listener placeholder session (see listenerCompID).
func LoadSettings(path string) (*quickfix.Settings, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.New("gateway: settings: " + err.Error())
	}
	s, err := parseSettings(string(text))
	if err != nil {
		return nil, errors.New("gateway: settings: " + path + ": " + err.Error())
	}
	return s, nil
}

// ParseSettings parses QuickFIX-style settings text as New reads it. Text
// without any [SESSION] (dynamic sessions only) gets the listener placeholder
// session (see listenerCompID): QuickFIX/Go refuses settings without sessions and
// listens only on the ports of listed sessions.
func ParseSettings(text string) (*quickfix.Settings, error) {
	s, err := parseSettings(text)
	if err != nil {
		return nil, errors.New("gateway: settings: " + err.Error())
	}
	return s, nil
}

// parseSettings is ParseSettings without the error prefix.
func parseSettings(text string) (*quickfix.Settings, error) {
	hasSession, err := scanSettings(text)
	if err != nil {
		return nil, err
	}
	if !hasSession {
		var r [6]byte
		_, _ = rand.Read(r[:]) // never fails (crypto/rand)
		text += "\n[SESSION]\nBeginString=" + quickfix.BeginStringFIX44 + "\nTargetCompID=" + listenerCompID + "_" + hex.EncodeToString(r[:]) + "\n"
	}
	return quickfix.ParseSettings(strings.NewReader(text))
}

// Line classes of QuickFIX/Go's settings parser (settings.go), repeated here to
// check what it would choke on.
var (
	settingsComment = regexp.MustCompile(`^#.*`)
	settingsBlank   = regexp.MustCompile(`^\s*$`)
	settingsDefault = regexp.MustCompile(`^\[(?i)DEFAULT\]\s*$`)
	settingsSession = regexp.MustCompile(`^\[(?i)SESSION\]\s*$`)
)

// scanSettings reports whether text declares a [SESSION], and refuses a setting
// before the first section header, on which QuickFIX/Go v0.9.10's parser
// dereferences a nil pointer.
func scanSettings(text string) (hasSession bool, err error) {
	inSection := false
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case settingsComment.MatchString(line) || settingsBlank.MatchString(line):
		case settingsSession.MatchString(line):
			hasSession, inSection = true, true
		case settingsDefault.MatchString(line):
			inSection = true
		case !inSection:
			return false, errors.New("line " + strconv.Itoa(i+1) + ": " + strconv.Quote(line) + " comes before the first [DEFAULT] or [SESSION] header")
		}
	}
	return hasSession, nil
}

// embeddedSettings is the default configuration for local use.
func embeddedSettings(o *Options) (*quickfix.Settings, error) {
	var b strings.Builder
	b.WriteString("[DEFAULT]\n")
	b.WriteString("SenderCompID=" + DefaultCompID + "\n")
	b.WriteString("SocketAcceptPort=" + strconv.Itoa(o.Port) + "\n")
	if o.ListenHost != "" {
		b.WriteString("SocketAcceptHost=" + o.ListenHost + "\n")
	}
	b.WriteString("DynamicSessions=Y\n")
	if o.ResetOnLogon {
		b.WriteString("ResetOnLogon=Y\n")
	} else {
		b.WriteString("ResetOnLogon=N\n")
	}
	s, err := parseSettings(b.String())
	if err != nil {
		return nil, errors.New("gateway: embedded settings: " + err.Error())
	}
	return s, nil
}

// buildSessionConfig loads and completes the settings (see Options.SettingsFile).
func buildSessionConfig(o *Options) (*sessionConfig, error) {
	var s *quickfix.Settings
	var err error
	switch {
	case o.Settings != nil:
		s = o.Settings
	case o.SettingsFile == "":
		s, err = embeddedSettings(o)
	default:
		s, err = LoadSettings(o.SettingsFile)
	}
	if err != nil {
		return nil, err
	}
	g := s.GlobalSettings()
	c := &sessionConfig{settings: s, listed: make(map[quickfix.SessionID]credentials), cod: make(map[quickfix.SessionID]bool)}
	if g.HasSetting(config.DynamicSessions) {
		if c.dynamic, err = g.BoolSetting(config.DynamicSessions); err != nil {
			return nil, errors.New("gateway: settings: DynamicSessions: " + err.Error())
		}
	}
	g.Set(config.DynamicSessions, "Y")
	setDefault(g, config.SenderCompID, DefaultCompID)
	c.compID, _ = g.Setting(config.SenderCompID)
	setDefault(g, config.SocketAcceptPort, strconv.Itoa(DefaultPort))
	setDefault(g, config.FileStorePath, datadir.FIXStoreDir(o.DataDir))
	setDefault(g, config.FileStoreSync, "N")
	setDefault(g, config.TimeStampPrecision, "MICROS")
	if c.codDefault, err = yesNoSetting(g, SettingCancelOnDisconnect); err != nil {
		return nil, errors.New("gateway: settings: [DEFAULT]: " + err.Error())
	}

	for sid, ss := range s.SessionSettings() {
		if strings.HasPrefix(sid.TargetCompID, listenerCompID) {
			c.placeholder = sid
			continue
		}
		if sid.SenderCompID == "" || sid.TargetCompID == "" {
			return nil, errors.New("gateway: settings: session " + sid.String() + ": SenderCompID and TargetCompID are required")
		}
		if sid.BeginString != quickfix.BeginStringFIX44 && sid.BeginString != quickfix.BeginStringFIX42 {
			return nil, errors.New("gateway: settings: session " + sid.String() + ": BeginString must be FIX.4.4 or FIX.4.2")
		}
		if !validSessionID(sid) {
			return nil, errors.New("gateway: settings: session " + strconv.Quote(sid.String()) + ": CompIDs must be printable ASCII without spaces, at most 64 bytes")
		}
		var cr credentials
		if ss.HasSetting(SettingUsername) {
			cr.username, _ = ss.Setting(SettingUsername)
		}
		if ss.HasSetting(SettingPassword) {
			cr.password, _ = ss.Setting(SettingPassword)
		}
		cod, err := yesNoSetting(ss, SettingCancelOnDisconnect)
		if err != nil {
			return nil, errors.New("gateway: settings: session " + sid.String() + ": " + err.Error())
		}
		sid.Qualifier = "" // the acceptor keys sessions without it
		c.listed[sid] = cr
		c.cod[sid] = cod
	}
	if len(c.listed) == 0 && !c.dynamic {
		return nil, errors.New("gateway: settings: no [SESSION] listed and DynamicSessions is not Y: nobody could log on")
	}
	return c, nil
}

// yesNoSetting reads a Y/N setting; absent is N.
func yesNoSetting(s *quickfix.SessionSettings, key string) (bool, error) {
	if !s.HasSetting(key) {
		return false, nil
	}
	switch v, _ := s.Setting(key); v {
	case "Y":
		return true, nil
	case "N":
		return false, nil
	default:
		return false, errors.New(key + ": must be Y or N, got " + strconv.Quote(v))
	}
}

func setDefault(s *quickfix.SessionSettings, key, value string) {
	if !s.HasSetting(key) {
		s.Set(key, value)
	}
}

// withDefaults returns o with zero fields replaced by their defaults.
func (o Options) withDefaults() Options {
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.RatePerSecond == 0 {
		o.RatePerSecond = DefaultRatePerSecond
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst(o.RatePerSecond)
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.PendingLimit <= 0 {
		o.PendingLimit = DefaultPendingLimit
	}
	o.PendingLogonTimeout = defaultOrOff(o.PendingLogonTimeout, DefaultPendingLogonTimeout)
	o.MaxPendingLogons = defaultOrOff(o.MaxPendingLogons, DefaultMaxPendingLogons)
	o.MaxPendingLogonsPerHost = defaultOrOff(o.MaxPendingLogonsPerHost, DefaultMaxPendingLogonsPerHost)
	o.MaxMessageSize = defaultOrOff(o.MaxMessageSize, DefaultMaxMessageSize)
	if o.OutboundMessages <= 0 {
		o.OutboundMessages = DefaultOutboundMessages
	}
	if o.OutboundBytes <= 0 {
		o.OutboundBytes = DefaultOutboundBytes
	}
	if o.FailoverResend == 0 {
		o.FailoverResend = DefaultFailoverResend
	}
	return o
}

// defaultOrOff maps a limit's zero to its default and a negative value to 0,
// QuickFIX's "no limit".
func defaultOrOff[T int | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
