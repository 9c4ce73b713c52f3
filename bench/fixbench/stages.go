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

// FetchStages reads GET http://addr/debug/stages, or, when reset is true, POST
// /debug/stages?reset=1, which clears the server's histograms after the read.
// A token, when not empty, is sent as "Authorization: Bearer token" (matchd's
// HTTPToken).
func FetchStages(ctx context.Context, addr, token string, reset bool) (*Stages, error) {
	url, method := "http://"+addr+"/debug/stages", http.MethodGet
	if reset {
		url, method = url+"?reset=1", http.MethodPost
	}
	ctx, cancel := context.WithTimeout(ctx, stagesTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fixbench: stages: %w", err)
	}
	setToken(req, token)
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
		return nil, fmt.Errorf("fixbench: stages: %s %s: %s", method, url, resp.Status)
	}
	var st Stages
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("fixbench: stages: %s %s: %w", method, url, err)
	}
	return &st, nil
}

// setToken adds "Authorization: Bearer token" to req unless token is empty.
func setToken(req *http.Request, token string) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
}
