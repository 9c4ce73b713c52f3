package clusterproc

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmatch/matchd/datadir"
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/replay"
)

// TestFailoverUnderLoad is issue 14's child-process test: three matchd
// processes, FIX load from three sessions against the serving leader, and
// the leader killed with SIGKILL 20 times (3 with -short) under that load.
// Each time the sessions find the new leader (a follower's Logon refusal
// names it), log on with ResetSeqNumFlag=Y and go on, and the killed node
// is restarted and rejoins as a follower. Then: every acknowledged order
// (ExecutionReport New or Trade) is in the replayed final state (resting in
// the book, or filled), no order that was never sent is, and all three data
// directories replay (checkpoints verified) to the same state hash and
// events hash. Orders sent but never acknowledged (in flight at a kill) may
// be either way; the test logs how many of each it found.
func TestFailoverUnderLoad(t *testing.T) {
	kills := 20
	if testing.Short() {
		kills = 3
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := Build(ctx, dir)
	if errors.Is(err, ErrNoGo) {
		t.Skip("no go tool on PATH to build cmd/matchd")
	}
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"C1", "C2", "C3"}
	c, err := New(Options{Bin: bin, Dir: dir, Nodes: 3, Sessions: ids,
		Extra: []string{"LogLevel=warn", "RateLimit=off", "CheckpointEvery=500"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Kill)
	logs := func() string {
		s := ""
		for _, n := range c.Nodes {
			s += fmt.Sprintf("\n--- node %d log (tail) ---\n%s", n.ID, n.Tail(3000))
		}
		return s
	}
	for _, n := range c.Nodes {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(d time.Duration) (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, d) }
	wctx, wcancel := wait(20 * time.Second)
	leader, err := c.WaitLeader(wctx)
	wcancel()
	if err != nil {
		t.Fatal(err, logs())
	}

	// The load: each session sends DAY limit orders around 100.00 (about
	// half cross), one every 3 ms, and reconnects whenever its connection
	// ends, following the refusals to the leader.
	var hint atomic.Value // FIX address of the last leader the test found
	hint.Store(leader.FIX)
	fixAddrs := []string{c.Nodes[0].FIX, c.Nodes[1].FIX, c.Nodes[2].FIX}
	sessions := make([]*session, len(ids))
	sent := make([][]string, len(ids))
	var sentMu sync.Mutex
	var failedWrites atomic.Int64 // orders whose write failed (a dead connection)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k, id := range ids {
		s := newSession(id)
		sessions[k] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(k + 1)))
			next, try := hint.Load().(string), 0
			for n := 0; ; {
				select {
				case <-stop:
					return
				default:
				}
				if !s.alive() {
					err := s.logon(next)
					if err == nil {
						continue
					}
					if a := leaderIn(err); a != "" {
						next = a
					} else {
						try++
						next = fixAddrs[try%len(fixAddrs)]
						if try%3 == 0 {
							next = hint.Load().(string)
						}
					}
					time.Sleep(20 * time.Millisecond)
					continue
				}
				clOrdID := id + "-" + strconv.Itoa(n)
				side, px := 1, 9990+rng.Intn(15) // buys 99.90..100.04
				if rng.Intn(2) == 0 {
					side, px = 2, 9996+rng.Intn(15) // sells 99.96..100.10
				}
				sentMu.Lock()
				sent[k] = append(sent[k], clOrdID)
				sentMu.Unlock()
				// A failed write may still have put the order on the wire:
				// it stays in the sent list either way.
				if !s.send(fmt.Sprintf("35=D|11=%s|55=AAPL|54=%d|38=%d|40=2|44=%d.%02d|59=0", clOrdID, side, 1+rng.Intn(9), px/100, px%100)) {
					failedWrites.Add(1)
				}
				n++
				time.Sleep(3 * time.Millisecond)
			}
		}()
	}
	stopLoad := func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}
	defer stopLoad()

	// progress waits until every session has had 20 more orders
	// acknowledged.
	progress := func(what string) {
		t.Helper()
		base := make([]int, len(sessions))
		for k, s := range sessions {
			base[k] = s.nAcked()
		}
		deadline := time.Now().Add(20 * time.Second)
		for k, s := range sessions {
			for s.nAcked() < base[k]+20 {
				if time.Now().After(deadline) {
					t.Fatalf("%s: session %s: %d acks, no progress from %d in 20 s (last text %q)%s", what, s.id, s.nAcked(), base[k], s.lastText, logs())
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	progress("before the first kill")
	var worst time.Duration
	for i := range kills {
		killed := leader
		killed.Kill()
		at := time.Now()
		wctx, wcancel := wait(20 * time.Second)
		leader, err = c.WaitLeader(wctx)
		wcancel()
		if err != nil {
			t.Fatalf("kill %d of node %d: %v%s", i+1, killed.ID, err, logs())
		}
		took := time.Since(at)
		worst = max(worst, took)
		hint.Store(leader.FIX)
		if err := killed.Start(); err != nil {
			t.Fatal(err)
		}
		progress(fmt.Sprintf("after kill %d of node %d (node %d leads after %v)", i+1, killed.ID, leader.ID, took.Round(time.Millisecond)))
		wctx, wcancel = wait(30 * time.Second)
		err = killed.WaitUp(wctx)
		if err == nil {
			err = c.WaitCaughtUp(wctx, leader)
		}
		wcancel()
		if err != nil {
			t.Fatalf("kill %d: restarted node %d: %v%s", i+1, killed.ID, err, logs())
		}
	}
	stopLoad()
	time.Sleep(300 * time.Millisecond) // the last reports in flight
	for _, s := range sessions {
		s.close()
	}
	wctx, wcancel = wait(30 * time.Second)
	err = c.WaitCaughtUp(wctx, leader)
	wcancel()
	if err != nil {
		t.Fatal(err, logs())
	}
	// Followers first, so that no election follows the leader's stop.
	for _, n := range c.Nodes {
		if n != leader {
			if err := n.Stop(); err != nil {
				t.Errorf("%v%s", err, logs())
			}
		}
	}
	if err := leader.Stop(); err != nil {
		t.Errorf("%v%s", err, logs())
	}

	// What the sessions saw and sent.
	acked, sentAll := map[string]bool{}, map[string]bool{}
	logons, refusals, rejected := 0, 0, 0
	for k, s := range sessions {
		s.mu.Lock()
		for id := range s.acked {
			acked[id] = true
		}
		rejected += len(s.rej)
		logons, refusals = logons+s.logons, refusals+s.refusals
		s.mu.Unlock()
		for _, id := range sent[k] {
			sentAll[id] = true
		}
	}
	if rejected > 0 {
		t.Errorf("%d orders rejected (ExecType 8); every order sent is valid", rejected)
	}

	// Every node's directory replays to the same state and events.
	type replayed struct {
		res      replay.Result
		accepted map[string]bool // ClOrdIDs of EvAccepted events
		filled   map[string]bool // ClOrdIDs whose fill left nothing
	}
	var reps []replayed
	for _, n := range c.Nodes {
		cfg, err := datadir.LoadConfig(n.Data)
		if err != nil {
			t.Fatal(err)
		}
		r := replayed{accepted: map[string]bool{}, filled: map[string]bool{}}
		r.res, err = replay.Run(replay.Options{Dir: n.Data, Engine: cfg, Verify: true, OnEvent: func(ev *engine.Event) error {
			switch ev.Kind {
			case engine.EvAccepted:
				r.accepted[ev.ClOrdID.String()] = true
			case engine.EvFill:
				if ev.LeavesQty == 0 {
					r.filled[ev.ClOrdID.String()] = true
				}
			}
			return nil
		}})
		if err != nil {
			t.Fatalf("replay of node %d's %s: %v", n.ID, n.Data, err)
		}
		t.Logf("node %d: %d commands, state hash %016x, events hash %016x, %d checkpoints verified",
			n.ID, r.res.Commands, r.res.StateHash, r.res.EventsHash, r.res.Checkpoints)
		reps = append(reps, r)
	}
	for k := 1; k < len(reps); k++ {
		if a, b := reps[0].res, reps[k].res; a.StateHash != b.StateHash || a.EventsHash != b.EventsHash || a.Commands != b.Commands {
			t.Errorf("node %d replays to %d commands, state %016x, events %016x; node %d to %d, %016x, %016x",
				c.Nodes[0].ID, a.Commands, a.StateHash, a.EventsHash, c.Nodes[k].ID, b.Commands, b.StateHash, b.EventsHash)
		}
	}

	// The final leader's state: every acknowledged order is in it, nothing
	// that was not sent is.
	var final replayed
	for k, n := range c.Nodes {
		if n == leader {
			final = reps[k]
		}
	}
	resting := map[string]bool{}
	for sym := range final.res.Engine.Config().Symbols {
		for _, o := range final.res.Engine.Book(uint32(sym)) {
			resting[o.ClOrdID.String()] = true
		}
	}
	missing := 0
	for id := range acked {
		if !final.accepted[id] || !(resting[id] || final.filled[id]) {
			if missing++; missing <= 5 {
				t.Errorf("acknowledged order %s: accepted %v, resting %v, filled %v in the final leader's state",
					id, final.accepted[id], resting[id], final.filled[id])
			}
		}
	}
	for id := range final.accepted {
		if !sentAll[id] {
			t.Errorf("order %s is in the final state but was never sent", id)
		}
	}
	inState, lost := 0, 0
	for id := range sentAll {
		if acked[id] {
			continue
		}
		if final.accepted[id] {
			inState++
		} else {
			lost++
		}
	}
	t.Logf("%d kills, slowest failover (kill to a serving leader) %v; %d logons, %d refusals naming the leader; %d orders sent, %d acknowledged (all in the final state: %v), %d unacknowledged (%d of them not written: the connection was dead): %d of them in the final state, %d not",
		kills, worst.Round(time.Millisecond), logons, refusals, len(sentAll), len(acked), missing == 0, len(sentAll)-len(acked), failedWrites.Load(), inState, lost)
}
