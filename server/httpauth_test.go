package server

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtest"
)

// journaledCount is the sequenced_to_journaled count /debug/stages reports.
func journaledCount(t *testing.T, base, token string) string {
	t.Helper()
	code, body := httpDo(t, http.MethodGet, base+"/debug/stages", token)
	if code != 200 {
		t.Fatalf("GET /debug/stages: %d %s", code, body)
	}
	_, after, ok := strings.Cut(body, `"name":"sequenced_to_journaled","count":`)
	if !ok {
		t.Fatalf("no sequenced_to_journaled in %s", body)
	}
	n, _, _ := strings.Cut(after, ",")
	return n
}

// oneCommand submits an end of day and waits until the journal stage has
// counted it.
func oneCommand(t *testing.T, s *Server, token string) {
	t.Helper()
	if err := s.EndOfDay(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for journaledCount(t, "http://"+s.MetricsAddr(), token) != "1" {
		if time.Now().After(deadline) {
			t.Fatal("end of day not journaled")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHTTPDefaults: without Pprof the profiler is not served; the histograms
// are reset by POST only (GET with reset=1 gets 405 with Allow: POST and changes
// nothing); other methods get 405.
func TestHTTPDefaults(t *testing.T) {
	t.Parallel()
	o, _ := testOptions(t, t.TempDir(), fixtest.FreePort(t), "")
	if o.Pprof || o.HTTPToken != "" {
		t.Fatalf("defaults: Pprof %v, HTTPToken %q", o.Pprof, o.HTTPToken)
	}
	s := startServer(t, o)
	base := "http://" + s.MetricsAddr()
	oneCommand(t, s, "")

	for _, p := range []string{"/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if code, body := httpGet(t, base+p); code != 404 {
			t.Errorf("GET %s without Pprof: %d %.100s, want 404", p, code, body)
		}
	}
	if n := journaledCount(t, base, ""); n != "1" {
		t.Fatalf("sequenced_to_journaled count %s, want 1", n)
	}
	resp, err := http.Get(base + "/debug/stages?reset=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /debug/stages?reset=1: %d Allow %q, want 405 Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if n := journaledCount(t, base, ""); n != "1" {
		t.Fatalf("GET ?reset=1 reset the histograms (count %s)", n)
	}
	if code, _ := httpPost(t, base+"/debug/stages"); code != 400 {
		t.Errorf("POST /debug/stages without reset=1: %d, want 400", code)
	}
	if code, body := httpPost(t, base+"/debug/stages?reset=1"); code != 200 || !strings.Contains(body, `"name":"sequenced_to_journaled","count":1,`) {
		t.Errorf("POST /debug/stages?reset=1: %d %s", code, body)
	}
	if n := journaledCount(t, base, ""); n != "0" {
		t.Errorf("after POST ?reset=1: count %s, want 0", n)
	}
	for _, c := range []struct{ method, path string }{{"POST", "/metrics"}, {"PUT", "/debug/stages"}, {"DELETE", "/book?symbol=AAPL"}} {
		if code, _ := httpDo(t, c.method, base+c.path, ""); code != 405 {
			t.Errorf("%s %s: %d, want 405", c.method, c.path, code)
		}
	}
}

// TestHTTPToken: with HTTPToken every path (unknown ones included) needs
// "Authorization: Bearer <token>"; without it, or with another scheme, 401 and
// a Bearer challenge; with a wrong token, 401 and error="invalid_token"; a
// refused POST resets nothing.
func TestHTTPToken(t *testing.T) {
	t.Parallel()
	const token = "k3y-for-the.metrics_endpoint~0123+/=="
	o, _ := testOptions(t, t.TempDir(), fixtest.FreePort(t), "HTTPToken="+token+"\nPprof=Y\n")
	s := startServer(t, o)
	base := "http://" + s.MetricsAddr()
	oneCommand(t, s, token)

	send := func(method, path, auth string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	paths := map[string]int{"/metrics": 200, "/debug/stages": 200, "/book?symbol=AAPL": 200,
		"/debug/pprof/": 200, "/debug/pprof/cmdline": 200, "/nothing-here": 404}
	for p, want := range paths {
		for _, auth := range []string{"", "Basic " + token, "Bearer", "Bearer " + token + "x", "Bearer " + token[:len(token)-1], "Bearer wrong"} {
			resp := send("GET", p, auth)
			challenge := resp.Header.Get("WWW-Authenticate")
			wantChallenge := `Bearer realm="matchd"`
			if strings.HasPrefix(auth, "Bearer ") {
				wantChallenge += `, error="invalid_token"`
			}
			if resp.StatusCode != 401 || challenge != wantChallenge {
				t.Errorf("GET %s with Authorization %q: %d, WWW-Authenticate %q; want 401, %q", p, auth, resp.StatusCode, challenge, wantChallenge)
			}
		}
		for _, auth := range []string{"Bearer " + token, "bearer " + token, "BEARER  " + token} {
			if resp := send("GET", p, auth); resp.StatusCode != want {
				t.Errorf("GET %s with Authorization %q: %d, want %d", p, auth, resp.StatusCode, want)
			}
		}
	}
	if resp := send("POST", "/debug/stages?reset=1", ""); resp.StatusCode != 401 {
		t.Errorf("POST ?reset=1 without the token: %d, want 401", resp.StatusCode)
	}
	if n := journaledCount(t, base, token); n != "1" {
		t.Errorf("an unauthorized POST reset the histograms (count %s)", n)
	}
	if resp := send("POST", "/debug/stages?reset=1", "Bearer "+token); resp.StatusCode != 200 {
		t.Errorf("POST ?reset=1 with the token: %d", resp.StatusCode)
	}
	if n := journaledCount(t, base, token); n != "0" {
		t.Errorf("after an authorized POST ?reset=1: count %s, want 0", n)
	}
}

// TestHTTPKeys: HTTPToken and Pprof are checked like any key.
func TestHTTPKeys(t *testing.T) {
	for _, tc := range []struct{ text, reason string }{
		{"HTTPToken=short", "at least 16 characters"},
		{"HTTPToken=0123456789abcdef ghij", "may hold only letters, digits"},
		{"HTTPToken=0123456789abcdef\"x", "may hold only letters, digits"},
		{"HTTPToken=================", "only '='"},
		{"HTTPToken=0123456789abcdef=x", "may hold only letters, digits"},
		{"Pprof=yes", "must be Y or N"},
	} {
		_, err := Parse("t.cfg", "[DEFAULT]\n"+tc.text+"\n")
		var ce *ConfigError
		key, _, _ := strings.Cut(tc.text, "=")
		if !errors.As(err, &ce) || ce.Key != key || ce.Line != 2 || !strings.Contains(ce.Reason, tc.reason) {
			t.Errorf("%s: %v, want %s on line 2: ...%s...", tc.text, err, key, tc.reason)
		}
	}
	// The start-up warning's test: which listeners count as loopback.
	for addr, want := range map[string]bool{"127.0.0.1:9090": true, "[::1]:9090": true, "0.0.0.0:9090": false, "10.1.2.3:9090": false, "[::]:9090": false} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := loopback(a); got != want {
			t.Errorf("loopback(%s) = %v", addr, got)
		}
	}
	o, err := Parse("t.cfg", "[DEFAULT]\nHTTPToken=0123456789abcdef==\nPprof=Y\n")
	if err != nil || o.HTTPToken != "0123456789abcdef==" || !o.Pprof {
		t.Fatalf("HTTPToken %q Pprof %v, %v", o.HTTPToken, o.Pprof, err)
	}
}
