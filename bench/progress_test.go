package bench

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, true)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Status{Sent: 12000, Total: 100000, Completed: 11990, P99: 35_000}
	if !p.Update(t0, s) {
		t.Fatal("first update not drawn")
	}
	if got, want := out.String(), "\rsent 12000/100000  rate -  completed 11990  p99(last 1s) 35.0µs\x1b[K"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	s.Sent = 13000
	if p.Update(t0.Add(100*time.Millisecond), s) {
		t.Error("update 100ms after the last was drawn; want at most one per 250ms")
	}
	out.Reset()
	if !p.Update(t0.Add(500*time.Millisecond), s) || !strings.Contains(out.String(), "rate 2.00k/s") {
		t.Errorf("update after 500ms: %q, want rate 1000 ops / 0.5s", out.String())
	}
	out.Reset()
	p.Finish()
	if out.String() != "\r\x1b[K" {
		t.Errorf("Finish wrote %q, want the line erased", out.String())
	}
	out.Reset()
	p.Finish()
	if out.Len() != 0 {
		t.Errorf("second Finish wrote %q", out.String())
	}
}

func TestProgressDisabled(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, false)
	if p.Update(time.Now(), Status{Sent: 1}) {
		t.Error("disabled progress drew")
	}
	p.Finish()
	if out.Len() != 0 {
		t.Errorf("disabled progress wrote %q", out.String())
	}
	var nilP *Progress
	if nilP.Enabled() {
		t.Error("nil progress enabled")
	}
}

func TestTerminalProgressOffForFiles(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if TerminalProgress(f).Enabled() {
		t.Error("progress enabled on a regular file")
	}
}
