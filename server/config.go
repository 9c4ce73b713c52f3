package server

import (
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/marketdata"
	"github.com/openmatch/matchd/ringbuffer"
)

// Options is everything New needs. Load builds it from the command line and a
// settings file; Parse from settings text alone.
type Options struct {
	// Source names where the settings came from: a file path, or EmbeddedSource.
	Source string
	// Settings is the QuickFIX/Go part of the settings file (gateway.ParseSettings),
	// with the command-line overrides applied. The gateway completes and owns it.
	Settings *quickfix.Settings
	// Port is the FIX listening port (SocketAcceptPort of [DEFAULT]).
	Port int
	// Engine sizes the books and lists the symbols.
	Engine engine.Config
	// DataDir holds the journal, snapshots, owner registry and FIX store (the
	// layout is package datadir's).
	DataDir string
	// Durability is the journal's commit policy.
	Durability journal.Policy
	// Wait is how idle ring consumers wait.
	Wait ringbuffer.Wait
	// MatcherCPU pins the matcher's thread to a CPU; negative: an ordinary
	// goroutine, neither pinned nor locked to a thread.
	MatcherCPU int
	// SnapshotEvery and CheckpointEvery are in commands; negative: off.
	SnapshotEvery, CheckpointEvery int64
	// InboundRing and OutboundRing are the ring sizes in slots.
	InboundRing, OutboundRing int64
	// StageTiming records per-stage latency histograms (/debug/stages, metrics).
	StageTiming bool
	// MetricsAddr is the HTTP address of /metrics and /debug/stages; "" is off.
	MetricsAddr string
	// HTTPToken, when not empty, is the bearer token every request to the
	// metrics endpoint must carry (httpauth.go); Pprof serves the Go profiler
	// under /debug/pprof/ there.
	HTTPToken string
	Pprof     bool
	// MaxSessions is how many FIX sessions may be logged on at once.
	MaxSessions int
	// PendingLogonTimeout, MaxPendingLogons, MaxPendingLogonsPerHost and
	// MaxMessageSize limit connections that have not logged on yet, and the
	// size of every message (gateway.Options has the details).
	PendingLogonTimeout                       time.Duration
	MaxPendingLogons, MaxPendingLogonsPerHost int
	MaxMessageSize                            int
	// RateLimit is each session's limit in application messages per second;
	// negative: no limit. RateBurst is the bucket depth (default: RateLimit,
	// gateway.DefaultRateBurst).
	RateLimit, RateBurst int
	// OfflineReports bounds the reports kept in memory for one offline session
	// (beyond: left to the journal, regenerated at its next logon).
	OfflineReports int
	// OutboundMessages and OutboundBytes bound what a logged-on session may
	// have unsent before it is logged out as a slow consumer.
	OutboundMessages int
	OutboundBytes    int64
	// MarketDataQueue bounds each session's market-data queue, in refreshes;
	// past it the session is resynced with fresh snapshots.
	MarketDataQueue int
	// GC holds the garbage collector's settings.
	GC GCSettings
	// EndOfDay is the UTC time of day, as an offset from midnight, at which the
	// server submits an end-of-day command; negative: never. One missed while
	// the server was down is run at Start (Server.Start).
	EndOfDay time.Duration
	// LogLevel is the minimum level logged.
	LogLevel zerolog.Level
	// Logger receives the server's logs (see NewLogger). The zero Logger discards
	// everything.
	Logger zerolog.Logger
	// Cluster, when not nil (Peers is set), runs this node as a member of a
	// raft cluster (clusterconfig.go, docs/CLUSTER.md).
	Cluster *ClusterConfig
	// FailoverResend is how far back in sequencer time a node that takes over
	// as leader resends each session's reports, with PossResend(97)=Y;
	// negative: none (gateway.Options.FailoverResend).
	FailoverResend time.Duration

	// Cluster keys as parsed, before Peers assembles Cluster.
	clusterNode, clusterID uint64
	raftTick               time.Duration
	advertise              string
	join                   bool

	// clock replaces time.Now for the sequencer and the end-of-day schedule
	// (tests only).
	clock func() time.Time
	// journalFault is pipeline.Options.JournalFault (tests only).
	journalFault func() error
}

// GCSettings are the Go runtime's garbage-collector knobs (see gc.go).
type GCSettings struct {
	// Percent is GOGC (debug.SetGCPercent); negative turns the collector off
	// except under MemoryLimit.
	Percent int
	// MemoryLimit is the runtime's soft memory limit in bytes
	// (debug.SetMemoryLimit); 0 is none.
	MemoryLimit int64
	// PercentSet and MemoryLimitSet say the settings file gave the key. When it
	// did not and the GOGC or GOMEMLIMIT environment variable is set, the
	// environment's value is kept.
	PercentSet, MemoryLimitSet bool
}

// EmbeddedSource is Options.Source for the embedded default configuration.
const EmbeddedSource = "embedded default"

// Defaults of the matchd keys; docs/CONFIG.md lists them all.
const (
	DefaultDataDir       = "data"
	DefaultMetricsAddr   = "127.0.0.1:9090"
	DefaultGCPercent     = 400
	defaultSymbolsString = "AAPL:0.01,MSFT:0.01,GOOG:0.01,AMZN:0.01,TSLA:0.01,TEST:0.01"
	// defaultBandTicks is the upper end of a symbol's default price band, in
	// ticks: 100,000.00 at a 0.01 tick, as engine.DefaultConfig.
	defaultBandTicks = 10_000_000
)

// keySpec is one matchd key: its default (applied when the key is absent; "" for
// none) and how it sets Options.
type keySpec struct {
	name string
	def  string
	set  func(o *Options, v string) error
}

// keys lists the matchd keys, read from [DEFAULT] only: baseKeys, then the
// cluster's (clusterconfig.go). They are applied in this order, so a key may
// depend on one listed before it.
var keys = append(baseKeys[:], clusterKeys[:]...)

// baseKeys are the keys of a single node.
var baseKeys = [...]keySpec{
	{"DataDir", DefaultDataDir, func(o *Options, v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		o.DataDir = v
		return nil
	}},
	{"Symbols", defaultSymbolsString, func(o *Options, v string) (err error) {
		o.Engine.Symbols, err = ParseSymbols(v)
		return err
	}},
	{"MaxOrders", strconv.Itoa(engine.DefaultConfig().MaxOrders), func(o *Options, v string) (err error) {
		o.Engine.MaxOrders, err = intIn(v, 1, 1<<31-2)
		return err
	}},
	{"MaxLevels", strconv.Itoa(engine.DefaultConfig().MaxLevels), func(o *Options, v string) (err error) {
		o.Engine.MaxLevels, err = intIn(v, 1, 1<<31-2)
		return err
	}},
	{"ClOrdIDHistory", strconv.Itoa(engine.DefaultConfig().History), func(o *Options, v string) (err error) {
		o.Engine.History, err = intIn(v, 0, 1<<30-1)
		return err
	}},
	{"MaxQty", strconv.FormatInt(engine.DefaultConfig().MaxQty, 10), func(o *Options, v string) error {
		n, err := intIn(v, 1, math.MaxInt64)
		o.Engine.MaxQty = int64(n)
		if err == nil {
			for _, s := range o.Engine.Symbols {
				if s.MaxPrice > math.MaxInt64/o.Engine.MaxQty {
					return fmt.Errorf("MaxQty times the top of %s's price band overflows 64 bits: lower one of them", s.Name)
				}
			}
		}
		return err
	}},
	{"Durability", "batch", func(o *Options, v string) error {
		p, err := journal.ParsePolicy(v)
		if err != nil {
			return errors.New("must be none, batch or every")
		}
		o.Durability = p
		return nil
	}},
	{"WaitStrategy", "block", func(o *Options, v string) error {
		w, err := ringbuffer.ParseWait(v)
		if err != nil {
			return errors.New("must be spin, spin-yield or block")
		}
		o.Wait = w
		return nil
	}},
	{"MatcherCPU", "off", func(o *Options, v string) (err error) {
		o.MatcherCPU = -1
		if v != "off" {
			o.MatcherCPU, err = intIn(v, 0, 1<<16)
		}
		return err
	}},
	{"SnapshotEvery", strconv.Itoa(1 << 22), func(o *Options, v string) (err error) {
		o.SnapshotEvery, err = countOrOff(v)
		return err
	}},
	{"CheckpointEvery", strconv.Itoa(1 << 20), func(o *Options, v string) (err error) {
		o.CheckpointEvery, err = countOrOff(v)
		return err
	}},
	{"InboundRing", strconv.Itoa(1 << 16), func(o *Options, v string) (err error) {
		o.InboundRing, err = powerOfTwo(v)
		return err
	}},
	{"OutboundRing", strconv.Itoa(1 << 18), func(o *Options, v string) (err error) {
		o.OutboundRing, err = powerOfTwo(v)
		return err
	}},
	{"StageTiming", "Y", func(o *Options, v string) (err error) {
		o.StageTiming, err = yesNo(v)
		return err
	}},
	{"MetricsAddr", DefaultMetricsAddr, func(o *Options, v string) (err error) {
		o.MetricsAddr, err = ParseMetricsAddr(v)
		return err
	}},
	{"HTTPToken", "", func(o *Options, v string) (err error) {
		o.HTTPToken, err = parseHTTPToken(v)
		return err
	}},
	{"Pprof", "N", func(o *Options, v string) (err error) {
		o.Pprof, err = yesNo(v)
		return err
	}},
	{"MaxSessions", strconv.Itoa(gateway.DefaultMaxSessions), func(o *Options, v string) (err error) {
		o.MaxSessions, err = intIn(v, 1, 1<<20)
		return err
	}},
	{"PendingLogonTimeout", gateway.DefaultPendingLogonTimeout.String(), func(o *Options, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 10*time.Minute {
			return errors.New("must be a duration from 100ms to 10m, e.g. 5s")
		}
		o.PendingLogonTimeout = d
		return nil
	}},
	{"MaxPendingLogons", strconv.Itoa(gateway.DefaultMaxPendingLogons), func(o *Options, v string) (err error) {
		o.MaxPendingLogons, err = intIn(v, 1, 1<<20)
		return err
	}},
	{"MaxPendingLogonsPerHost", strconv.Itoa(gateway.DefaultMaxPendingLogonsPerHost), func(o *Options, v string) (err error) {
		if o.MaxPendingLogonsPerHost, err = intIn(v, 1, 1<<20); err == nil && o.MaxPendingLogonsPerHost > o.MaxPendingLogons {
			return errors.New("must not exceed MaxPendingLogons (" + strconv.Itoa(o.MaxPendingLogons) + ")")
		}
		return err
	}},
	{"MaxMessageSize", "64KiB", func(o *Options, v string) error {
		n, err := ParseBytes(v)
		if err != nil || n < 1<<10 || n > 64<<20 {
			return errors.New("must be a size from 1KiB to 64MiB (units B, KiB, MiB), e.g. 64KiB")
		}
		o.MaxMessageSize = int(n)
		return nil
	}},
	{"RateLimit", strconv.Itoa(gateway.DefaultRatePerSecond), func(o *Options, v string) (err error) {
		o.RateLimit = -1
		if v != "off" {
			o.RateLimit, err = intIn(v, 1, 1_000_000_000)
		}
		return err
	}},
	{"RateBurst", "", func(o *Options, v string) (err error) {
		if v == "" {
			o.RateBurst = gateway.DefaultRateBurst(o.RateLimit)
			return nil
		}
		if o.RateLimit < 0 {
			return errors.New("needs a RateLimit (it is off)")
		}
		o.RateBurst, err = intIn(v, 1, 1_000_000_000)
		return err
	}},
	{"OfflineReports", strconv.Itoa(gateway.DefaultPendingLimit), func(o *Options, v string) (err error) {
		o.OfflineReports, err = intIn(v, 1, 1<<30)
		return err
	}},
	{"OutboundMessages", strconv.Itoa(gateway.DefaultOutboundMessages), func(o *Options, v string) (err error) {
		o.OutboundMessages, err = intIn(v, 100, 1<<24)
		return err
	}},
	{"OutboundBytes", "8MiB", func(o *Options, v string) (err error) {
		if o.OutboundBytes, err = ParseBytes(v); err == nil && (o.OutboundBytes < 64<<10 || o.OutboundBytes > 1<<34) {
			err = errors.New("must be from 64KiB to 16GiB")
		}
		return err
	}},
	{"MarketDataQueue", strconv.Itoa(marketdata.DefaultQueueLimit), func(o *Options, v string) (err error) {
		o.MarketDataQueue, err = intIn(v, 1, 1<<24)
		return err
	}},
	{"GOGC", strconv.Itoa(DefaultGCPercent), func(o *Options, v string) (err error) {
		o.GC.Percent = -1
		if v != "off" {
			o.GC.Percent, err = intIn(v, 1, 1_000_000)
		}
		return err
	}},
	{"MemoryLimit", "off", func(o *Options, v string) (err error) {
		o.GC.MemoryLimit = 0
		if v != "off" {
			o.GC.MemoryLimit, err = ParseBytes(v)
		}
		if err == nil && o.GC.Percent < 0 && o.GC.MemoryLimit == 0 {
			return errors.New("GOGC=off needs a MemoryLimit, or the heap grows without bound")
		}
		return err
	}},
	{"EndOfDay", "off", func(o *Options, v string) (err error) {
		o.EndOfDay = -1
		if v != "off" && v != "" {
			o.EndOfDay, err = ParseTimeOfDay(v)
		}
		return err
	}},
	{"LogLevel", "info", func(o *Options, v string) error {
		l, err := zerolog.ParseLevel(v)
		if err != nil || v == "" || l < zerolog.TraceLevel || l > zerolog.ErrorLevel {
			return errors.New("must be trace, debug, info, warn or error")
		}
		o.LogLevel = l
		return nil
	}},
}

// quickfixKeys are the keys QuickFIX/Go v0.9.10 reads (its config package) with
// the stores and logs matchd uses, plus the gateway's Username, Password and
// CancelOnDisconnect.
// Anything else in a settings file is refused as a likely typo.
var quickfixKeys = [...]string{"BeginString", "SenderCompID", "SenderSubID", "SenderLocationID",
	"TargetCompID", "TargetSubID", "TargetLocationID", "SessionQualifier", "DefaultApplVerID", "StartTime",
	"EndTime", "StartDay", "EndDay", "Weekdays", "TimeZone", "TimeStampPrecision", "ResetOnLogon",
	"RefreshOnLogon", "ResetOnLogout", "ResetOnDisconnect", "ResetSeqTime", "DataDictionary",
	"TransportDataDictionary", "AppDataDictionary", "RejectInvalidMessage", "AllowUnknownMsgFields",
	"ValidateUserDefinedFields", "ValidateFieldsOutOfOrder", "CheckLatency", "MaxLatency",
	"ReconnectInterval", "LogoutTimeout", "LogonTimeout", "HeartBtInt", "SocketTimeout",
	"SocketAcceptHost", "SocketAcceptPort", "HeartBtIntOverride", "UseTCPProxy", "DynamicSessions",
	"DynamicQualifier", "SocketPrivateKeyFile", "SocketCertificateFile", "SocketCAFile",
	"SocketPrivateKeyBytes", "SocketCertificateBytes", "SocketCABytes", "SocketInsecureSkipVerify",
	"SocketServerName", "SocketMinimumTLSVersion", "SocketUseSSL", "PersistMessages", "FileStorePath",
	"FileStoreSync", "ResendRequestChunkSize", "EnableLastMsgSeqNumProcessed",
	"EnableNextExpectedMsgSeqNum", gateway.SettingUsername, gateway.SettingPassword,
	gateway.SettingCancelOnDisconnect}

// listenerKeys may only be in [DEFAULT]: matchd listens on one address.
var listenerKeys = [...]string{"SocketAcceptHost", "SocketAcceptPort"}

// ConfigError is a bad configuration: which key, where, and why.
type ConfigError struct {
	// Source is the file name, or EmbeddedSource.
	Source string
	// Line is the 1-based line of the key in Source; 0 when not from a line.
	Line int
	// Key is the setting or flag at fault ("" for a malformed line).
	Key string
	// Reason says what is wrong and, where it helps, what is allowed.
	Reason string
}

// Error formats "config: SOURCE:LINE: KEY: REASON".
func (e *ConfigError) Error() string {
	where := e.Source
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if e.Key == "" {
		return "config: " + where + ": " + e.Reason
	}
	return "config: " + where + ": " + e.Key + ": " + e.Reason
}

// setting is one key=value line.
type setting struct {
	value string
	line  int
}

// section is a [DEFAULT] or [SESSION] block.
type section struct {
	session bool
	line    int
	kv      map[string]setting
}

// scan splits settings text into sections, refusing what QuickFIX/Go would
// misread: a setting before any header, a line without '=', spaces around the key
// or value, a key set twice in one section, an unknown key, and a matchd or
// listener key inside a [SESSION].
func scan(source, text string) ([]section, error) {
	var secs []section
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		bad := func(key, reason string) error { return &ConfigError{Source: source, Line: n, Key: key, Reason: reason} }
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.EqualFold(trimmed, "[DEFAULT]") || strings.EqualFold(trimmed, "[SESSION]"):
			if trimmed != line && strings.TrimRight(line, " \t") != trimmed {
				return nil, bad("", "section header "+strconv.Quote(trimmed)+" must start the line")
			}
			secs = append(secs, section{session: strings.EqualFold(trimmed, "[SESSION]"), line: n, kv: map[string]setting{}})
			continue
		case strings.HasPrefix(trimmed, "#"):
			return nil, bad("", "a comment must start the line (QuickFIX/Go reads this as a setting)")
		case strings.HasPrefix(trimmed, "["):
			return nil, bad("", "unknown section "+strconv.Quote(trimmed)+": only [DEFAULT] and [SESSION]")
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bad("", "not a Key=Value line: "+strconv.Quote(line))
		}
		if len(secs) == 0 {
			return nil, bad(k, "comes before the first [DEFAULT] or [SESSION] header")
		}
		if k != strings.TrimSpace(k) || k == "" {
			return nil, bad(strings.TrimSpace(k), "no spaces around the key or before '=' (QuickFIX/Go would read the key as "+strconv.Quote(k)+")")
		}
		if v != strings.TrimSpace(v) && k != gateway.SettingPassword && k != gateway.SettingUsername {
			return nil, bad(k, "value "+strconv.Quote(v)+" has leading or trailing spaces")
		}
		sec := &secs[len(secs)-1]
		if prev, dup := sec.kv[k]; dup {
			return nil, bad(k, "set twice in this section (first on line "+strconv.Itoa(prev.line)+")")
		}
		switch {
		case isMatchdKey(k):
			if sec.session {
				return nil, bad(k, "a server setting: put it in [DEFAULT], not in a [SESSION]")
			}
		case slices.Contains(listenerKeys[:], k):
			if sec.session {
				return nil, bad(k, "matchd listens on one address: put it in [DEFAULT], not in a [SESSION]")
			}
		case !slices.Contains(quickfixKeys[:], k):
			return nil, bad(k, "unknown key (see docs/CONFIG.md; keys are case-sensitive)")
		}
		sec.kv[k] = setting{value: v, line: n}
	}
	return secs, nil
}

func isMatchdKey(k string) bool {
	for i := range keys {
		if keys[i].name == k {
			return true
		}
	}
	return false
}

// Parse reads settings text: the QuickFIX/Go keys for the gateway and the matchd
// keys of [DEFAULT] (defaults for those absent). source names the text in
// errors. Every error is a *ConfigError naming the key and the reason.
func Parse(source, text string) (Options, error) {
	var o Options
	o.Source = source
	secs, err := scan(source, text)
	if err != nil {
		return o, err
	}
	global := map[string]setting{}
	for _, s := range secs {
		if !s.session {
			for k, v := range s.kv {
				if prev, dup := global[k]; dup {
					return o, &ConfigError{Source: source, Line: v.line, Key: k, Reason: "set twice in [DEFAULT] (first on line " + strconv.Itoa(prev.line) + ")"}
				}
				global[k] = v
			}
		}
	}
	o.Engine = engine.DefaultConfig()
	for i := range keys {
		k := &keys[i]
		v, ok := global[k.name]
		if !ok {
			v = setting{value: k.def}
		}
		if err := k.set(&o, v.value); err != nil {
			reason := err.Error()
			if v.value != "" {
				reason = strconv.Quote(v.value) + ": " + reason
			}
			return o, &ConfigError{Source: source, Line: v.line, Key: k.name, Reason: reason}
		}
		switch k.name {
		case "GOGC":
			o.GC.PercentSet = ok
		case "MemoryLimit":
			o.GC.MemoryLimitSet = ok
		}
	}
	if err := o.Engine.Validate(); err != nil {
		return o, &ConfigError{Source: source, Line: global["Symbols"].line, Key: "Symbols", Reason: err.Error()}
	}

	// QuickFIX keys matchd checks itself, for a clearer message than QuickFIX's.
	o.Port = gateway.DefaultPort
	if v, ok := global["SocketAcceptPort"]; ok {
		if o.Port, err = intIn(v.value, 1, 65535); err != nil {
			return o, &ConfigError{Source: source, Line: v.line, Key: "SocketAcceptPort", Reason: strconv.Quote(v.value) + ": " + err.Error()}
		}
	}
	for _, s := range secs {
		for _, k := range []string{"ResetOnLogon", "DynamicSessions", "FileStoreSync", "SocketUseSSL", "RejectInvalidMessage",
			gateway.SettingCancelOnDisconnect} {
			if v, ok := s.kv[k]; ok && v.value != "Y" && v.value != "N" {
				return o, &ConfigError{Source: source, Line: v.line, Key: k, Reason: strconv.Quote(v.value) + ": must be Y or N"}
			}
		}
		if v, ok := s.kv["BeginString"]; ok && v.value != quickfix.BeginStringFIX44 && v.value != quickfix.BeginStringFIX42 {
			return o, &ConfigError{Source: source, Line: v.line, Key: "BeginString", Reason: strconv.Quote(v.value) + ": must be FIX.4.4 or FIX.4.2"}
		}
		if s.session {
			_, own := s.kv["TargetCompID"]
			if _, inherited := global["TargetCompID"]; !own && !inherited {
				return o, &ConfigError{Source: source, Line: s.line, Key: "TargetCompID", Reason: "every [SESSION] needs one (the client's SenderCompID)"}
			}
		}
	}
	if o.Settings, err = gateway.ParseSettings(text); err != nil {
		return o, &ConfigError{Source: source, Reason: err.Error()}
	}
	if err := checkCluster(&o, source, global, secs); err != nil {
		return o, err
	}
	return o, nil
}

// ParseSymbols parses the Symbols value: a comma-separated list of
// NAME:TICK[:MIN-MAX], e.g. "AAPL:0.01,BRK.A:1:1000-1000000". TICK is the price
// increment as a decimal (0.01, 0.05, 1); MIN-MAX is the accepted price band,
// decimals on the tick grid (default: one tick to 10,000,000 ticks).
func ParseSymbols(v string) ([]engine.SymbolConfig, error) {
	if v == "" {
		return nil, errors.New("at least one symbol is required")
	}
	var out []engine.SymbolConfig
	seen := map[string]bool{}
	for i, item := range strings.Split(v, ",") {
		where := "symbol " + strconv.Itoa(i+1)
		parts := strings.Split(item, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, errors.New(where + " " + strconv.Quote(item) + ": want NAME:TICK or NAME:TICK:MIN-MAX")
		}
		name := parts[0]
		if name == "" || len(name) > 64 || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return nil, errors.New(where + " " + strconv.Quote(name) + ": a name is 1 to 64 printable ASCII characters without spaces")
		}
		if seen[name] {
			return nil, errors.New(where + ": " + name + " is listed twice")
		}
		seen[name] = true
		units, dec, err := parseDecimal(parts[1], 9)
		if err != nil || units <= 0 {
			return nil, errors.New(name + ": tick " + strconv.Quote(parts[1]) + ": want a positive decimal with at most 9 decimals, e.g. 0.01")
		}
		s := engine.SymbolConfig{Name: name, TickDecimals: dec, TickSize: units, MinPrice: 1, MaxPrice: defaultBandTicks}
		if len(parts) == 3 {
			lo, hi, ok := strings.Cut(parts[2], "-")
			if !ok {
				return nil, errors.New(name + ": band " + strconv.Quote(parts[2]) + ": want MIN-MAX, e.g. 0.01-1000.00")
			}
			if s.MinPrice, err = toTicks(lo, s); err == nil {
				s.MaxPrice, err = toTicks(hi, s)
			}
			if err != nil {
				return nil, errors.New(name + ": band " + strconv.Quote(parts[2]) + ": " + err.Error())
			}
			if s.MinPrice <= 0 || s.MaxPrice < s.MinPrice {
				return nil, errors.New(name + ": band " + strconv.Quote(parts[2]) + ": want 0 < MIN <= MAX")
			}
		}
		if s.MaxPrice-s.MinPrice >= 1<<27 {
			return nil, errors.New(name + ": the price band spans more than 2^27 ticks (the book preallocates 4 bytes per tick): narrow it")
		}
		out = append(out, s)
	}
	return out, nil
}

// toTicks converts a band price to ticks; it must sit on the tick grid.
func toTicks(p string, s engine.SymbolConfig) (int64, error) {
	units, dec, err := parseDecimal(p, s.TickDecimals)
	if err != nil {
		return 0, errors.New(strconv.Quote(p) + " is not a decimal price with at most " + strconv.Itoa(s.TickDecimals) + " decimals")
	}
	for ; dec < s.TickDecimals; dec++ {
		if units > math.MaxInt64/10 {
			return 0, errors.New(strconv.Quote(p) + " is too large")
		}
		units *= 10
	}
	if units%s.TickSize != 0 {
		return 0, errors.New(strconv.Quote(p) + " is not a multiple of the tick")
	}
	return units / s.TickSize, nil
}

// parseDecimal parses "123.45" into 12345 and 2 decimals (at most maxDec).
func parseDecimal(s string, maxDec int) (units int64, dec int, err error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || len(frac) > maxDec {
		return 0, 0, errors.New("bad decimal")
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, 0, errors.New("bad decimal")
		}
	}
	units, err = strconv.ParseInt(intPart+frac, 10, 64)
	return units, len(frac), err
}

// ParseMetricsAddr checks a MetricsAddr value: host:port (port 0 picks a free
// one), or "off" (returned as "").
func ParseMetricsAddr(v string) (string, error) {
	if v == "off" {
		return "", nil
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", errors.New("want host:port (e.g. 127.0.0.1:9090) or off")
	}
	if _, err := intIn(port, 0, 65535); err != nil {
		return "", errors.New("port " + strconv.Quote(port) + ": must be 0..65535")
	}
	return v, nil
}

// ParseBytes parses a size as GOMEMLIMIT does: a whole number with an optional
// unit B, KiB, MiB, GiB or TiB.
func ParseBytes(v string) (int64, error) {
	num, mult := v, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, errors.New("want a positive size like 4GiB or 512MiB (units B, KiB, MiB, GiB, TiB), or off")
	}
	return n * mult, nil
}

// ParseTimeOfDay parses HH:MM or HH:MM:SS (24-hour, UTC) into an offset from
// midnight.
func ParseTimeOfDay(v string) (time.Duration, error) {
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(layout, v); err == nil && len(v) == len(layout) {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, nil
		}
	}
	return 0, errors.New("want a UTC time of day HH:MM or HH:MM:SS (e.g. 21:00), or off (or empty)")
}

// intIn parses a decimal integer in [lo, hi].
func intIn(v string, lo, hi int64) (int, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		if hi >= 1<<40 {
			return 0, fmt.Errorf("must be an integer >= %d", lo)
		}
		return 0, fmt.Errorf("must be an integer from %d to %d", lo, hi)
	}
	return int(n), nil
}

// countOrOff parses a positive command count, or "off" (returned as -1).
func countOrOff(v string) (int64, error) {
	if v == "off" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("must be a positive number of commands, or off")
	}
	return n, nil
}

// powerOfTwo parses a ring size.
func powerOfTwo(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 2 || n > 1<<30 || n&(n-1) != 0 {
		return 0, errors.New("must be a power of two from 2 to 2^30 slots")
	}
	return n, nil
}

// yesNo parses Y or N, as QuickFIX does.
func yesNo(v string) (bool, error) {
	switch v {
	case "Y":
		return true, nil
	case "N":
		return false, nil
	}
	return false, errors.New("must be Y or N")
}
