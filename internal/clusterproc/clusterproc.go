// Package clusterproc runs matchd nodes as child processes on this machine,
// for the cluster failover test (internal/clusterproc's tests) and `bench
// cluster`: it builds cmd/matchd, writes each node's settings file (free
// loopback ports for FIX, raft and HTTP; one data directory each; the listed
// sessions a cluster requires), starts, kills (SIGKILL) and stops (SIGTERM)
// the processes, and reads GET /cluster. A single node (Nodes 1) runs
// without Peers, as matchd alone.
package clusterproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build builds cmd/matchd into dir and returns the binary's path. The go
// tool must be on PATH (ErrNoGo otherwise) and the working directory inside
// the matchd module.
func Build(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", ErrNoGo
	}
	bin := filepath.Join(dir, "matchd")
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/openmatch/matchd/cmd/matchd").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("clusterproc: go build cmd/matchd: %v\n%s", err, out)
	}
	return bin, nil
}

// ErrNoGo is Build's error when the go tool is not on PATH.
var ErrNoGo = errors.New("clusterproc: no go tool on PATH to build matchd")

// Options describe the nodes to run.
type Options struct {
	// Bin is the matchd binary (Build).
	Bin string
	// Dir holds each node's settings file, data directory and log.
	Dir string
	// Nodes is 1 (matchd alone, no Peers) or the cluster's size.
	Nodes int
	// Sessions are the listed sessions' TargetCompIDs (the clients'
	// SenderCompIDs), the same on every node.
	Sessions []string
	// Symbols is the Symbols value (default AAPL:0.01,MSFT:0.01).
	Symbols string
	// Durability is the journal policy (default batch).
	Durability string
	// Extra lines go into [DEFAULT] (e.g. "LogLevel=warn").
	Extra []string
}

// Node is one matchd process.
type Node struct {
	// ID is the raft NodeID (1 alone).
	ID uint64
	// FIX, Raft and HTTP are the node's host:port.
	FIX, Raft, HTTP string
	// Data is the data directory, Config the settings file, Log the file
	// receiving the process's stderr.
	Data, Config, Log string
	bin               string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit, once done is closed
}

// Cluster is the nodes of one run.
type Cluster struct {
	Nodes []*Node
}

// freeAddr returns a loopback host:port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// New writes the nodes' settings files (it starts nothing).
func New(o Options) (*Cluster, error) {
	if o.Nodes < 1 || len(o.Sessions) == 0 || o.Bin == "" || o.Dir == "" {
		return nil, errors.New("clusterproc: need a binary, a directory, at least one node and one session")
	}
	if o.Symbols == "" {
		o.Symbols = "AAPL:0.01,MSFT:0.01"
	}
	if o.Durability == "" {
		o.Durability = "batch"
	}
	c := &Cluster{}
	var peers []string
	for i := 1; i <= o.Nodes; i++ {
		n := &Node{ID: uint64(i), bin: o.Bin}
		for _, p := range []*string{&n.FIX, &n.Raft, &n.HTTP} {
			a, err := freeAddr()
			if err != nil {
				return nil, err
			}
			*p = a
		}
		name := "node" + strconv.Itoa(i)
		n.Data = filepath.Join(o.Dir, name, "data")
		n.Config = filepath.Join(o.Dir, name, "matchd.cfg")
		n.Log = filepath.Join(o.Dir, name, "matchd.log")
		if err := os.MkdirAll(filepath.Dir(n.Config), 0o755); err != nil {
			return nil, err
		}
		peers = append(peers, strconv.Itoa(i)+"@"+n.Raft)
		c.Nodes = append(c.Nodes, n)
	}
	for _, n := range c.Nodes {
		_, port, _ := net.SplitHostPort(n.FIX)
		var b strings.Builder
		b.WriteString("[DEFAULT]\nSenderCompID=ENGINE\nSocketAcceptHost=127.0.0.1\nSocketAcceptPort=" + port +
			"\nDynamicSessions=N\nResetOnLogon=N\nDataDir=" + n.Data + "\nSymbols=" + o.Symbols +
			"\nDurability=" + o.Durability + "\nMetricsAddr=" + n.HTTP + "\n")
		if o.Nodes > 1 {
			fmt.Fprintf(&b, "NodeID=%d\nPeers=%s\n", n.ID, strings.Join(peers, ","))
		}
		for _, l := range o.Extra {
			b.WriteString(l + "\n")
		}
		for _, s := range o.Sessions {
			b.WriteString("[SESSION]\nBeginString=FIX.4.4\nTargetCompID=" + s + "\n")
		}
		if err := os.WriteFile(n.Config, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Start starts the node's process (its stderr appended to Log).
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return fmt.Errorf("clusterproc: node %d already running", n.ID)
	}
	logf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.bin, "-config", n.Config)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("clusterproc: node %d: %w", n.ID, err)
	}
	n.cmd, n.done = cmd, make(chan struct{})
	go func(done chan struct{}) {
		err := cmd.Wait()
		logf.Close()
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		close(done)
	}(n.done)
	return nil
}

// Running reports whether the node's process was started and has not exited.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// signal sends sig and waits up to wait for the exit; it returns the exit
// error (nil for exit 0).
func (n *Node) signal(sig syscall.Signal, wait time.Duration) error {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("clusterproc: node %d did not exit within %v of %v: killed", n.ID, wait, sig)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cmd = nil
	return n.err
}

// Kill kills the process with SIGKILL and waits for it.
func (n *Node) Kill() { _ = n.signal(syscall.SIGKILL, 10*time.Second) }

// Stop shuts the node down with SIGTERM; an exit status other than 0 is an
// error.
func (n *Node) Stop() error {
	if err := n.signal(syscall.SIGTERM, 20*time.Second); err != nil {
		return fmt.Errorf("clusterproc: node %d: %w", n.ID, err)
	}
	return nil
}

// Stop stops every running node (errors joined).
func (c *Cluster) Stop() error {
	var errs []error
	for _, n := range c.Nodes {
		errs = append(errs, n.Stop())
	}
	return errors.Join(errs...)
}

// Kill kills every running node.
func (c *Cluster) Kill() {
	for _, n := range c.Nodes {
		n.Kill()
	}
}

// Status is what GET /cluster says (the fields used here).
type Status struct {
	Enabled   bool   `json:"enabled"`
	Node      uint64 `json:"node"`
	Term      uint64 `json:"term"`
	Leader    uint64 `json:"leader"`
	LeaderFIX string `json:"leader_fix"`
	Local     bool   `json:"local"`
	Serving   bool   `json:"serving"`
	Commit    uint64 `json:"commit"`
	Applied   uint64 `json:"applied"`
	FIX       string `json:"fix"`
	Sessions  int    `json:"sessions"`
}

var httpClient = &http.Client{Timeout: time.Second}

// Status reads the node's GET /cluster.
func (n *Node) Status(ctx context.Context) (Status, error) {
	var st Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.HTTP+"/cluster", nil)
	if err != nil {
		return st, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("clusterproc: node %d: GET /cluster: %s", n.ID, resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// WaitLeader polls the running nodes until one is the serving leader and
// returns it, or fails at ctx's end.
func (c *Cluster) WaitLeader(ctx context.Context) (*Node, error) {
	for {
		for _, n := range c.Nodes {
			if !n.Running() {
				continue
			}
			if st, err := n.Status(ctx); err == nil && st.Serving {
				return n, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("clusterproc: no serving leader: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitCaughtUp polls until every running node has applied at least the
// serving leader's commit index as it was at the first poll, or fails at
// ctx's end.
func (c *Cluster) WaitCaughtUp(ctx context.Context, leader *Node) error {
	ls, err := leader.Status(ctx)
	if err != nil {
		return err
	}
	for _, n := range c.Nodes {
		for n.Running() {
			st, err := n.Status(ctx)
			if err == nil && st.Applied >= ls.Commit {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("clusterproc: node %d did not catch up with commit %d (status %+v, %v): %w", n.ID, ls.Commit, st, err, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// WaitUp polls the node's GET /cluster until it answers.
func (n *Node) WaitUp(ctx context.Context) error {
	for {
		if _, err := n.Status(ctx); err == nil {
			return nil
		}
		if !n.Running() {
			return fmt.Errorf("clusterproc: node %d exited (see %s)", n.ID, n.Log)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("clusterproc: node %d not up: %w", n.ID, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Tail returns the last n bytes of the node's log, for a failure message.
func (n *Node) Tail(size int) string {
	b, _ := os.ReadFile(n.Log)
	if len(b) > size {
		b = b[len(b)-size:]
	}
	return string(b)
}
