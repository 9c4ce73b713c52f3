// Package ringbench measures one hop between two goroutines: a
// ringbuffer.Ring (one producer, one consumer) for each wait strategy, beside
// a buffered Go channel of the same capacity carrying the same payload (an
// engine.Command, the inbound ring's slot type).
//
// Each transport gets up to two passes (bench.Runs):
//
//   - "<transport>": paced, open loop at Options.Rate (bench.Load): message i
//     is due at start + i/Rate and its latency runs from that intended time
//     to the moment the consumer reads it, so a producer that falls behind is
//     charged (coordinated omission corrected). This is the hop's latency
//     when the consumer is mostly idle, where the wait strategies differ:
//     Spin polls, SpinYield polls and yields, Block parks and must be woken.
//   - "<transport>/burst": the producer sends Count messages back to back.
//     Each slot carries its send time (the producer's clock read just before
//     it commits); the consumer records receive time minus that stamp.
//     Throughput is Count over first send to last receive; the latencies are
//     those of a saturated queue (mostly time spent waiting in a full ring).
//
// Transports are named "channel", "ring-spin", "ring-spin-yield" and
// "ring-block". Both sides read the same monotonic clock.
package ringbench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/ringbuffer"
)

// Options configure a measurement.
type Options struct {
	// Count is the number of messages per pass.
	Count int
	// Rate is the paced pass's rate in messages per second; 0 skips it.
	Rate float64
	// Burst runs the back-to-back pass.
	Burst bool
	// Capacity is the ring's (and the channel's) size in slots: a power of two.
	Capacity int64
	// Waits are the ring's wait strategies to measure, in order.
	Waits []ringbuffer.Wait
	// Channel measures the buffered channel baseline first.
	Channel bool
	// Publisher writes the ring through a ringbuffer.Publisher (the
	// multi-producer path the pipeline's Submit takes: a lock around each
	// claim and publish) instead of the single-writer Reserve/Commit.
	Publisher bool
}

// DefaultOptions: 200k messages, paced at 100k/s and in a burst, through a
// ring of 4096 slots with every wait strategy, beside the channel.
func DefaultOptions() Options {
	return Options{Count: 200_000, Rate: 100_000, Burst: true, Capacity: ringbuffer.DefaultCapacity,
		Waits: []ringbuffer.Wait{ringbuffer.Spin, ringbuffer.SpinYield, ringbuffer.Block}, Channel: true}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	switch {
	case o.Count < 1 || o.Count > bench.MaxOps:
		return fmt.Errorf("ringbench: count must be between 1 and %d, not %d", bench.MaxOps, o.Count)
	case o.Rate < 0 || o.Rate != o.Rate:
		return fmt.Errorf("ringbench: rate must not be negative, not %v", o.Rate)
	case o.Rate == 0 && !o.Burst:
		return errors.New("ringbench: nothing to measure: no rate and no burst pass")
	case o.Capacity < 1 || o.Capacity > ringbuffer.MaxCapacity || o.Capacity&(o.Capacity-1) != 0:
		return fmt.Errorf("ringbench: capacity %d is not a power of two between 1 and %d", o.Capacity, ringbuffer.MaxCapacity)
	case len(o.Waits) == 0 && !o.Channel:
		return errors.New("ringbench: nothing to measure: no wait strategy and no channel")
	}
	return nil
}

// Run measures every transport o names, paced then burst, and returns the
// runs in that order. Progress, if enabled, shows the paced passes.
func Run(ctx context.Context, o Options, progress *bench.Progress) ([]*bench.Run, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var names []string
	var waits []ringbuffer.Wait // 0 for the channel
	if o.Channel {
		names, waits = append(names, "channel"), append(waits, 0)
	}
	for _, w := range o.Waits {
		names, waits = append(names, "ring-"+w.String()), append(waits, w)
	}
	var runs []*bench.Run
	for k, name := range names {
		settings := func(pass string) map[string]string {
			s := map[string]string{
				"pass":          pass,
				"count":         strconv.Itoa(o.Count),
				"capacity":      strconv.FormatInt(o.Capacity, 10),
				"payload_bytes": strconv.Itoa(int(unsafe.Sizeof(engine.Command{}))),
			}
			if waits[k] != 0 {
				s["writer"] = "single (Reserve/Commit)"
				if o.Publisher {
					s["writer"] = "Publisher (locked Claim/Publish)"
				}
			}
			if pass == "paced" {
				s["rate"] = strconv.FormatFloat(o.Rate, 'g', -1, 64)
			}
			return s
		}
		if o.Rate > 0 {
			r, err := paced(ctx, o, waits[k], progress)
			if err != nil {
				return nil, fmt.Errorf("ringbench: %s paced: %w", name, err)
			}
			runs = append(runs, r.Run(name, settings("paced")))
		}
		if o.Burst {
			h, start, d, err := burst(ctx, o, waits[k])
			if err != nil {
				return nil, fmt.Errorf("ringbench: %s burst: %w", name, err)
			}
			runs = append(runs, bench.NewRun(name+"/burst", settings("burst"), h, start, d))
		}
	}
	return runs, nil
}

// transport is one hop: send puts a message in, and the consumer side calls
// the receive hook given to open for each message, on its own goroutine.
type transport struct {
	send  func(seq uint64, stamp int64) error
	close func() error
}

// receiver is called by the consumer for every message, in order.
type receiver interface {
	receive(m *engine.Command)
}

// open starts a transport: the channel when wait is 0, else a ring.
func open(o Options, wait ringbuffer.Wait, rcv receiver) (*transport, error) {
	if wait == 0 {
		ch := make(chan engine.Command, o.Capacity)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for m := range ch {
				rcv.receive(&m)
			}
		}()
		return &transport{
			send: func(seq uint64, stamp int64) error {
				ch <- engine.Command{Seq: seq, Time: stamp}
				return nil
			},
			close: func() error {
				close(ch)
				<-done
				return nil
			},
		}, nil
	}
	r, err := ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: o.Capacity, Wait: wait})
	if err != nil {
		return nil, err
	}
	if err := r.Start([]ringbuffer.Consumer{&ringConsumer{ring: r, rcv: rcv}}); err != nil {
		return nil, err
	}
	if o.Publisher {
		p, err := ringbuffer.NewPublisher(r)
		if err != nil {
			_ = r.Close()
			return nil, err
		}
		return &transport{
			send: func(seq uint64, stamp int64) error {
				q, slot, err := p.Claim()
				if err != nil {
					return err
				}
				slot.Seq, slot.Time = seq, stamp
				return p.Publish(q)
			},
			close: p.Close,
		}, nil
	}
	return &transport{
		send: func(seq uint64, stamp int64) error {
			q, err := r.Reserve(1)
			if err != nil {
				return err
			}
			slot := r.Slot(q)
			slot.Seq, slot.Time = seq, stamp
			return r.Commit(q, q)
		},
		close: r.Close,
	}, nil
}

// ringConsumer hands every slot to the receiver.
type ringConsumer struct {
	ring *ringbuffer.Ring[engine.Command]
	rcv  receiver
}

func (c *ringConsumer) Consume(lower, upper int64) {
	for q := lower; q <= upper; q++ {
		c.rcv.receive(c.ring.Slot(q))
	}
}

// loadReceiver completes message Seq of a Load when it arrives.
type loadReceiver struct{ l *bench.Load }

func (r loadReceiver) receive(m *engine.Command) { r.l.DoneAt(int(m.Seq), r.l.Now()) }

// paced sends o.Count messages at o.Rate through a fresh transport.
func paced(ctx context.Context, o Options, wait ringbuffer.Wait, progress *bench.Progress) (*bench.LoadResult, error) {
	l, err := bench.NewLoad(bench.LoadConfig{Rate: o.Rate, Count: o.Count})
	if err != nil {
		return nil, err
	}
	t, err := open(o, wait, loadReceiver{l})
	if err != nil {
		return nil, err
	}
	res, err := l.Run(ctx, func(i int) error { return t.send(uint64(i), l.Now()) }, progress)
	if cerr := t.close(); err == nil {
		err = cerr
	}
	return res, err
}

// burstReceiver records receive time minus the slot's stamp and signals the
// last message.
type burstReceiver struct {
	base time.Time
	h    *hdrhistogram.Histogram
	last uint64
	end  int64
	done chan struct{}
}

func (r *burstReceiver) receive(m *engine.Command) {
	now := int64(time.Since(r.base))
	bench.Record(r.h, now-m.Time)
	if m.Seq == r.last {
		r.end = now
		close(r.done)
	}
}

// burst sends o.Count messages back to back through a fresh transport. The
// histogram is the consumer's; it is read after the transport is closed.
func burst(ctx context.Context, o Options, wait ringbuffer.Wait) (h *hdrhistogram.Histogram, start time.Time, d time.Duration, err error) {
	base := time.Now()
	rcv := &burstReceiver{base: base, h: bench.NewHistogram(), last: uint64(o.Count - 1), done: make(chan struct{})}
	t, err := open(o, wait, rcv)
	if err != nil {
		return nil, start, 0, err
	}
	start = time.Now()
	first := int64(start.Sub(base))
	for i := range o.Count {
		if i%4096 == 0 && ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		if err = t.send(uint64(i), int64(time.Since(base))); err != nil {
			break
		}
	}
	if err == nil {
		<-rcv.done
	}
	if cerr := t.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, start, 0, err
	}
	return rcv.h, start, time.Duration(rcv.end - first), nil
}
