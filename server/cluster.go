package server

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/pipeline"
)

// Cluster wiring (docs/CLUSTER.md). With Options.Cluster the pipeline runs
// as a raft node (pipeline.Options.Cluster), the gateway starts in standby
// (gateway.Options.Standby), and every change of the node's leadership is
// handed to the gateway (leaderRelay), which serves while this node is the
// serving leader. The HTTP endpoint gains GET /cluster and the member
// changes, and /metrics the raft gauges.

// leaderRelay forwards the pipeline's leadership changes to the gateway. The
// pipeline may report one before the gateway exists (New opens the pipeline
// first): the latest is kept and handed over when the gateway is set.
//
// A promotion waits until the pipeline has released every event of the
// entries committed before it (catchUp): the gateway counts what Deliver
// gives it before the switch as the failover window, sent with
// PossResend(97)=Y, and nothing of a later term can be sequenced before the
// gateway serves (it accepts no logon, and the end-of-day timer waits for
// it), so once the releaser has caught up the window is complete.
type leaderRelay struct {
	mu       sync.Mutex
	gw       *gateway.Gateway
	pipe     *pipeline.Pipeline
	log      zerolog.Logger
	latest   *pipeline.Leadership
	catching bool // a catchUp goroutine runs
	quit     chan struct{}
	wg       sync.WaitGroup
}

// catchUpLimit bounds a promotion's wait for the releaser.
const catchUpLimit = 5 * time.Second

// toGateway converts the pipeline's view into the gateway's.
func toGateway(l pipeline.Leadership) gateway.Leadership {
	return gateway.Leadership{Serving: l.Serving, Local: l.Local, LeaderID: l.Leader, LeaderFIX: l.LeaderFIX, Term: l.Term}
}

// onLeadership is pipeline.ClusterOptions.OnLeadership: it never blocks
// (gateway.SetServing hands the switch to a goroutine, and a promotion's
// wait runs on one of the relay's).
func (r *leaderRelay) onLeadership(l pipeline.Leadership) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latest = &l
	r.forwardLocked()
}

// forwardLocked hands the latest view to the gateway, or starts the wait
// of a promotion. r.mu is held.
func (r *leaderRelay) forwardLocked() {
	if r.gw == nil || r.latest == nil || r.catching {
		return // catchUp forwards the latest view when done
	}
	l := *r.latest
	if l.Serving && !r.gw.Serving() {
		r.catching = true
		r.wg.Add(1)
		go r.catchUp()
		return
	}
	r.gw.SetServing(toGateway(l))
}

// catchUp waits until the pipeline has applied the entries committed now and
// released their events, then forwards the latest view.
func (r *leaderRelay) catchUp() {
	defer r.wg.Done()
	t0 := time.Now()
	commit := r.pipe.ClusterStatus().Commit
	for {
		st := r.pipe.Stats()
		if (r.pipe.ClusterStatus().Applied >= commit && st.Sent >= st.Matched) || st.Err != nil {
			break
		}
		if time.Since(t0) > catchUpLimit {
			r.log.Warn().Uint64("commit", commit).Uint64("matched_seq", st.Matched).Uint64("released_seq", st.Sent).
				Msg("promotion: the releaser did not catch up; serving anyway (reports of the last commands may go out without PossResend)")
			break
		}
		select {
		case <-r.quit:
			return
		case <-time.After(time.Millisecond):
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.catching = false
	if r.gw == nil { // stopped
		return
	}
	if l := *r.latest; l.Serving {
		r.gw.SetServing(toGateway(l))
		return
	}
	r.forwardLocked()
}

func (r *leaderRelay) setGateway(gw *gateway.Gateway, pipe *pipeline.Pipeline, log zerolog.Logger) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gw, r.pipe, r.log = gw, pipe, log
	r.quit = make(chan struct{})
	r.forwardLocked()
}

// stop ends a promotion's wait (Close).
func (r *leaderRelay) stop() {
	r.mu.Lock()
	q := r.quit
	r.quit = nil
	r.gw = nil // no view reaches a stopped gateway
	r.mu.Unlock()
	if q != nil {
		close(q)
	}
	r.wg.Wait()
}

// clusterOptions builds the pipeline's cluster options, or nil alone.
func (s *Server) clusterOptions() *pipeline.ClusterOptions {
	c := s.opts.Cluster
	if c == nil {
		return nil
	}
	return &pipeline.ClusterOptions{
		NodeID:       c.NodeID,
		ClusterID:    c.ClusterID,
		Peers:        c.Peers,
		AdvertiseFIX: s.opts.advertiseFIX(),
		TickInterval: c.RaftTick,
		Join:         c.Join,
		OnLeadership: s.relay.onLeadership,
		Logger:       s.opts.Logger.With().Str("component", "raft").Uint64("node", c.NodeID).Logger(),
	}
}

// divergenceText is the Text of the Logouts when this node's state diverged
// from the leader's.
const divergenceText = stopTextPrefix + "replica state diverged from the leader's (a determinism bug): this node stopped"

// clusterJSON is GET /cluster.
type clusterJSON struct {
	Enabled   bool                `json:"enabled"`
	Node      uint64              `json:"node,omitempty"`
	Term      uint64              `json:"term"`
	Leader    uint64              `json:"leader"`
	LeaderFIX string              `json:"leader_fix,omitempty"`
	Local     bool                `json:"local"`
	Serving   bool                `json:"serving"`
	Commit    uint64              `json:"commit"`
	Applied   uint64              `json:"applied"`
	Members   []memberJSON        `json:"members"`
	Peers     map[string]peerJSON `json:"peers"`
	Unknown   uint64              `json:"unknown_peer_drops"`
	FIX       string              `json:"fix,omitempty"`
	Sessions  int                 `json:"sessions"`
}

type memberJSON struct {
	ID   uint64 `json:"id"`
	Raft string `json:"raft,omitempty"`
}

type peerJSON struct {
	Sent            uint64 `json:"sent"`
	Dropped         uint64 `json:"dropped"`
	Received        uint64 `json:"received"`
	Reconnects      uint64 `json:"reconnects"`
	SnapshotsSent   uint64 `json:"snapshots_sent"`
	SnapshotsFailed uint64 `json:"snapshots_failed"`
	Connected       bool   `json:"connected"`
}

// clusterView is GET /cluster's body.
func clusterView(pipe *pipeline.Pipeline, gw *gateway.Gateway, opts *Options) clusterJSON {
	st := pipe.ClusterStatus()
	v := clusterJSON{Enabled: st.Enabled, Node: st.Node, Term: st.Leadership.Term, Leader: st.Leadership.Leader,
		LeaderFIX: st.Leadership.LeaderFIX, Local: st.Leadership.Local, Serving: st.Leadership.Serving,
		Commit: st.Commit, Applied: st.Applied, Members: []memberJSON{}, Peers: map[string]peerJSON{},
		Unknown: st.Transport.UnknownPeerDrops, FIX: opts.advertiseFIX(), Sessions: gw.ActiveSessions()}
	if !st.Enabled { // a single node is its own serving leader
		v.Serving, v.Local = true, true
	}
	ids := make([]uint64, 0, len(st.Members))
	for id := range st.Members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		v.Members = append(v.Members, memberJSON{ID: id, Raft: st.Members[id]})
	}
	for id, p := range st.Transport.Peers {
		v.Peers[strconv.FormatUint(id, 10)] = peerJSON{Sent: p.Sent, Dropped: p.Dropped, Received: p.Received,
			Reconnects: p.Reconnects, SnapshotsSent: p.SnapshotsSent, SnapshotsFailed: p.SnapshotsFailed, Connected: p.Connected}
	}
	return v
}

// memberChangeTimeout bounds how long a member change waits to commit.
const memberChangeTimeout = 10 * time.Second

// registerClusterHandlers adds GET /cluster, POST /cluster/members and
// DELETE /cluster/members/{id} to mux (behind HTTPToken like the rest).
func registerClusterHandlers(mux *http.ServeMux, c *collector) {
	mux.HandleFunc("GET /cluster", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, clusterView(c.pipe, c.gw, c.opts))
	})
	mux.HandleFunc("POST /cluster/members", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID   uint64 `json:"id"`
			Raft string `json:"raft"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			httpError(w, http.StatusBadRequest, `want {"id": N, "raft": "host:port"}: `+err.Error(), nil)
			return
		}
		if req.ID == 0 {
			httpError(w, http.StatusBadRequest, "id must be a positive integer", nil)
			return
		}
		if host, port, err := net.SplitHostPort(req.Raft); err != nil || host == "" || isWildcard(host) || port == "" {
			httpError(w, http.StatusBadRequest, "raft must be the new node's raft host:port, e.g. 127.0.0.1:7104", nil)
			return
		}
		memberChange(w, r, c, func(ctx context.Context) error { return c.pipe.AddMember(ctx, req.ID, req.Raft) },
			"node "+strconv.FormatUint(req.ID, 10)+" added at "+req.Raft)
	})
	mux.HandleFunc("DELETE /cluster/members/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil || id == 0 {
			httpError(w, http.StatusBadRequest, "member id "+strconv.Quote(r.PathValue("id"))+": want a positive integer", nil)
			return
		}
		memberChange(w, r, c, func(ctx context.Context) error { return c.pipe.RemoveMember(ctx, id) },
			"node "+strconv.FormatUint(id, 10)+" removed")
	})
}

// memberChange runs a member change on the leader. A follower answers 421
// Misdirected Request naming the leader, or 503 while none is known; a
// single node 409.
func memberChange(w http.ResponseWriter, r *http.Request, c *collector, change func(context.Context) error, done string) {
	st := c.pipe.ClusterStatus()
	if !st.Enabled {
		httpError(w, http.StatusConflict, "not a cluster: this matchd runs alone (no Peers)", nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), memberChangeTimeout)
	defer cancel()
	err := change(ctx)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]string{"result": done})
	case errors.Is(err, pipeline.ErrNotLeader):
		l := c.pipe.Leadership()
		leader := map[string]any{"leader": l.Leader, "leader_fix": l.LeaderFIX}
		if l.Leader == 0 || l.Local {
			httpError(w, http.StatusServiceUnavailable, "no serving leader yet: retry", leader)
			return
		}
		httpError(w, http.StatusMisdirectedRequest, "not the leader: send it to node "+strconv.FormatUint(l.Leader, 10)+
			" (FIX "+l.LeaderFIX+")", leader)
	case errors.Is(err, context.DeadlineExceeded):
		httpError(w, http.StatusGatewayTimeout, "the change did not commit within "+memberChangeTimeout.String()+": "+err.Error(), nil)
	default:
		httpError(w, http.StatusBadRequest, err.Error(), nil)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, msg string, extra map[string]any) {
	body := map[string]any{"error": msg}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, code, body)
}

// clusterMetrics are the raft gauges and counters of /metrics.
type clusterMetrics struct {
	term, leader, serving, commit, applied, sent, dropped *prometheus.Desc
}

func newClusterMetrics() clusterMetrics {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("matchd_raft_"+name, help, labels, nil)
	}
	return clusterMetrics{
		term:    d("term", "Raft term this node is in."),
		leader:  d("leader", "Node ID of the leader this node knows (0: none)."),
		serving: d("serving", "1 while this node is the serving leader (its gateway accepts logons)."),
		commit:  d("commit_index", "Raft commit index this node knows."),
		applied: d("applied_index", "Index of the last raft entry this node's matcher applied."),
		sent:    d("messages_sent_total", "Raft messages handed to the connection to a peer.", "peer"),
		dropped: d("messages_dropped_total", "Raft messages to a peer dropped (queue full, not connected).", "peer"),
	}
}

func (m *clusterMetrics) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.term, m.leader, m.serving, m.commit, m.applied, m.sent, m.dropped} {
		ch <- d
	}
}

// collect exports the raft metrics of a cluster node (nothing alone).
func (m *clusterMetrics) collect(ch chan<- prometheus.Metric, pipe *pipeline.Pipeline) {
	st := pipe.ClusterStatus()
	if !st.Enabled {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(m.term, float64(st.Leadership.Term))
	gauge(m.leader, float64(st.Leadership.Leader))
	gauge(m.serving, boolGauge(st.Leadership.Serving))
	gauge(m.commit, float64(st.Commit))
	gauge(m.applied, float64(st.Applied))
	for id, p := range st.Transport.Peers {
		peer := strconv.FormatUint(id, 10)
		ch <- prometheus.MustNewConstMetric(m.sent, prometheus.CounterValue, float64(p.Sent), peer)
		ch <- prometheus.MustNewConstMetric(m.dropped, prometheus.CounterValue, float64(p.Dropped), peer)
	}
}

// isDivergence reports whether the pipeline failed because this node's state
// diverged from the leader's.
func isDivergence(err error) (*cluster.DivergenceError, bool) {
	var d *cluster.DivergenceError
	ok := errors.As(err, &d)
	return d, ok
}
