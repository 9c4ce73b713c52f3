package bench

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// closedRun runs a closed-loop load against a synthetic server and returns the
// result and the most ops that were ever in flight at once.
func closedRun(t *testing.T, cfg LoadConfig, srvCfg SyntheticConfig) (*Load, *LoadResult, int64) {
	t.Helper()
	l, err := NewLoad(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var inFlight, most atomic.Int64
	srv := NewSyntheticServer(srvCfg, func(i int) {
		inFlight.Add(-1)
		l.Done(i)
	})
	res, err := l.Run(context.Background(), func(i int) error {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return srv.Send(i)
	}, nil)
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	return l, res, most.Load()
}

// With InFlight N, never more than N ops are outstanding, the window is used,
// and against a one-at-a-time server each op waits for the N-1 before it: its
// latency is about N services, the throughput at most one per service.
func TestClosedLoopInFlight(t *testing.T) {
	const service = 200 * time.Microsecond
	for _, n := range []int{1, 3} {
		const count = 200
		// The server stalls before its first answer, so the window fills
		// however slowly the sender runs.
		l, res, most := closedRun(t, LoadConfig{Rate: 1e6, Count: count, InFlight: n},
			SyntheticConfig{Service: service, Stall: 50 * time.Millisecond, StallAt: 0})
		s := res.Stats
		if s.Sent != count || s.Completed != count || s.Scheduled != count || s.InFlight != n || s.Stalled != 0 {
			t.Fatalf("in flight %d: stats %+v", n, s)
		}
		if most != int64(n) {
			t.Fatalf("in flight %d: at most %d ops were outstanding", n, most)
		}
		if p50 := res.Latency.ValueAtQuantile(50); p50 < int64(n)*int64(service)*9/10 {
			t.Errorf("in flight %d: p50 %s, want about %d services of %v", n, FormatNs(p50), n, service)
		}
		if res.Elapsed < count*service {
			t.Errorf("in flight %d: %d ops in %v, faster than the server serves them", n, count, res.Elapsed)
		}
		// Intended times follow the answers: non-decreasing, and op i is not
		// due before op i-n completed.
		for i := 1; i < count; i++ {
			if l.Due(i) < l.Due(i-1) {
				t.Fatalf("in flight %d: op %d due before op %d", n, i, i-1)
			}
			if i >= n {
				if d, _ := l.DoneTime(i - n); l.Due(i) < d {
					t.Fatalf("in flight %d: op %d due at %d, before op %d completed at %d", n, i, l.Due(i), i-n, d)
				}
			}
		}
	}
}

// Duration ends a closed loop's sending; Count is only the most it may send.
func TestClosedLoopDuration(t *testing.T) {
	const dur = 30 * time.Millisecond
	l, res, _ := closedRun(t, LoadConfig{Rate: 1e6, Count: 1_000_000, Duration: dur, InFlight: 1},
		SyntheticConfig{Service: 100 * time.Microsecond})
	s := res.Stats
	if s.Sent < 1 || s.Sent >= 1_000_000 || s.Scheduled != s.Sent || s.Completed != s.Sent {
		t.Fatalf("stats %+v: want sending to end with the duration, every op answered", s)
	}
	if last := l.Due(int(s.Sent-1)) - l.Due(0); last >= int64(dur) {
		t.Fatalf("op %d was due %v after the first, beyond the duration %v", s.Sent-1, time.Duration(last), dur)
	}
}

// An op that is never answered stops a closed loop after Grace: what was sent
// is reported, the unanswered op as lost, and the run is marked stalled.
func TestClosedLoopStall(t *testing.T) {
	_, res, _ := closedRun(t, LoadConfig{Rate: 1e6, Count: 100, InFlight: 1, Grace: 20 * time.Millisecond},
		SyntheticConfig{DropEvery: 10})
	if s := res.Stats; s.Sent != 10 || s.Completed != 9 || s.Lost != 1 || s.Stalled != 1 {
		t.Fatalf("stats %+v: want op 9 sent and lost, then a stall", s)
	}
	var buf strings.Builder
	if err := WriteTable(&buf, []*Run{res.Run("closed", nil)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# closed: closed loop, 1 in flight, at most 1.00M/s: scheduled 10, sent 10, completed 9, lost 1",
		"# WARNING closed: the closed loop stopped early"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}

// Canceling the context while the sender waits for an answer stops the run.
func TestClosedLoopCancel(t *testing.T) {
	l, err := NewLoad(LoadConfig{Rate: 1e6, Count: 10, InFlight: 1, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res, err := l.Run(ctx, func(i int) error {
		if i == 0 {
			time.AfterFunc(10*time.Millisecond, cancel) // op 0 is never answered
		}
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) || res.Stats.Sent != 1 {
		t.Fatalf("err %v, stats %+v: want cancellation after op 0", err, res.Stats)
	}
}
