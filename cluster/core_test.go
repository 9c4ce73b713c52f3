package cluster

import (
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
)

// voteCheckTransport records what a Core sends and, for each vote it grants,
// what the Log held at that moment.
type voteCheckTransport struct {
	log     *MemoryLog
	granted []uint64 // candidates
	rejects int
	durable []uint64 // the Log's Vote when each grant was sent
}

func (tr *voteCheckTransport) Send(msgs []*raftpb.Message) {
	for _, m := range msgs {
		if m.GetType() != raftpb.MsgVoteResp {
			continue
		}
		if m.GetReject() {
			tr.rejects++
			continue
		}
		hs, _, _ := tr.log.InitialState()
		tr.granted = append(tr.granted, m.GetTo())
		tr.durable = append(tr.durable, hs.GetVote())
	}
}

func voteMsg(from, term uint64) *raftpb.Message {
	return &raftpb.Message{Type: raftpb.MsgVote.Enum(), From: new(from), To: new(uint64(1)), Term: new(term),
		LogTerm: new(uint64(1)), Index: new(uint64(3))}
}

// TestVoteDurableBeforeSentAndAfterRestart: a granted vote is in the Log before
// the grant leaves (decision 4), and a node restarted from its Log does not
// vote again in the same term for another candidate.
func TestVoteDurableBeforeSentAndAfterRestart(t *testing.T) {
	log := NewMemoryLog()
	tr := &voteCheckTransport{log: log}
	start := func() *Core {
		app, err := NewEngineApplier(simEngineConfig(), 0)
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewCore(Config{ID: 1, Peers: []uint64{1, 2, 3}, Log: log, Transport: tr, Applier: app})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Process(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := start()
	if err := c.Step(voteMsg(2, 5)); err != nil {
		t.Fatal(err)
	}
	if err := c.Process(); err != nil {
		t.Fatal(err)
	}
	if len(tr.granted) != 1 || tr.granted[0] != 2 || tr.durable[0] != 2 {
		t.Fatalf("grants %v with the Log's vote %v when sent, want a grant to 2 with vote 2 durable", tr.granted, tr.durable)
	}
	c = start() // the crash: only the Log survives
	if l := c.Leadership(); l.Term != 5 {
		t.Fatalf("restarted in term %d, want 5", l.Term)
	}
	if err := c.Step(voteMsg(3, 5)); err != nil {
		t.Fatal(err)
	}
	if err := c.Process(); err != nil {
		t.Fatal(err)
	}
	if len(tr.granted) != 1 || tr.rejects != 1 {
		t.Fatalf("after the restart: grants %v, %d rejects; want candidate 3 refused in term 5", tr.granted, tr.rejects)
	}
}

// TestConfigRefused: a Config that raft would panic on, or that lacks a piece,
// is an error naming the field.
func TestConfigRefused(t *testing.T) {
	app, _ := NewEngineApplier(simEngineConfig(), 0)
	good := Config{ID: 1, Peers: []uint64{1}, Log: NewMemoryLog(), Transport: &voteCheckTransport{}, Applier: app}
	cases := map[string]func(*Config){
		"ID must not be 0":         func(c *Config) { c.ID = 0 },
		"needs a Log":              func(c *Config) { c.Log = nil },
		"Peers holds node ID 0":    func(c *Config) { c.Peers = []uint64{1, 0} },
		"must exceed HeartbeatTic": func(c *Config) { c.ElectionTicks, c.HeartbeatTicks = 3, 3 },
		"TickInterval is negative": func(c *Config) { c.TickInterval = -1 },
		"MaxInflightMsgs":          func(c *Config) { c.MaxInflightMsgs = -1 },
	}
	for want, mutate := range cases {
		cfg := good
		mutate(&cfg)
		c, err := NewCore(cfg)
		if err == nil || c != nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "cluster: ") {
			t.Errorf("%s: got %v, %v", want, c, err)
		}
	}
	c, err := NewCore(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Process(); err != nil {
		t.Fatal(err)
	}
	// A single voter elects itself and serves after its first entry.
	for i := 0; i < 50 && !c.Leadership().Serving; i++ {
		_ = c.Tick()
		if err := c.Process(); err != nil {
			t.Fatal(err)
		}
	}
	if l := c.Leadership(); !l.Serving || l.Leader != 1 || !l.Local {
		t.Fatalf("single node: %+v", l)
	}
}
