package engine_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestEngineImportsOnlyStdlib keeps the matching core pure: it may depend only on
// the standard library, not on time, os, net or log (or their subpackages), and
// on nothing else of this module.
func TestEngineImportsOnlyStdlib(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found: ", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", depsFormat, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	self, err := exec.Command(goTool, "list", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	selfPath, module, _ := strings.Cut(strings.TrimSpace(string(self)), " ")
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("go list -deps listed no dependencies:\n%s", out)
	}
	for _, p := range badDeps(selfPath, module, lines) {
		t.Error(p)
	}
}

// depsFormat makes go list print "importpath standard modulepath" per package.
const depsFormat = "{{.ImportPath}} {{.Standard}} {{with .Module}}{{.Path}}{{end}}"

// badDeps returns one message per forbidden dependency in go list lines.
func badDeps(selfPath, module string, lines []string) []string {
	forbidden := []string{"time", "os", "net", "log"}
	var bad []string
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 2 {
			bad = append(bad, "unexpected go list line "+line)
			continue
		}
		path, standard := f[0], f[1] == "true"
		if path == selfPath {
			continue
		}
		first, _, _ := strings.Cut(path, "/")
		switch {
		case len(f) > 2 && f[2] == module || path == module || strings.HasPrefix(path, module+"/"):
			bad = append(bad, path+": a package of this module")
		case !standard || strings.Contains(first, "."):
			bad = append(bad, path+": outside the standard library")
		case slices.ContainsFunc(forbidden, func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") }):
			bad = append(bad, path+": the core must not read clocks, do I/O or log")
		}
	}
	return bad
}

func TestBadDeps(t *testing.T) {
	const self, mod = "example.com/m/engine", "example.com/m"
	lines := []string{
		"errors true",
		"example.com/m/engine false example.com/m",
		"strconv true",
		"time true",
		"os/exec true",
		"net/netip true",
		"log/slog true",
		"timeline true", // not time: fine
		"example.com/m/journal false example.com/m",
		"github.com/x/y false github.com/x/y",
	}
	got := badDeps(self, mod, lines)
	want := []string{
		"time: the core must not read clocks, do I/O or log",
		"os/exec: the core must not read clocks, do I/O or log",
		"net/netip: the core must not read clocks, do I/O or log",
		"log/slog: the core must not read clocks, do I/O or log",
		"example.com/m/journal: a package of this module",
		"github.com/x/y: outside the standard library",
	}
	if !slices.Equal(got, want) {
		t.Errorf("badDeps:\n got %q\nwant %q", got, want)
	}
}
