package fixbench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CPU accounting: how much processor time the server and this client spent
// per order. With both on one machine, NumCPU / (server + client per order)
// bounds the rate the pair can sustain, whatever the latency.

// serverCPU reads matchd's process_cpu_seconds_total from GET /metrics (the
// Prometheus process collector; 10 ms resolution on Linux).
func serverCPU(ctx context.Context, addr, token string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, stagesTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	setToken(req, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseCPUSeconds(bufio.NewScanner(resp.Body))
}

// parseCPUSeconds finds the process_cpu_seconds_total sample.
func parseCPUSeconds(sc *bufio.Scanner) (time.Duration, error) {
	const name = "process_cpu_seconds_total "
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name); ok {
			s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || s < 0 {
				return 0, fmt.Errorf("bad process_cpu_seconds_total %q", v)
			}
			return time.Duration(s * float64(time.Second)), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no process_cpu_seconds_total in /metrics")
}
