package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// randomRuns makes n runs of lognormal-ish latencies.
func randomRuns(t *testing.T, n int) []*Run {
	rng := seeded(t, 42)
	var runs []*Run
	for i := range n {
		h := NewHistogram()
		for range 5000 {
			Record(h, int64(200+rng.ExpFloat64()*float64(1000*(i+1))))
		}
		r := fixedRun([]string{"engine", "ring", "engine"}[i%3], h)
		if i == 1 {
			r.Load = &LoadStats{TargetRate: 5000, Scheduled: 5000, Sent: 5000, Completed: 5000, Late: 3, MaxLagNs: 12345}
		}
		runs = append(runs, r)
	}
	return runs
}

func TestJSONRoundTrip(t *testing.T) {
	runs := randomRuns(t, 3)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, runs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(runs) {
		t.Fatalf("read %d runs, wrote %d", len(got), len(runs))
	}
	for i, r := range runs {
		g := got[i]
		if !g.Latency.Equals(r.Latency) {
			t.Errorf("run %d: histogram changed in the round trip", i)
		}
		if g.Name != r.Name || g.Count != r.Count || g.Duration != r.Duration || g.Throughput != r.Throughput ||
			!g.Start.Equal(r.Start) || g.Machine != r.Machine || g.Settings["rate"] != r.Settings["rate"] {
			t.Errorf("run %d: got %+v, want %+v", i, g, r)
		}
		if (g.Load == nil) != (r.Load == nil) || (g.Load != nil && *g.Load != *r.Load) {
			t.Errorf("run %d: load %+v, want %+v", i, g.Load, r.Load)
		}
	}
	// The informational percentiles are present for people and jq.
	var raw struct {
		Runs []struct {
			Percentiles map[string]int64 `json:"percentiles_ns"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if got, want := raw.Runs[0].Percentiles["p99.9"], Summarize(runs[0].Latency).P999; got != want {
		t.Errorf("JSON p99.9 = %d, want %d", got, want)
	}
}

func TestReadJSONBadInput(t *testing.T) {
	good := func() string {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, []*Run{constRun(t, "x", 100, 10)}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}()
	var j map[string]any
	if err := json.Unmarshal([]byte(good), &j); err != nil {
		t.Fatal(err)
	}
	hist := j["runs"].([]any)[0].(map[string]any)["histogram"].(string)
	for _, c := range []struct{ name, in, want string }{
		{"not json", "hello", "bench: reading JSON"},
		{"wrong format", `{"format":"other/9","runs":[]}`, `format "other/9"`},
		{"no runs", `{"format":"matchd-bench/1","runs":[]}`, "no runs"},
		{"no histogram", `{"format":"matchd-bench/1","runs":[{"name":"a"}]}`, `run 0 ("a"): no histogram`},
		{"bad base64", `{"format":"matchd-bench/1","runs":[{"name":"a","histogram":"!!!"}]}`, `run 0 ("a"): decoding histogram`},
		{"truncated histogram", `{"format":"matchd-bench/1","runs":[{"name":"a","histogram":"` + hist[:len(hist)/2] + `"}]}`, `run 0 ("a"): decoding histogram`},
		{"negative duration", `{"format":"matchd-bench/1","runs":[{"name":"a","duration_ns":-1,"histogram":"` + hist + `"}]}`, "negative duration"},
	} {
		_, err := ReadJSON(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "bench: ") {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestReadFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"format":"matchd-bench/1","runs":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), "bench: "+path+": ") {
		t.Errorf("error %v does not name the file", err)
	}
}

func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, []*Run{constRun(f, "x", 100, 10)}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.String())
	f.Add(`{"format":"matchd-bench/1","runs":[{"histogram":"HISTFAAAACB4nJNpmSzMwMDAxQABzFCaEUzOmcYAkzvGQAwA"}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		runs, err := ReadJSON(strings.NewReader(in))
		if err == nil {
			// Whatever decodes must render without panicking.
			_ = WriteTable(&bytes.Buffer{}, runs)
		}
	})
}

func TestHdrLogRoundTrip(t *testing.T) {
	runs := randomRuns(t, 2)
	runs[1].Name = "ring, with spaces"
	var buf bytes.Buffer
	if err := WriteHdrLog(&buf, runs); err != nil {
		t.Fatal(err)
	}
	rd := hdrhistogram.NewHistogramLogReader(&buf)
	for i, want := range runs {
		h, err := rd.NextIntervalHistogram()
		if err != nil || h == nil {
			t.Fatalf("interval %d: %v, %v", i, h, err)
		}
		if !h.Equals(want.Latency) {
			t.Errorf("interval %d: histogram differs from run %q", i, want.Name)
		}
		if wantTag := []string{"engine", "ring__with_spaces"}[i]; h.Tag() != wantTag {
			t.Errorf("interval %d: tag %q, want %q", i, h.Tag(), wantTag)
		}
	}
	if h, err := rd.NextIntervalHistogram(); h != nil || err != nil {
		t.Errorf("extra interval after the runs: %v, %v", h, err)
	}
	if runs[1].Latency.Tag() != "" {
		t.Error("WriteHdrLog tagged the run's own histogram")
	}
}

func TestWriteHdrFile(t *testing.T) {
	dir := t.TempDir()
	runs := randomRuns(t, 2)
	if err := WriteHdrFile(filepath.Join(dir, "x.hgrm"), runs); err == nil {
		t.Error("two runs into one .hgrm: no error")
	}
	path := filepath.Join(dir, "x.hgrm")
	if err := WriteHdrFile(path, runs[:1]); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "Percentile") || !strings.Contains(s, "#[Max     =") {
		t.Errorf(".hgrm lacks the distribution header or footer:\n%s", s)
	}
	log := filepath.Join(dir, "x.hlog")
	if err := WriteHdrFile(log, runs); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), "Tag=ring,") {
		t.Errorf("interval log lacks the tagged ring interval:\n%s", b)
	}
}
