package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/openmatch/matchd/bench"
	"github.com/openmatch/matchd/bench/echobench"
)

// echoArgs are the parsed arguments of "bench echo".
type echoArgs struct {
	opt   echobench.Options
	serve string // run the echo server at this address instead
	out   bench.Output
	prof  profile
}

func parseEcho(args []string, stderr io.Writer) (echoArgs, error) {
	a := echoArgs{opt: echobench.DefaultOptions()}
	fs := newFlagSet("echo", stderr)
	fs.StringVar(&a.opt.Addr, "addr", "", "echo server `host:port` (default: start one in a child process)")
	fs.StringVar(&a.serve, "serve", "", "run only the echo server, at `host:port`, until interrupted")
	fs.Float64Var(&a.opt.Rate, "rate", a.opt.Rate, "`messages` per second (open loop)")
	fs.DurationVar(&a.opt.Duration, "duration", a.opt.Duration, "length of the schedule when -count is 0")
	fs.IntVar(&a.opt.Count, "count", 0, "`messages` to send (default: rate x duration)")
	fs.IntVar(&a.opt.Size, "size", a.opt.Size, "message size in `bytes`")
	fs.DurationVar(&a.opt.Spin, "spin", 0, "the sender yields in a loop from this long before a send time instead of sleeping (see bench fix -spin)")
	if err := parseMeasurement(fs, args, &a.out, &a.prof); err != nil {
		return a, err
	}
	if a.serve != "" {
		return a, nil
	}
	o := a.opt
	if o.Addr == "" {
		o.Addr = "child" // the child echo server's address is known once it runs
	}
	if err := o.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	return a, nil
}

func runEcho(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseEcho(args, stderr)
	if err != nil {
		return err
	}
	if a.serve != "" {
		ln, err := net.Listen("tcp", a.serve)
		if err != nil {
			return err
		}
		// The first line is the address: the parent reads it.
		fmt.Fprintln(stdout, ln.Addr().String())
		return echobench.Serve(ctx, ln)
	}
	if a.opt.Addr == "" {
		addr, stop, err := startEchoChild(ctx, stderr)
		if err != nil {
			return err
		}
		defer stop()
		a.opt.Addr = addr
	}
	var runs []*bench.Run
	if err := a.prof.run(func() (err error) {
		runs, err = echobench.Run(ctx, a.opt, progressFor(stderr))
		return err
	}); err != nil {
		return err
	}
	return writeRuns(&a.out, stdout, stderr, runs, nil)
}

// startEchoChild runs this executable as "bench echo -serve 127.0.0.1:0" and
// returns the address it listens on, and a function that stops it.
func startEchoChild(ctx context.Context, stderr io.Writer) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("bench echo: cannot find this executable to start the echo server: %w (use -addr)", err)
	}
	cmd := exec.CommandContext(ctx, exe, "echo", "-serve", "127.0.0.1:0")
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("bench echo: starting the echo server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case addr := <-line:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			stop()
			return "", nil, fmt.Errorf("bench echo: the echo server said %q, not its address", addr)
		}
		return addr, stop, nil
	case <-time.After(10 * time.Second):
		stop()
		return "", nil, errors.New("bench echo: the echo server did not start within 10s")
	}
}
