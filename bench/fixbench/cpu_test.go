package fixbench

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestParseCPUSeconds(t *testing.T) {
	page := "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n" +
		"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total_x 9\nprocess_cpu_seconds_total 12.34\n"
	got, err := parseCPUSeconds(bufio.NewScanner(strings.NewReader(page)))
	if err != nil || got != 12340*time.Millisecond {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "go_goroutines 3\n", "process_cpu_seconds_total x\n", "process_cpu_seconds_total -1\n"} {
		if _, err := parseCPUSeconds(bufio.NewScanner(strings.NewReader(bad))); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
