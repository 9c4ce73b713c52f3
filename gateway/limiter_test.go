package gateway

import (
	"testing"
	"time"
)

// chunk is n messages that FromApp sees at time at (ns), back to back.
type chunk struct {
	at int64
	n  int
}

// chunked returns count chunks of size messages, one every period from 0, as
// the server sees them when it stalls: a chunk that arrives during a stall
// [start, start+length) is read when the stall ends.
func chunked(count, size int, period time.Duration, stalls ...[2]time.Duration) []chunk {
	var out []chunk
	for i := 0; i < count; i++ {
		at := time.Duration(i) * period
		for _, s := range stalls {
			if at >= s[0] && at < s[0]+s[1] {
				at = s[0] + s[1]
			}
		}
		out = append(out, chunk{at: int64(at), n: size})
	}
	return out
}

// drive feeds the chunks to a limiter with the interval and tau the gateway
// derives from opts, on a fake clock, and returns how many messages it let
// through: in all, and those at or after time from.
func drive(opts Options, chunks []chunk, from time.Duration) (allowed, allowedFrom, refused int) {
	o := opts.withDefaults()
	var l limiter
	l.interval, l.tau = limiterParams(o.RatePerSecond, o.RateBurst)
	const epoch = int64(time.Hour) // the gateway's clock starts well above 0
	for _, c := range chunks {
		for i := 0; i < c.n; i++ {
			if l.allow(epoch + c.at) {
				allowed++
				if c.at >= int64(from) {
					allowedFrom++
				}
			} else {
				refused++
			}
		}
	}
	return
}

// TestRateBurstDefault: with the default burst (one second's worth), a session
// that stays under the limit is never refused, although it sends in chunks and
// the server reads them with stalls: the report's pattern, 12,000 orders at
// 4000/s in 400-message chunks under a 5000/s limit, with two stalls of 150 ms
// (two chunks read at once) and one of a second (ten). A tenth of a second's
// worth, the former default, refuses thousands of them. A session above the
// limit is still held to it once its bucket is empty.
func TestRateBurstDefault(t *testing.T) {
	const ms = time.Millisecond
	report := chunked(30, 400, 100*ms, [2]time.Duration{450 * ms, 150 * ms},
		[2]time.Duration{1450 * ms, 150 * ms}, [2]time.Duration{1950 * ms, time.Second})
	if o := (Options{}).withDefaults(); o.RatePerSecond != 5000 || o.RateBurst != 5000 {
		t.Errorf("defaults: RatePerSecond %d RateBurst %d, want 5000 and 5000", o.RatePerSecond, o.RateBurst)
	}
	if ok, _, refused := drive(Options{}, chunked(30, 400, 100*ms), 0); ok != 12000 || refused != 0 {
		t.Errorf("400-message chunks at 4000/s, no stall: %d allowed, %d refused", ok, refused)
	}
	if ok, _, refused := drive(Options{}, report, 0); ok != 12000 || refused != 0 {
		t.Errorf("400-message chunks at 4000/s with stalls: %d allowed, %d refused; want all 12000", ok, refused)
	}
	if _, _, refused := drive(Options{RateBurst: 500}, report, 0); refused < 3000 {
		t.Errorf("with RateBurst 500 the same pattern lost only %d orders: the scenario does not exercise the burst", refused)
	}

	// 6000/s for 10 s: the bucket (5000) lasts about 5 s, then 1000/s are refused
	// and the session gets the limit, 5000/s.
	ok, last2s, refused := drive(Options{}, chunked(100, 600, 100*ms), 8*time.Second)
	if refused < 4000 || ok > 5000+10*5000 {
		t.Errorf("6000/s for 10 s: %d allowed, %d refused; want at most the burst plus 10 s at the limit", ok, refused)
	}
	if last2s < 2*5000-600 || last2s > 2*5000+20 {
		t.Errorf("6000/s: %d allowed in the last 2 s, want the limit's 10000", last2s)
	}
}
