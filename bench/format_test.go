package bench

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFormatNs(t *testing.T) {
	for _, c := range []struct {
		ns   int64
		want string
	}{
		{0, "0ns"},
		{850, "850ns"},
		{999, "999ns"},
		{1000, "1.00µs"},
		{1234, "1.23µs"},
		{9996, "10.0µs"},
		{12345, "12.3µs"},
		{123456, "123µs"},
		{999_499, "999µs"},
		{999_500, "1.00ms"},
		{1_234_567, "1.23ms"},
		{1_500_000_000, "1.50s"},
		{60_000_000_000, "60.0s"},
		{-1234, "-1.23µs"},
	} {
		if got := FormatNs(c.ns); got != c.want {
			t.Errorf("FormatNs(%d) = %q, want %q", c.ns, got, c.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for _, c := range []struct {
		r    float64
		want string
	}{
		{950, "950/s"},
		{10000, "10.0k/s"},
		{999_700, "1.00M/s"},
		{1_230_000, "1.23M/s"},
		{0, "0.00/s"},
	} {
		if got := FormatRate(c.r); got != c.want {
			t.Errorf("FormatRate(%v) = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestWriteTable(t *testing.T) {
	a := constRun(t, "chan", 1500, 100_000)
	b := constRun(t, "ring-long-name", 250, 1000)
	b.Load = &LoadStats{TargetRate: 1000, Scheduled: 1005, Sent: 1005, Completed: 1000, Lost: 5, Late: 2, MaxLagNs: 40_000}
	var out bytes.Buffer
	if err := WriteTable(&out, []*Run{a, b}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	lines := strings.Split(s, "\n")
	// Header and rows are aligned: every column ends at the same rune offset.
	for _, l := range lines[1:3] {
		if utf8.RuneCountInString(l) != utf8.RuneCountInString(lines[0]) {
			t.Errorf("row %q is not as wide as header %q", l, lines[0])
		}
	}
	for _, want := range []string{
		"run", "p99.99", "max",
		"chan ", "100000", "100k/s", "1.50µs",
		"ring-long-name", "250ns",
		"# ring-long-name: open loop at 1.00k/s: scheduled 1005, sent 1005, completed 1000, lost 5, late 2 (max send lag 40.0µs)",
		"# WARNING ring-long-name: 5 ops lost",
		"# ring-long-name: only 0.1 samples lie above p99.99",
		"# chan: rate=1000",
		"# machine: Test CPU @ 3.00GHz | 2 cores | GOMAXPROCS 2 | go1.26.8 linux/amd64",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "# chan: only") {
		t.Errorf("100000 samples flagged as too few for p99.99:\n%s", s)
	}
}

func TestParseCPUModel(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nmodel name\t: other\n", "Intel(R) Xeon(R) CPU @ 2.20GHz"},
		{"arm", "processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t: Raspberry Pi 4\n", "BCM2835"},
		{"none", "processor : 0\n", ""},
		{"empty", "", ""},
	} {
		if got := ParseCPUModel(strings.NewReader(c.in)); got != c.want {
			t.Errorf("%s: ParseCPUModel = %q, want %q", c.name, got, c.want)
		}
	}
}
