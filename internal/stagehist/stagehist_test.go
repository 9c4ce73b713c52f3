package stagehist

import (
	"sync"
	"testing"
	"time"
)

func TestRecordClampCopyReset(t *testing.T) {
	h := New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				h.Record(int64(g*1000 + i + 1))
			}
		}()
	}
	wg.Wait()
	h.Lock()
	h.RecordLocked(-5)                   // clock stepped back: counts as 0
	h.RecordLocked(int64(2 * time.Hour)) // past the range: counts as a minute
	h.Unlock()
	c := h.Copy("s", true)
	if c.Name != "s" || c.Hist.TotalCount() != 4002 || c.Hist.Min() != 0 || c.Hist.Max() < int64(59*time.Second) {
		t.Fatalf("copy %s: count %d min %d max %d", c.Name, c.Hist.TotalCount(), c.Hist.Min(), c.Hist.Max())
	}
	if v := c.Hist.ValueAtQuantile(50); v < 1990 || v > 2010 {
		t.Errorf("p50 %d, want ~2000", v)
	}
	if n := h.Copy("s", false).Hist.TotalCount(); n != 0 {
		t.Errorf("%d values after reset", n)
	}
	c.Hist.RecordValue(7) // a copy is independent of the stage's histogram
	if n := h.Copy("s", false).Hist.TotalCount(); n != 0 {
		t.Errorf("copy shares storage: %d values", n)
	}
}
