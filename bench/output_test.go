package bench

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutput(t *testing.T) {
	dir := t.TempDir()
	var o Output
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o.AddFlags(fs)
	js, hlog, svg := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.hlog"), filepath.Join(dir, "r.svg")
	if err := fs.Parse([]string{"-json", js, "-hdr", hlog, "-plot", svg, "-logy", "-title", "T"}); err != nil {
		t.Fatal(err)
	}
	runs := []*Run{constRun(t, "a", 1000, 100), constRun(t, "b", 2000, 100)}
	var out bytes.Buffer
	if err := o.Write(&out, runs); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "run ") {
		t.Errorf("stdout %q: want the table", out.String())
	}
	back, err := ReadFile(js)
	if err != nil || len(back) != 2 || !back[1].Latency.Equals(runs[1].Latency) {
		t.Errorf("JSON file: %v, %v", back, err)
	}
	for _, p := range []string{hlog, svg} {
		if b, err := os.ReadFile(p); err != nil || len(b) == 0 {
			t.Errorf("%s: %v, %d bytes", p, err, len(b))
		}
	}
	o = Output{JSON: "-"}
	out.Reset()
	if err := o.Write(&out, runs); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadJSON(&out); err != nil || len(back) != 2 {
		t.Errorf("-json -: stdout is not a results file: %v", err)
	}
	if err := o.Write(&out, nil); err == nil {
		t.Error("no runs: no error")
	}
}
