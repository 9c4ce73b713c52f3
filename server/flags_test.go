package server

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Flags
		err  string
	}{
		{args: nil, want: Flags{}},
		{args: []string{"-config", "x.cfg", "-port", "6001", "-data", "/tmp/d", "-metrics", "off"},
			want: Flags{ConfigFile: "x.cfg", Port: 6001, DataDir: "/tmp/d", MetricsAddr: "off"}},
		{args: []string{"-metrics", "0.0.0.0:0"}, want: Flags{MetricsAddr: "0.0.0.0:0"}},
		{args: []string{"-print-default-config"}, want: Flags{PrintDefault: true}},
		{args: []string{"-port", "0"}, err: "-port 0: must be 1..65535"},
		{args: []string{"-port", "65536"}, err: "-port 65536: must be 1..65535"},
		{args: []string{"-port", "x"}, err: "invalid value \"x\" for flag -port"},
		{args: []string{"-data", ""}, err: "-data: must not be empty"},
		{args: []string{"-config", ""}, err: "-config: must not be empty"},
		{args: []string{"-metrics", ""}, err: "-metrics: must not be empty"},
		{args: []string{"-metrics", "9090"}, err: "-metrics \"9090\": want host:port"},
		{args: []string{"-nope"}, err: "flag provided but not defined: -nope"},
		{args: []string{"extra"}, err: "unexpected argument \"extra\""},
	} {
		var stderr bytes.Buffer
		got, err := ParseFlags(tc.args, &stderr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

// TestHelp: -h documents every flag and points at the configuration reference.
func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	if _, err := ParseFlags([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"-config", "-port", "-data", "-metrics", "-print-default-config", "docs/CONFIG.md", "5001", "SIGTERM"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h output lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestLoadOverrides: the flags win over the file.
func TestLoadOverrides(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "m.cfg")
	os.WriteFile(cfg, []byte("[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptPort=7000\nDataDir=a\nMetricsAddr=127.0.0.1:1\nDynamicSessions=Y\n"), 0o644)
	o, err := Load(Flags{ConfigFile: cfg})
	if err != nil || o.Port != 7000 || o.DataDir != "a" || o.MetricsAddr != "127.0.0.1:1" || o.Source != cfg {
		t.Fatalf("%+v, %v", o, err)
	}
	o, err = Load(Flags{ConfigFile: cfg, Port: 7001, DataDir: "b", MetricsAddr: "off"})
	if err != nil || o.Port != 7001 || o.DataDir != "b" || o.MetricsAddr != "" {
		t.Fatalf("%+v, %v", o, err)
	}
	if v, _ := o.Settings.GlobalSettings().Setting("SocketAcceptPort"); v != "7001" {
		t.Fatalf("SocketAcceptPort %q", v)
	}
	_, err = Load(Flags{ConfigFile: filepath.Join(dir, "missing.cfg")})
	if err == nil || !strings.Contains(err.Error(), "missing.cfg: cannot read: no such file or directory") {
		t.Fatalf("missing file: %v", err)
	}
}
