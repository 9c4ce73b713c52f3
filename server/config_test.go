package server

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/journal"
	"github.com/openmatch/matchd/ringbuffer"
)

// TestEmbeddedDefault: the embedded configuration gives what CONTRACT §1 and the
// README promise.
func TestEmbeddedDefault(t *testing.T) {
	o, err := Load(Flags{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != EmbeddedSource || o.Port != 5001 || o.DataDir != "data" || o.MetricsAddr != "127.0.0.1:9090" ||
		o.Durability != journal.PolicyBatch || o.Wait != ringbuffer.Block || o.MatcherCPU != -1 || !o.StageTiming ||
		o.EndOfDay >= 0 || o.LogLevel != zerolog.InfoLevel || o.GC.Percent != DefaultGCPercent || o.GC.PercentSet {
		t.Fatalf("embedded default: %+v", o)
	}
	var names []string
	for _, s := range o.Engine.Symbols {
		names = append(names, s.Name)
		if s.TickDecimals != 2 || s.TickSize != 1 {
			t.Errorf("%s: tick %d/10^%d, want 0.01", s.Name, s.TickSize, s.TickDecimals)
		}
	}
	if got := strings.Join(names, " "); got != "AAPL MSFT GOOG AMZN TSLA TEST" {
		t.Fatalf("symbols %s", got)
	}
	// The symbols are the engine's default ones, so a journal written with either
	// is readable with the other.
	def := engine.DefaultConfig()
	for i := range def.Symbols {
		if def.Symbols[i] != o.Engine.Symbols[i] {
			t.Fatalf("symbol %d: %+v, engine default %+v", i, o.Engine.Symbols[i], def.Symbols[i])
		}
	}
	g := o.Settings.GlobalSettings()
	for k, want := range map[string]string{"SenderCompID": "ENGINE", "SocketAcceptPort": "5001", "DynamicSessions": "Y", "ResetOnLogon": "N", "CancelOnDisconnect": "N"} {
		if v, _ := g.Setting(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}

// TestParseKeys: each matchd key parses its documented forms.
func TestParseKeys(t *testing.T) {
	o, err := Parse("t.cfg", `[DEFAULT]
DataDir=/var/lib/matchd
Symbols=ABC:0.05:1.00-500.00,XYZ:1,F:0.0001
MaxOrders=1000
MaxLevels=100
ClOrdIDHistory=0
MaxQty=1000000
Durability=every
WaitStrategy=spin-yield
MatcherCPU=1
SnapshotEvery=off
CheckpointEvery=5000
InboundRing=1024
OutboundRing=4096
StageTiming=N
MetricsAddr=off
MaxSessions=10
PendingLogonTimeout=1500ms
MaxPendingLogons=20
MaxPendingLogonsPerHost=4
MaxMessageSize=8KiB
RateLimit=100
RateBurst=7
OfflineReports=50
OutboundMessages=500
OutboundBytes=1MiB
MarketDataQueue=64
GOGC=off
MemoryLimit=2GiB
EndOfDay=21:30
LogLevel=debug
SocketAcceptPort=6000
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.SymbolConfig{
		{Name: "ABC", TickDecimals: 2, TickSize: 5, MinPrice: 20, MaxPrice: 10000},
		{Name: "XYZ", TickDecimals: 0, TickSize: 1, MinPrice: 1, MaxPrice: defaultBandTicks},
		{Name: "F", TickDecimals: 4, TickSize: 1, MinPrice: 1, MaxPrice: defaultBandTicks},
	}
	for i, s := range want {
		if o.Engine.Symbols[i] != s {
			t.Errorf("symbol %d: %+v, want %+v", i, o.Engine.Symbols[i], s)
		}
	}
	if o.DataDir != "/var/lib/matchd" || o.Engine.MaxOrders != 1000 || o.Engine.MaxLevels != 100 || o.Engine.History != 0 ||
		o.Engine.MaxQty != 1000000 || o.Durability != journal.PolicyEvery || o.Wait != ringbuffer.SpinYield ||
		o.MatcherCPU != 1 || o.SnapshotEvery != -1 || o.CheckpointEvery != 5000 || o.InboundRing != 1024 ||
		o.OutboundRing != 4096 || o.StageTiming || o.MetricsAddr != "" || o.MaxSessions != 10 || o.RateLimit != 100 ||
		o.RateBurst != 7 || o.OfflineReports != 50 || o.OutboundMessages != 500 || o.OutboundBytes != 1<<20 || o.MarketDataQueue != 64 || o.GC.Percent != -1 || !o.GC.PercentSet || o.GC.MemoryLimit != 2<<30 ||
		!o.GC.MemoryLimitSet || o.EndOfDay != 21*time.Hour+30*time.Minute || o.LogLevel != zerolog.DebugLevel || o.Port != 6000 {
		t.Fatalf("parsed %+v", o)
	}
	if o.PendingLogonTimeout != 1500*time.Millisecond || o.MaxPendingLogons != 20 || o.MaxPendingLogonsPerHost != 4 || o.MaxMessageSize != 8<<10 {
		t.Fatalf("connection limits %v %d %d %d", o.PendingLogonTimeout, o.MaxPendingLogons, o.MaxPendingLogonsPerHost, o.MaxMessageSize)
	}
	// The connection limits' defaults are the gateway's.
	o, err = Parse("t.cfg", "[DEFAULT]\nMaxMessageSize=2048\n")
	if err != nil || o.PendingLogonTimeout != gateway.DefaultPendingLogonTimeout || o.MaxPendingLogons != gateway.DefaultMaxPendingLogons ||
		o.MaxPendingLogonsPerHost != gateway.DefaultMaxPendingLogonsPerHost || o.MaxMessageSize != 2048 {
		t.Fatalf("connection limits %v %d %d %d, %v", o.PendingLogonTimeout, o.MaxPendingLogons, o.MaxPendingLogonsPerHost, o.MaxMessageSize, err)
	}
	if o, err = Parse("t.cfg", "[DEFAULT]\n"); err != nil || o.MaxMessageSize != gateway.DefaultMaxMessageSize {
		t.Fatalf("MaxMessageSize %d, %v", o.MaxMessageSize, err)
	}
	// RateBurst defaults to one second's worth of RateLimit; RateLimit=off has no burst.
	o, err = Parse("t.cfg", "[DEFAULT]\nRateLimit=50\n")
	if err != nil || o.RateBurst != 50 {
		t.Fatalf("RateBurst %d, %v", o.RateBurst, err)
	}
	o, err = Parse("t.cfg", "[DEFAULT]\nRateLimit=off\nEndOfDay=00:00:01\n")
	if err != nil || o.RateLimit >= 0 || o.EndOfDay != time.Second {
		t.Fatalf("RateLimit %d EndOfDay %v, %v", o.RateLimit, o.EndOfDay, err)
	}
	o, err = Parse("t.cfg", "[DEFAULT]\nEndOfDay=\n")
	if err != nil || o.EndOfDay >= 0 {
		t.Fatalf("empty EndOfDay: %v, %v", o.EndOfDay, err)
	}
}

// TestParseErrors: every bad value stops the start with an error naming the
// file, line, key and reason.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		text   string // after "[DEFAULT]\n" (line 2 on)
		key    string
		line   int
		reason string
	}{
		{"DataDir=", "DataDir", 2, "must not be empty"},
		{"Symbols=", "Symbols", 2, "at least one symbol"},
		{"Symbols=AAPL", "Symbols", 2, "want NAME:TICK"},
		{"Symbols=AAPL:0.01:1-2:3", "Symbols", 2, "want NAME:TICK"},
		{"Symbols=AAPL:0", "Symbols", 2, "tick \"0\""},
		{"Symbols=AAPL:-1", "Symbols", 2, "positive decimal"},
		{"Symbols=AAPL:0.0000000001", "Symbols", 2, "at most 9 decimals"},
		{"Symbols=AAPL:1e-2", "Symbols", 2, "positive decimal"},
		{"Symbols=AAPL:0.01,AAPL:0.01", "Symbols", 2, "AAPL is listed twice"},
		{"Symbols=:0.01", "Symbols", 2, "a name is 1 to 64"},
		{"Symbols=A B:0.01", "Symbols", 2, "a name is 1 to 64"},
		{"Symbols=AAPL:0.05:1.01-2.00", "Symbols", 2, "not a multiple of the tick"},
		{"Symbols=AAPL:0.01:1.001-2.00", "Symbols", 2, "at most 2 decimals"},
		{"Symbols=AAPL:0.01:5.00-1.00", "Symbols", 2, "want 0 < MIN <= MAX"},
		{"Symbols=AAPL:0.01:0-1.00", "Symbols", 2, "want 0 < MIN <= MAX"},
		{"Symbols=AAPL:0.01:1.00", "Symbols", 2, "want MIN-MAX"},
		{"Symbols=AAPL:0.01:0.01-10000000.00", "Symbols", 2, "more than 2^27 ticks"},
		{"MaxOrders=0", "MaxOrders", 2, "from 1 to"},
		{"MaxOrders=x", "MaxOrders", 2, "\"x\": must be an integer"},
		{"MaxLevels=-5", "MaxLevels", 2, "from 1 to"},
		{"ClOrdIDHistory=1073741824", "ClOrdIDHistory", 2, "from 0 to"},
		{"MaxQty=0", "MaxQty", 2, "integer >= 1"},
		{"MaxQty=1000000000000", "MaxQty", 2, "overflows 64 bits"},
		{"Durability=fsync", "Durability", 2, "must be none, batch or every"},
		{"WaitStrategy=busy", "WaitStrategy", 2, "must be spin, spin-yield or block"},
		{"MatcherCPU=-1", "MatcherCPU", 2, "from 0 to"},
		{"SnapshotEvery=0", "SnapshotEvery", 2, "positive number of commands, or off"},
		{"CheckpointEvery=ten", "CheckpointEvery", 2, "positive number of commands, or off"},
		{"InboundRing=1000", "InboundRing", 2, "power of two"},
		{"OutboundRing=1", "OutboundRing", 2, "power of two"},
		{"StageTiming=yes", "StageTiming", 2, "must be Y or N"},
		{"MetricsAddr=9090", "MetricsAddr", 2, "want host:port"},
		{"MetricsAddr=:http", "MetricsAddr", 2, "must be 0..65535"},
		{"MaxSessions=0", "MaxSessions", 2, "from 1 to"},
		{"PendingLogonTimeout=5", "PendingLogonTimeout", 2, "a duration from 100ms to 10m"},
		{"PendingLogonTimeout=10ms", "PendingLogonTimeout", 2, "a duration from 100ms to 10m"},
		{"PendingLogonTimeout=1h", "PendingLogonTimeout", 2, "a duration from 100ms to 10m"},
		{"MaxPendingLogons=0", "MaxPendingLogons", 2, "from 1 to"},
		{"MaxPendingLogonsPerHost=0", "MaxPendingLogonsPerHost", 2, "from 1 to"},
		{"MaxPendingLogons=10\nMaxPendingLogonsPerHost=11", "MaxPendingLogonsPerHost", 3, "must not exceed MaxPendingLogons (10)"},
		{"MaxMessageSize=512", "MaxMessageSize", 2, "from 1KiB to 64MiB"},
		{"MaxMessageSize=1GiB", "MaxMessageSize", 2, "from 1KiB to 64MiB"},
		{"MaxMessageSize=64KB", "MaxMessageSize", 2, "from 1KiB to 64MiB"},
		{"RateLimit=0", "RateLimit", 2, "from 1 to"},
		{"RateLimit=off\nRateBurst=10", "RateBurst", 3, "needs a RateLimit"},
		{"RateBurst=0", "RateBurst", 2, "from 1 to"},
		{"OfflineReports=0", "OfflineReports", 2, "from 1 to"},
		{"OutboundMessages=99", "OutboundMessages", 2, "from 100 to"},
		{"OutboundBytes=1KiB", "OutboundBytes", 2, "from 64KiB to 16GiB"},
		{"OutboundBytes=8MB", "OutboundBytes", 2, "want a positive size"},
		{"MarketDataQueue=0", "MarketDataQueue", 2, "from 1 to"},
		{"GOGC=0", "GOGC", 2, "from 1 to"},
		{"GOGC=off", "MemoryLimit", 0, "GOGC=off needs a MemoryLimit"},
		{"MemoryLimit=4GB", "MemoryLimit", 2, "want a positive size"},
		{"MemoryLimit=0", "MemoryLimit", 2, "want a positive size"},
		{"MemoryLimit=99999999999TiB", "MemoryLimit", 2, "want a positive size"},
		{"EndOfDay=25:00", "EndOfDay", 2, "HH:MM or HH:MM:SS"},
		{"EndOfDay=9:00", "EndOfDay", 2, "HH:MM or HH:MM:SS"},
		{"LogLevel=fatal", "LogLevel", 2, "must be trace, debug, info, warn or error"},
		{"LogLevel=", "LogLevel", 2, "must be trace, debug, info, warn or error"},
		{"SocketAcceptPort=70000", "SocketAcceptPort", 2, "from 1 to 65535"},
		{"ResetOnLogon=yes", "ResetOnLogon", 2, "must be Y or N"},
		{"DynamicSessions=true", "DynamicSessions", 2, "must be Y or N"},
		{"CancelOnDisconnect=yes", "CancelOnDisconnect", 2, "must be Y or N"},
		{"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nCancelOnDisconnect=1", "CancelOnDisconnect", 5, "must be Y or N"},
		// The shape of the file.
		{"Symbol=AAPL:0.01", "Symbol", 2, "unknown key"},
		{"maxorders=5", "maxorders", 2, "unknown key"},
		{"MaxOrders =5", "MaxOrders", 2, "no spaces around the key"},
		{"MaxOrders= 5", "MaxOrders", 2, "leading or trailing spaces"},
		{"MaxOrders=5\nMaxOrders=6", "MaxOrders", 3, "set twice in this section (first on line 2)"},
		{"MaxOrders=5\n[DEFAULT]\nMaxOrders=6", "MaxOrders", 4, "set twice in [DEFAULT]"},
		{"just text", "", 2, "not a Key=Value line"},
		{"  # indented comment", "", 2, "a comment must start the line"},
		{"[SESSIONS]", "", 2, "unknown section"},
		{"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nMaxOrders=5", "MaxOrders", 5, "put it in [DEFAULT]"},
		{"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nSocketAcceptPort=5002", "SocketAcceptPort", 5, "one address"},
		{"[SESSION]\nBeginString=FIX.4.3\nTargetCompID=A", "BeginString", 3, "must be FIX.4.4 or FIX.4.2"},
		{"[SESSION]\nBeginString=FIX.4.4", "TargetCompID", 2, "every [SESSION] needs one"},
	} {
		_, err := Parse("t.cfg", "[DEFAULT]\n"+tc.text+"\n")
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%q: error %v, want a *ConfigError", tc.text, err)
			continue
		}
		if ce.Key != tc.key || ce.Line != tc.line || ce.Source != "t.cfg" || !strings.Contains(ce.Reason, tc.reason) {
			t.Errorf("%q: %v (key %q line %d), want key %q line %d reason containing %q", tc.text, err, ce.Key, ce.Line, tc.key, tc.line, tc.reason)
		}
		if !strings.HasPrefix(err.Error(), "config: t.cfg") {
			t.Errorf("%q: %q lacks the config: prefix", tc.text, err)
		}
	}
	// Before any section.
	if _, err := Parse("t.cfg", "MaxOrders=5\n[DEFAULT]\n"); err == nil || !strings.Contains(err.Error(), "t.cfg:1: MaxOrders: comes before the first") {
		t.Errorf("setting before a header: %v", err)
	}
}

// TestExampleConfig: the annotated example parses, lists sessions with
// credentials, and every key it and the embedded default use is in
// docs/CONFIG.md's reference table, as is every matchd key.
func TestExampleConfig(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "examples", "matchd.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := Parse("matchd.cfg", string(text))
	if err != nil {
		t.Fatal(err)
	}
	creds := 0
	for sid, ss := range o.Settings.SessionSettings() {
		if ss.HasSetting("Password") {
			creds++
		}
		if sid.SenderCompID != "ENGINE" {
			t.Errorf("session %v", sid)
		}
	}
	if creds == 0 {
		t.Error("the example shows no Username/Password")
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "CONFIG.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "| `"+k.name+"` |") {
			t.Errorf("docs/CONFIG.md has no table row for %s", k.name)
		}
	}
	secs, err := scan("matchd.cfg", string(text)+DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		for k := range s.kv {
			if !strings.Contains(string(doc), "`"+k+"`") {
				t.Errorf("docs/CONFIG.md does not mention %s", k)
			}
		}
	}
}

func TestParseBytesAndTimeOfDay(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "10B": 10, "3KiB": 3 << 10, "512MiB": 512 << 20, "2GiB": 2 << 30, "1TiB": 1 << 40} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "1.5GiB", "1 GiB", "8388608TiB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) accepted", in)
		}
	}
	for in, want := range map[string]time.Duration{"00:00": 0, "23:59:59": 24*time.Hour - time.Second, "09:30": 9*time.Hour + 30*time.Minute} {
		if got, err := ParseTimeOfDay(in); err != nil || got != want {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"24:00", "12:60", "1200", "12:00:00Z", "noon"} {
		if _, err := ParseTimeOfDay(in); err == nil {
			t.Errorf("ParseTimeOfDay(%q) accepted", in)
		}
	}
}

func TestNextEndOfDay(t *testing.T) {
	at := 21 * time.Hour
	for _, tc := range []struct{ now, want string }{
		{"2026-11-23T10:00:00Z", "2026-11-23T21:00:00Z"},
		{"2026-11-23T21:00:00Z", "2026-11-24T21:00:00Z"}, // exactly at: the next day (it just fired)
		{"2026-11-23T21:00:01Z", "2026-11-24T21:00:00Z"},
		{"2026-12-31T22:00:00Z", "2027-01-01T21:00:00Z"},
		{"2026-11-23T22:30:00+02:00", "2026-11-23T21:00:00Z"}, // 20:30 UTC
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := nextEndOfDay(now, at).Format(time.RFC3339); got != tc.want {
			t.Errorf("nextEndOfDay(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}

func TestEnvGCPercent(t *testing.T) {
	for in, want := range map[string]int{"off": -1, "50": 50, "junk": 100} {
		if got := envGCPercent(in); got != want {
			t.Errorf("envGCPercent(%q) = %d", in, got)
		}
	}
}

// TestParseCancelOnDisconnect: CancelOnDisconnect is accepted in [DEFAULT] and
// in a [SESSION] and reaches the gateway's settings, the session's value over
// [DEFAULT]'s.
func TestParseCancelOnDisconnect(t *testing.T) {
	o, err := Parse("t.cfg", "[DEFAULT]\nSenderCompID=ENGINE\nCancelOnDisconnect=Y\n"+
		"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=A\nCancelOnDisconnect=N\n"+
		"[SESSION]\nBeginString=FIX.4.4\nTargetCompID=B\n")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := o.Settings.GlobalSettings().Setting(gateway.SettingCancelOnDisconnect); v != "Y" {
		t.Errorf("[DEFAULT] CancelOnDisconnect %q", v)
	}
	want := map[string]string{"A": "N", "B": "Y"}
	for sid, ss := range o.Settings.SessionSettings() {
		if v, _ := ss.Setting(gateway.SettingCancelOnDisconnect); v != want[sid.TargetCompID] {
			t.Errorf("%s: CancelOnDisconnect %q, want %q", sid.TargetCompID, v, want[sid.TargetCompID])
		}
	}
}
