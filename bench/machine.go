package bench

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"strings"
)

// Machine describes where a run was measured. Results from different
// machines are not comparable; compare prints both descriptions.
type Machine struct {
	CPU        string `json:"cpu"`        // model name from /proc/cpuinfo; "" if unknown
	Cores      int    `json:"cores"`      // logical CPUs usable by the process
	GoVersion  string `json:"go_version"` // runtime.Version()
	GOMAXPROCS int    `json:"gomaxprocs"` // at the time of the run
	GOOS       string `json:"goos"`       // runtime.GOOS
	GOARCH     string `json:"goarch"`     // runtime.GOARCH
}

// CurrentMachine describes the machine the process runs on. A missing or
// unreadable /proc/cpuinfo leaves CPU empty.
func CurrentMachine() Machine {
	m := Machine{
		Cores:      runtime.NumCPU(),
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = ParseCPUModel(f)
		_ = f.Close()
	}
	return m
}

// ParseCPUModel returns the CPU model named in a /proc/cpuinfo listing: the
// first "model name" field (x86), else the first "Hardware" or "Model" field
// (ARM boards), else "".
func ParseCPUModel(r io.Reader) string {
	var fallback string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "model name":
			return val
		case "Hardware", "Model":
			if fallback == "" {
				fallback = val
			}
		}
	}
	return fallback
}

// String is a one-line description, e.g.
// "Intel(R) Xeon(R) ... | 2 cores | GOMAXPROCS 2 | go1.26.8 linux/amd64".
func (m Machine) String() string {
	cpu := m.CPU
	if cpu == "" {
		cpu = "unknown CPU"
	}
	return cpu + " | " + itoa(int64(m.Cores)) + " cores | GOMAXPROCS " + itoa(int64(m.GOMAXPROCS)) +
		" | " + m.GoVersion + " " + m.GOOS + "/" + m.GOARCH
}
