// Package echobench measures the floor a machine puts under any network
// server's latency: an open-loop, coordinated-omission-correct load of
// fixed-size messages over one loopback TCP connection to an echo server in
// another process, which does nothing but write each message back. No FIX, no
// matching: what remains is the kernel's loopback, two processes' wake-ups and
// the Go runtime's network poller, paid by every round trip `bench fix`
// measures as well. On a VM whose idle vCPUs are slow to wake, it is most of a
// low-rate round trip (see README, Performance).
//
// The sender and the pacing are bench.Load's, as in bench fix; the echo server
// is Serve, run by `bench echo` in a child process of its own.
package echobench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/openmatch/matchd/bench"
)

// Options of a run.
type Options struct {
	// Addr is the echo server's host:port.
	Addr string
	// Rate in messages per second (open loop).
	Rate float64
	// Count of messages; if 0, Rate x Duration.
	Count int
	// Duration of the schedule when Count is 0.
	Duration time.Duration
	// Size of each message in bytes (at least 8: the message's index).
	Size int
	// Spin is the sender's spin window (bench.LoadConfig.SpinWindow).
	Spin time.Duration
	// Grace is how long to wait for echoes after the last send.
	Grace time.Duration
}

// DefaultOptions: 10k messages/s for 5 s, 200 bytes each (a FIX order's size).
func DefaultOptions() Options {
	return Options{Rate: 10_000, Duration: 5 * time.Second, Size: 200, Grace: 2 * time.Second}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	switch {
	case o.Addr == "":
		return errors.New("echobench: no echo server address")
	case !(o.Rate > 0) || o.Rate > 1e8:
		return fmt.Errorf("echobench: rate must be positive, not %v", o.Rate)
	case o.Count < 0 || o.Duration < 0 || (o.Count == 0 && o.Duration == 0):
		return errors.New("echobench: give a positive count or duration")
	case o.Size < 8 || o.Size > 64<<10:
		return fmt.Errorf("echobench: size must be between 8 and 65536 bytes, not %d", o.Size)
	case o.Spin < 0 || o.Grace <= 0:
		return errors.New("echobench: spin must not be negative and grace must be positive")
	}
	return nil
}

// Run connects to the echo server, sends the load and returns two runs:
// "tcp-echo" (intended send -> echo received) and "client/send_lag".
func Run(ctx context.Context, o Options, progress *bench.Progress) ([]*bench.Run, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	l, err := bench.NewLoad(bench.LoadConfig{Rate: o.Rate, Count: o.Count, Duration: o.Duration, Grace: o.Grace, SpinWindow: o.Spin})
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("echobench: %w", err)
	}
	defer conn.Close()

	readErr := make(chan error, 1)
	go func() {
		buf := make([]byte, o.Size)
		for {
			if _, err := io.ReadFull(conn, buf); err != nil {
				readErr <- err
				return
			}
			l.Done(int(binary.LittleEndian.Uint64(buf)))
		}
	}()
	msg := make([]byte, o.Size)
	res, err := l.Run(ctx, func(i int) error {
		binary.LittleEndian.PutUint64(msg, uint64(i))
		_, err := conn.Write(msg)
		return err
	}, progress)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("echobench: %w", err)
	}
	if e := <-readErr; res.Stats.Lost > 0 {
		return nil, fmt.Errorf("echobench: %d of %d echoes missing (reader: %v)", res.Stats.Lost, res.Stats.Sent, e)
	}
	settings := map[string]string{"target": o.Addr, "size": strconv.Itoa(o.Size), "rate": strconv.FormatFloat(o.Rate, 'g', -1, 64),
		"measures": "intended send -> echo received, one TCP connection"}
	lag := bench.NewRun("client/send_lag", map[string]string{"measures": "actual - intended send time (part of tcp-echo)", "spin": o.Spin.String()},
		res.SendLag, res.Start, res.Elapsed)
	return []*bench.Run{res.Run("tcp-echo", settings), lag}, nil
}

// Serve echoes every connection accepted on ln until ctx ends or ln fails,
// one goroutine per connection reading into a buffer and writing back what
// it read.
func Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}
