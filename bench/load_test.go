package bench

import (
	"bytes"
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

// countAbove is how many recorded values of r's histogram exceed ns.
func countAbove(r *LoadResult, ns int64) int64 {
	var n int64
	for _, b := range r.Latency.Distribution() {
		if b.From > ns {
			n += b.Count
		}
	}
	return n
}

// Against a server that answers in 10µs but stalls once for 100ms, the
// corrected histogram must charge the stall to every op scheduled during it
// (~500 of 3000 at 5000/s, so p99 is tens of ms), while a naive closed-loop
// client sees one slow op and a tiny p99.
func TestCoordinatedOmissionAsyncServer(t *testing.T) {
	const (
		count   = 3000
		rate    = 5000
		stall   = 100 * time.Millisecond
		stallAt = 500
		service = 10 * time.Microsecond
	)
	l, err := NewLoad(LoadConfig{Rate: rate, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewSyntheticServer(SyntheticConfig{Service: service, Stall: stall, StallAt: stallAt, Queue: count}, l.Done)
	res, err := l.Run(context.Background(), srv.Send, nil)
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Stats; s.Sent != count || s.Completed != count || s.Lost != 0 || s.Spurious != 0 {
		t.Fatalf("stats %+v: want all %d sent and completed", s, count)
	}
	corrected := Summarize(res.Latency)

	// The naive closed loop against an identical server.
	answers := make(chan int, 1)
	naiveSrv := NewSyntheticServer(SyntheticConfig{Service: service, Stall: stall, StallAt: stallAt}, func(i int) { answers <- i })
	naive := NewHistogram()
	for i := range count {
		t0 := time.Now()
		if err := naiveSrv.Send(i); err != nil {
			t.Fatal(err)
		}
		<-answers
		Record(naive, int64(time.Since(t0)))
	}
	naiveSrv.Close()
	closed := Summarize(naive)
	t.Logf("corrected: %+v", corrected)
	t.Logf("naive:     %+v", closed)

	if closed.Max < int64(stall) {
		t.Errorf("naive max %s: the closed loop should still have seen the stall once", FormatNs(closed.Max))
	}
	if corrected.P99 < int64(20*time.Millisecond) {
		t.Errorf("corrected p99 %s, want tens of ms: the stall covered ~%d%% of the ops", FormatNs(corrected.P99), 100*int(stall.Seconds()*rate)/count)
	}
	if closed.P99*10 > corrected.P99 {
		t.Errorf("naive p99 %s is not far below corrected p99 %s", FormatNs(closed.P99), FormatNs(corrected.P99))
	}
	// The stall is spread over the ops scheduled during it: about half of
	// the ~500 waited more than 50ms.
	if n := countAbove(res, int64(50*time.Millisecond)); n < 150 {
		t.Errorf("%d ops above 50ms, want ~250 (the ops scheduled in the stall's first half)", n)
	}
}

// When send itself blocks (the client is stuck in the stall), later ops go
// out late; they are still measured from their intended times, and the
// uncorrected service times are the naive view.
func TestCoordinatedOmissionBlockingSend(t *testing.T) {
	const count, rate = 3000, 5000
	l, err := NewLoad(LoadConfig{Rate: rate, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	srv := SyntheticConfig{Service: 10 * time.Microsecond, Stall: 100 * time.Millisecond, StallAt: 500}
	res, err := l.Run(context.Background(), func(i int) error {
		if srv.Serve(i) {
			l.Done(i)
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	corrected, service := Summarize(res.Latency), Summarize(res.Service)
	t.Logf("corrected: %+v, service: %+v, stats: %+v", corrected, service, res.Stats)
	if service.Max < int64(100*time.Millisecond) {
		t.Errorf("service max %s, want >= the 100ms stall", FormatNs(service.Max))
	}
	if corrected.P99 < int64(20*time.Millisecond) || service.P99*10 > corrected.P99 {
		t.Errorf("corrected p99 %s, service p99 %s: want tens of ms vs far less", FormatNs(corrected.P99), FormatNs(service.P99))
	}
	// ~500 ops were due during the stall and went out late.
	if res.Stats.Late < 300 || res.Stats.MaxLagNs < int64(90*time.Millisecond) {
		t.Errorf("late %d, max lag %s: want hundreds of late ops and a lag near the stall", res.Stats.Late, FormatNs(res.Stats.MaxLagNs))
	}
	if res.Stats.Completed != count {
		t.Errorf("completed %d of %d", res.Stats.Completed, count)
	}
}

func TestLostAndSpuriousCompletions(t *testing.T) {
	const count = 1000
	l, err := NewLoad(LoadConfig{Rate: 100_000, Count: count, Grace: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewSyntheticServer(SyntheticConfig{DropEvery: 100, Queue: count}, l.Done)
	res, err := l.Run(context.Background(), func(i int) error {
		if i == 3 {
			l.Done(-1)        // unknown op
			l.Done(count + 5) // unknown op
			l.Done(10)        // not sent yet
		}
		if i == 900 {
			l.Done(0) // op 0 completed long ago: duplicate
		}
		return srv.Send(i)
	}, nil)
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := LoadStats{TargetRate: 100_000, Scheduled: count, Sent: count, Completed: count - 10, Lost: 10, Spurious: 4}
	got := res.Stats
	got.Late, got.MaxLagNs = 0, 0 // depend on the machine
	if got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if res.Latency.TotalCount() != count-10 || res.Service.TotalCount() != count-10 {
		t.Errorf("histograms hold %d and %d ops, want %d completed", res.Latency.TotalCount(), res.Service.TotalCount(), count-10)
	}
	l.Done(5) // after the end
	if l.spurious.Load() != 5 {
		t.Errorf("a completion after the end was not counted as spurious")
	}
	run := res.Run("lossy", nil)
	var out bytes.Buffer
	if err := WriteTable(&out, []*Run{run}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "WARNING lossy: 10 ops lost") {
		t.Errorf("table does not warn about lost ops:\n%s", out.String())
	}
}

func TestLoadStopsOnErrorAndCancel(t *testing.T) {
	l, _ := NewLoad(LoadConfig{Rate: 1e6, Count: 100})
	boom := errors.New("boom")
	res, err := l.Run(context.Background(), func(i int) error {
		if i == 7 {
			return boom
		}
		l.Done(i)
		return nil
	}, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "bench: send of op 7") {
		t.Errorf("error %v, want the send error for op 7", err)
	}
	if res == nil || res.Stats.Sent != 8 || res.Stats.Completed != 7 || res.Stats.Lost != 1 {
		t.Errorf("result %+v: want 8 sent, 7 completed, 1 lost", res)
	}
	if _, err := l.Run(context.Background(), func(int) error { return nil }, nil); err == nil {
		t.Error("second Run of a Load: no error")
	}

	ctx, cancel := context.WithCancel(context.Background())
	l, _ = NewLoad(LoadConfig{Rate: 1e6, Count: 100})
	res, err = l.Run(ctx, func(i int) error {
		l.Done(i)
		if i == 50 {
			cancel()
		}
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) || res.Stats.Sent != 51 || res.Stats.Completed != 51 {
		t.Errorf("canceled run: %v, %+v; want context.Canceled after 51 ops", err, res.Stats)
	}
}

func TestLoadConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  LoadConfig
		ok   bool
	}{
		{"count", LoadConfig{Rate: 1000, Count: 10}, true},
		{"duration", LoadConfig{Rate: 1000, Duration: time.Second}, true},
		{"zero rate", LoadConfig{Count: 10}, false},
		{"negative rate", LoadConfig{Rate: -1, Count: 10}, false},
		{"infinite rate", LoadConfig{Rate: math.Inf(1), Count: 10}, false},
		{"NaN rate", LoadConfig{Rate: math.NaN(), Count: 10}, false},
		{"no ops", LoadConfig{Rate: 10, Duration: time.Millisecond}, false},
		{"negative count", LoadConfig{Rate: 10, Count: -1}, false},
		{"too many", LoadConfig{Rate: 1e9, Duration: time.Hour}, false},
		{"too many by count", LoadConfig{Rate: 1e9, Count: MaxOps + 1}, false},
	} {
		l, err := NewLoad(c.cfg)
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "bench: ") {
			t.Errorf("%s: error %q lacks the package prefix", c.name, err)
		}
		if c.name == "duration" && l.Count() != 1000 {
			t.Errorf("1000/s for 1s: %d ops", l.Count())
		}
	}
	l, _ := NewLoad(LoadConfig{Rate: 1000, Count: 1})
	if c := l.Config(); c.Grace != time.Second || c.LateAfter != time.Millisecond {
		t.Errorf("defaults at 1000/s: grace %v, late-after %v; want 1s, 1ms", c.Grace, c.LateAfter)
	}
	l, _ = NewLoad(LoadConfig{Rate: 1e7, Count: 1})
	if c := l.Config(); c.LateAfter != 10*time.Microsecond {
		t.Errorf("late-after at 10M/s: %v, want the 10µs floor", c.LateAfter)
	}
}

func TestDoneAllocatesNothing(t *testing.T) {
	l, _ := NewLoad(LoadConfig{Rate: 1000, Count: 1000})
	l.sent.Store(1000)
	i := 0
	if a := testing.AllocsPerRun(500, func() { l.Done(i); i++ }); a != 0 {
		t.Errorf("Done allocates %v times per call", a)
	}
}

// The send loop allocates nothing per op: 100x the ops cost no more
// allocations (the result's two histograms are fixed costs).
func TestRunAllocationsDoNotGrowWithOps(t *testing.T) {
	mallocs := func(n int) uint64 {
		l, err := NewLoad(LoadConfig{Rate: 2e6, Count: n})
		if err != nil {
			t.Fatal(err)
		}
		send := func(i int) error { l.Done(i); return nil }
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := l.Run(context.Background(), send, nil); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	small, large := mallocs(100), mallocs(10_000)
	if large > small+50 {
		t.Errorf("Run allocated %d times for 100 ops and %d for 10000", small, large)
	}
}

func TestStatusCountsOutstandingOps(t *testing.T) {
	l, _ := NewLoad(LoadConfig{Rate: 1000, Count: 100}) // op i due at i ms
	l.start = 1_000_000
	l.sent.Store(100)
	for i := range 100 {
		if i != 50 && i != 60 {
			l.done[i].Store(l.start + l.intended[i] + 10_000) // 10µs each
		}
	}
	now := l.start + int64(100*time.Millisecond)
	s := l.status(NewHistogram(), now)
	// Sorted: 98 x 10µs, then op 60 (40ms old), then op 50 (50ms old); the
	// 99th is 40ms.
	if !within(s.P99, int64(40*time.Millisecond)) || s.Sent != 100 || s.Total != 100 {
		t.Errorf("status %+v, want p99 40ms from the outstanding op 60", s)
	}
	// A second later the window holds none of these ops.
	if s := l.status(NewHistogram(), now+int64(2*time.Second)); s.P99 != 0 {
		t.Errorf("p99 over an empty window = %d, want 0", s.P99)
	}
}

func TestRunDrivesProgress(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, true)
	p.interval = 10 * time.Millisecond
	l, _ := NewLoad(LoadConfig{Rate: 2000, Count: 200}) // 100ms
	if _, err := l.Run(context.Background(), func(i int) error { l.Done(i); return nil }, p); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "sent ") || !strings.Contains(s, "/200  rate ") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("progress output %q: want status lines ending with an erased line", s)
	}
}

func BenchmarkDone(b *testing.B) {
	l, _ := NewLoad(LoadConfig{Rate: 1000, Count: max(b.N, 1)})
	l.sent.Store(int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		l.Done(i)
	}
}

// BenchmarkLoadRun measures the sender's overhead per op at a rate it
// cannot reach, with synchronous completion.
func BenchmarkLoadRun(b *testing.B) {
	l, _ := NewLoad(LoadConfig{Rate: 1e9, Count: max(b.N, 1)})
	send := func(i int) error { l.Done(i); return nil }
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := l.Run(context.Background(), send, nil); err != nil {
		b.Fatal(err)
	}
}
