package fixbench

import (
	"strings"
	"testing"
)

// TestStuckSessions: the stuck sessions log on, send orders and read
// nothing, and the load's sessions still get every order acknowledged; the
// result says what the stuck ones sent.
func TestStuckSessions(t *testing.T) {
	s := startServer(t, 0)
	o := opts(s, "STK")
	o.StuckSessions, o.StuckRate = 2, 500
	res := run(t, o)
	if c := res.Ack.Counters; c[CounterAcked] != 400 || c[CounterLost] != 0 {
		t.Fatalf("counters %v", c)
	}
	if res.StuckSessions != 2 || res.StuckSent == 0 {
		t.Fatalf("stuck sessions %d sent %d", res.StuckSessions, res.StuckSent)
	}
	if got := s.gw.Counters.OrdersIn.Load(); got < 400+uint64(res.StuckSent)/2 {
		t.Fatalf("the server took %d orders, the load sent 400 and the stuck sessions %d", got, res.StuckSent)
	}
}

func TestStuckSessionsOptions(t *testing.T) {
	o := DefaultOptions()
	for _, c := range []struct {
		n    int
		rate float64
		want string
	}{{-1, 1, "stuck sessions"}, {101, 1, "stuck sessions"}, {1, 0, "stuck rate"}, {1, 2e6, "stuck rate"}} {
		o.StuckSessions, o.StuckRate = c.n, c.rate
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("StuckSessions %d rate %v: %v", c.n, c.rate, err)
		}
	}
	o.StuckSessions, o.StuckRate = 1, 100
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}
