package cluster

import (
	"errors"
	"flag"
	"math/rand/v2"
	"testing"
)

var (
	simSeed  = flag.Uint64("seed", 0, "run only this simulator seed (as printed by a failing TestSim)")
	simSeeds = flag.Int("seeds", 0, "number of simulator seeds TestSim runs (0: scaled by -short and -race)")
	simTrace = flag.Bool("simtrace", false, "log the simulator's events (crashes, partitions, restarts)")
)

func simSeedCount() int {
	switch {
	case *simSeeds > 0:
		return *simSeeds
	case raceEnabled && testing.Short():
		return 10
	case raceEnabled:
		return 60
	case testing.Short():
		return 200
	}
	return 2000
}

func newTracedSim(t *testing.T, seed uint64, p simParams) *sim {
	s := newSim(seed, p)
	if *simTrace {
		s.trace = t.Logf
	}
	return s
}

// TestSim runs seeded clusters of 3 or 5 nodes through a hostile network (loss,
// duplication, delay and reordering, symmetric and asymmetric partitions, the
// leader cut off), crashes and restarts, snapshots, and in some runs the
// replacement of a dead node by a conf change, then heals everything and checks
// that the cluster serves again within simLiveBound ticks. During the run no
// two nodes apply different data at one index nor reach different engine
// states at one index; at the end every member's committed log agrees with the
// others' and holds every entry a leader applied (released).
func TestSim(t *testing.T) {
	seeds := []uint64{*simSeed}
	if *simSeed == 0 {
		seeds = seeds[:0]
		for i := range simSeedCount() {
			seeds = append(seeds, uint64(i+1))
		}
	}
	var maxLive, crashes, partitions, snaps, checked, replaced, five int
	for _, seed := range seeds {
		p := pickParams(rand.New(rand.NewPCG(seed, 7)))
		s := newTracedSim(t, seed, p)
		if err := s.run(); err != nil {
			t.Fatalf("seed %d (%+v): %v\nrerun: go test ./cluster -run 'TestSim$' -seed %d -simtrace -v", seed, p, err, seed)
		}
		maxLive = max(maxLive, s.livenessTicks)
		crashes += s.crashes
		partitions += s.partitions
		snaps += s.snapsRecv
		checked += s.checked
		if s.replaced {
			replaced++
		}
		if p.nodes == 5 {
			five++
		}
	}
	t.Logf("%d seeds (%d of 5 nodes, %d with a replacement): %d crashes, %d partitions, %d snapshots restored, %d checkpoints compared; slowest recovery after healing %d ticks (bound %d)",
		len(seeds), five, replaced, crashes, partitions, snaps, checked, maxLive, simLiveBound)
	if len(seeds) > 50 && (snaps == 0 || checked == 0 || replaced == 0) {
		t.Errorf("the runs exercised too little: %d snapshots restored, %d checkpoints compared, %d replacements", snaps, checked, replaced)
	}
}

// TestSimIsolatedLeaderReleasesNothing cuts a serving leader off from everyone
// and keeps proposing to it: it applies (releases) none of those proposals, it
// steps down within two election timeouts (CheckQuorum), the others elect a
// new leader, and after healing none of its proposals is in any log.
func TestSimIsolatedLeaderReleasesNothing(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		p := simParams{nodes: 3, maxDelay: 1, snapEvery: 1000}
		s := newTracedSim(t, seed, p)
		s.calm = true
		var old *simNode
		for s.tick < 300 && old == nil {
			s.step()
			for _, n := range s.nodes {
				if n.core.Leadership().Serving && n.app.Engine().LastSeq() > 20 {
					old = n
				}
			}
		}
		if old == nil || s.failure != nil {
			t.Fatalf("seed %d: no serving leader with 20 commands after 300 ticks (%v): %s", seed, s.failure, s.describe())
		}
		for _, n := range s.nodes {
			if n != old {
				s.blocked[[2]uint64{old.id, n.id}] = true
				s.blocked[[2]uint64{n.id, old.id}] = true
			}
		}
		cut, applied := s.tick, old.core.Applied()
		nrel := len(s.released)
		isolated := map[uint64]bool{} // data hashes proposed to the isolated leader
		stepDown := -1
		for s.tick < cut+200 && s.failure == nil {
			if old.core.Leadership().Local {
				s.proposeOnRecord(old, isolated)
			} else if stepDown < 0 {
				stepDown = s.tick - cut
			}
			s.step()
		}
		if stepDown < 0 || stepDown > 2*simElection {
			t.Fatalf("seed %d: the isolated leader stepped down after %d ticks, want within %d", seed, stepDown, 2*simElection)
		}
		for _, r := range s.released[nrel:] {
			if r.node == old.id {
				t.Fatalf("seed %d: the isolated leader released entry %d at tick %d (cut at tick %d, applied %d then)", seed, r.index, r.tick, cut, applied)
			}
		}
		var leader *simNode
		for _, n := range s.nodes {
			if n.core.Leadership().Serving {
				leader = n
			}
		}
		if leader == nil || leader == old {
			t.Fatalf("seed %d: no new leader 200 ticks after the cut: %s", seed, s.describe())
		}
		clear(s.blocked)
		s.liveness()
		if s.failure == nil {
			s.finalChecks()
		}
		if s.failure != nil {
			t.Fatalf("seed %d: %v", seed, s.failure)
		}
		for idx, c := range s.canon {
			if isolated[c.hash] {
				t.Fatalf("seed %d: a batch proposed to the isolated leader was applied at index %d", seed, idx)
			}
		}
		if len(isolated) == 0 {
			t.Fatalf("seed %d: nothing was proposed to the isolated leader", seed)
		}
	}
}

// proposeOnRecord proposes one batch on n and records its data hash.
func (s *sim) proposeOnRecord(n *simNode, into map[uint64]bool) {
	l := n.core.Leadership()
	if n.seqTerm != l.Term {
		n.seqTerm, n.nextSeq = l.Term, n.app.Engine().LastSeq()+1
	}
	c := s.gen.next(n.nextSeq, s.tick)
	n.nextSeq++
	buf := AppendCommand(nil, &c)
	if n.core.Propose(buf) == nil {
		into[dataHash(buf)] = true
	}
}

// TestSimDivergence gives one node an engine configured differently (a
// determinism bug in miniature): the checkpoint items make a node stop with a
// DivergenceError naming the raft index, the seq and both hashes.
func TestSimDivergence(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		p := simParams{nodes: 3, maxDelay: 2, snapEvery: 1000, divergent: 3, chaosTicks: 2000}
		s := newTracedSim(t, seed, p)
		err := s.run()
		if err == nil || s.diverged == nil {
			t.Fatalf("seed %d: want a DivergenceError, got %v", seed, err)
		}
		d := s.diverged
		if d.Index == 0 || d.Seq == 0 || d.Proposer == d.Local {
			t.Fatalf("seed %d: DivergenceError %+v", seed, d)
		}
		var de *DivergenceError
		if !errors.As(error(d), &de) {
			t.Fatal("not a DivergenceError")
		}
		t.Logf("seed %d: %v", seed, err)
	}
}
