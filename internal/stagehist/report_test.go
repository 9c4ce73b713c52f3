package stagehist

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReportRoundTrip(t *testing.T) {
	body, err := json.Marshal(NewReport(nil))
	if err != nil || string(body) != `{"stages":[]}` {
		t.Fatalf("empty report = %s, %v; want stages [] (not null)", body, err)
	}

	h := New()
	for v := int64(1); v <= 1000; v++ {
		h.Record(v * 1000)
	}
	body, err = json.Marshal(NewReport([]Latency{h.Copy("a", false)}))
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(body, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Stages) != 1 {
		t.Fatalf("stages %+v", back.Stages)
	}
	s := back.Stages[0]
	if s.Name != "a" || s.Count != 1000 || s.P50 > s.P99 || s.P99 > s.Max || s.Max < 999_000 {
		t.Fatalf("stage %+v", s)
	}
	dec, err := s.Histogram()
	if err != nil || dec.TotalCount() != s.Count || dec.Max() != s.Max {
		t.Fatalf("Histogram() = %v (count %d, max %d), want count %d, max %d", err, dec.TotalCount(), dec.Max(), s.Count, s.Max)
	}
}

func TestReportHistogramErrors(t *testing.T) {
	for _, tc := range []struct {
		hdr, want string
	}{
		{"", `stagehist: stage "x" has no histogram`},
		{"!!!", `stagehist: stage "x": decoding histogram`},
	} {
		s := StageReport{Name: "x", Hdr: tc.hdr}
		if _, err := s.Histogram(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Histogram() of Hdr %q = %v, want %q", tc.hdr, err, tc.want)
		}
	}
}
