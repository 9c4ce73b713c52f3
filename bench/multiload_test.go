package bench

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/syncbuf"
)

// Two loads run together share one origin: with offsets 0 and half an
// interval their ops interleave exactly, and the merged result adds up.
func TestRunLoadsInterleavesAndMerges(t *testing.T) {
	const rate, count = 2000, 200
	interval := time.Second / rate
	var loads []*Load
	for k := range 2 {
		l, err := NewLoad(LoadConfig{Rate: rate, Count: count, Offset: time.Duration(k) * interval / 2})
		if err != nil {
			t.Fatal(err)
		}
		loads = append(loads, l)
	}
	res, err := RunLoads(context.Background(), loads, func(k, i int) error {
		loads[k].Done(i)
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range count {
		if d := loads[1].Due(i) - loads[0].Due(i); d != int64(interval/2) {
			t.Fatalf("op %d: load 1 due %dns after load 0, want %v", i, d, interval/2)
		}
	}
	if d := loads[0].Due(1) - loads[0].Due(0); d != int64(interval) {
		t.Errorf("ops of one load %dns apart, want %v", d, interval)
	}
	m := MergeLoadResults(append(res, nil))
	if s := m.Stats; s.Scheduled != 2*count || s.Sent != 2*count || s.Completed != 2*count || s.Lost != 0 || s.TargetRate != 2*rate {
		t.Errorf("merged stats %+v", s)
	}
	if m.Latency.TotalCount() != 2*count || m.Service.TotalCount() != 2*count {
		t.Errorf("merged histograms hold %d and %d values, want %d", m.Latency.TotalCount(), m.Service.TotalCount(), 2*count)
	}
	if !m.Start.Equal(res[0].Start) || !res[1].Start.Equal(res[0].Start.Add(interval/2)) {
		t.Errorf("starts %v %v, merged %v", res[0].Start, res[1].Start, m.Start)
	}
	if want := res[1].Start.Add(res[1].Elapsed).Sub(m.Start); m.Elapsed < want || m.Elapsed < 99*interval {
		t.Errorf("merged elapsed %v, want at least %v", m.Elapsed, want)
	}
}

// A failing send in one load stops the others; the failure, not the
// others' cancellation, is reported.
func TestRunLoadsStopsAllOnError(t *testing.T) {
	var loads []*Load
	for range 2 {
		l, err := NewLoad(LoadConfig{Rate: 1000, Count: 100000})
		if err != nil {
			t.Fatal(err)
		}
		loads = append(loads, l)
	}
	boom := errors.New("boom")
	res, err := RunLoads(context.Background(), loads, func(k, i int) error {
		if k == 1 && i == 5 {
			return boom
		}
		loads[k].Done(i)
		return nil
	}, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "load 1") {
		t.Fatalf("error %v, want load 1's boom", err)
	}
	if res[0] == nil || res[0].Stats.Sent >= 100000 {
		t.Errorf("load 0 was not stopped: %+v", res[0])
	}
	if _, err := RunLoads(context.Background(), loads, nil, nil); err == nil {
		t.Error("RunLoads accepted loads that already ran")
	}
	if _, err := RunLoads(context.Background(), nil, nil, nil); err == nil {
		t.Error("RunLoads accepted no loads")
	}
}

// DoneTime names exactly the ops the server dropped.
func TestDoneTimeNamesLostOps(t *testing.T) {
	l, err := NewLoad(LoadConfig{Rate: 20000, Count: 100, Grace: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewSyntheticServer(SyntheticConfig{DropEvery: 10}, l.Done)
	res, err := l.Run(context.Background(), srv.Send, nil)
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	var lost []int
	for i := range l.Count() {
		if at, ok := l.DoneTime(i); !ok {
			lost = append(lost, i)
		} else if at < l.Due(i) {
			t.Errorf("op %d completed at %d, before it was due at %d", i, at, l.Due(i))
		}
	}
	if len(lost) != 10 || lost[0] != 9 || lost[9] != 99 || res.Stats.Lost != 10 {
		t.Errorf("lost ops %v (stats %+v), want 9, 19, ..., 99", lost, res.Stats)
	}
	if _, ok := l.DoneTime(-1); ok || l.Due(1000) != 0 {
		t.Error("out-of-range ops are not rejected")
	}
}

func TestLoadRejectsNegativeOffset(t *testing.T) {
	if _, err := NewLoad(LoadConfig{Rate: 1, Count: 1, Offset: -time.Second}); err == nil {
		t.Error("negative offset accepted")
	}
}

func TestWatchCounter(t *testing.T) {
	var out syncbuf.Buffer
	p := NewProgress(&out, true)
	p.interval = time.Millisecond
	var done atomic.Int64
	done.Store(42)
	stop := WatchCounter(p, 100, &done)
	for !strings.Contains(out.String(), "sent 42/100") {
		time.Sleep(time.Millisecond)
	}
	stop()
	stop() // idempotent
	s := out.String()
	if !strings.Contains(s, "p99(last 1s) -") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("progress %q: want an unknown p99 shown as - and the line erased at the end", s)
	}
	if stop := WatchCounter(NewProgress(&out, false), 1, &done); stop == nil {
		t.Error("disabled progress returned a nil stop")
	}
}

func TestCountersInTableAndJSON(t *testing.T) {
	r := constRun(t, "fix-ack", 1000, 10)
	r.Counters = map[string]int64{"rejected": 2, "acked": 8}
	var table bytes.Buffer
	if err := WriteTable(&table, []*Run{r}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "# fix-ack: acked=8 rejected=2\n") {
		t.Errorf("table lacks the counters:\n%s", table.String())
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, []*Run{r}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0].Counters) != 2 || got[0].Counters["rejected"] != 2 {
		t.Errorf("counters after the round trip: %v", got[0].Counters)
	}
}
