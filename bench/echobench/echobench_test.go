package echobench

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/bench"
)

func serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// Every message comes back and is counted once, in both runs.
func TestRunEchoesEveryMessage(t *testing.T) {
	o := DefaultOptions()
	o.Addr, o.Rate, o.Count, o.Size = serve(t), 5000, 500, 333
	runs, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Name != "tcp-echo" || runs[1].Name != "client/send_lag" {
		t.Fatalf("runs %v", runs)
	}
	if l := runs[0].Load; runs[0].Count != 500 || l.Completed != 500 || l.Lost != 0 || l.Spurious != 0 {
		t.Errorf("echo run: count %d, load %+v", runs[0].Count, l)
	}
	if runs[1].Count != 500 {
		t.Errorf("send lag counts %d sends", runs[1].Count)
	}
	// An echo can only come back after its message was sent.
	if bench.Summarize(runs[0].Latency).P50 < bench.Summarize(runs[1].Latency).P50 {
		t.Errorf("echo p50 %d below send lag p50 %d", bench.Summarize(runs[0].Latency).P50, bench.Summarize(runs[1].Latency).P50)
	}
}

// A server that swallows messages: the run fails and says how many are missing.
func TestRunReportsMissingEchoes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 1<<16)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}()
	o := DefaultOptions()
	o.Addr, o.Rate, o.Count, o.Grace = ln.Addr().String(), 2000, 50, 100*time.Millisecond
	if _, err := Run(context.Background(), o, nil); err == nil {
		t.Fatal("no error for a server that never answers")
	} else if want := "50 of 50 echoes missing"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q lacks %q", err, want)
	}
}

func TestValidate(t *testing.T) {
	for _, mod := range []func(*Options){
		func(o *Options) { o.Addr = "" },
		func(o *Options) { o.Rate = 0 },
		func(o *Options) { o.Size = 7 },
		func(o *Options) { o.Count, o.Duration = 0, 0 },
		func(o *Options) { o.Spin = -1 },
	} {
		o := DefaultOptions()
		o.Addr = "127.0.0.1:1"
		mod(&o)
		if o.Validate() == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
