package fixbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Stages is matchd's GET /debug/stages answer: the server-side latency of
// each stage of an order's trip, in nanoseconds.
type Stages struct {
	Stages []Stage `json:"stages"`
}

// Stage is one stage's figures and its full histogram.
type Stage struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
	P50   int64  `json:"p50_ns"`
	P90   int64  `json:"p90_ns"`
	P99   int64  `json:"p99_ns"`
	P999  int64  `json:"p999_ns"`
	P9999 int64  `json:"p9999_ns"`
	Max   int64  `json:"max_ns"`
	// Hdr is the histogram in HdrHistogram's V2 compressed encoding, base64.
	Hdr string `json:"hdr"`
}

// Histogram decodes the stage's histogram.
func (s *Stage) Histogram() (*hdrhistogram.Histogram, error) {
	if s.Hdr == "" {
		return nil, fmt.Errorf("fixbench: stage %q has no histogram", s.Name)
	}
	h, err := hdrhistogram.Decode([]byte(s.Hdr))
	if err != nil {
		return nil, fmt.Errorf("fixbench: stage %q: decoding histogram: %w", s.Name, err)
	}
	return h, nil
}

// stagesTimeout bounds one request to the metrics endpoint.
const stagesTimeout = 3 * time.Second

// maxStagesBody bounds the answer read (each histogram is a few kB).
const maxStagesBody = 16 << 20

// FetchStages reads GET http://addr/debug/stages, clearing the server's
// histograms after the read when reset is true (?reset=1).
func FetchStages(ctx context.Context, addr string, reset bool) (*Stages, error) {
	url := "http://" + addr + "/debug/stages"
	if reset {
		url += "?reset=1"
	}
	ctx, cancel := context.WithTimeout(ctx, stagesTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fixbench: stages: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fixbench: stages: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStagesBody))
	if err != nil {
		return nil, fmt.Errorf("fixbench: stages: reading %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fixbench: stages: GET %s: %s", url, resp.Status)
	}
	var st Stages
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("fixbench: stages: GET %s: %w", url, err)
	}
	return &st, nil
}
