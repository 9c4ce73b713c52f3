package fixbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/openmatch/matchd/internal/stagehist"
)

// Stages is matchd's GET /debug/stages answer: the server-side latency of each
// stage of an order's trip, in nanoseconds (the wire type lives in stagehist,
// below both the server and this client).
type Stages = stagehist.Report

// Stage is one stage's figures and its full histogram.
type Stage = stagehist.StageReport

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
