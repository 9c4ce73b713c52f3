package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/cluster"
	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/internal/fixtest"
)

// clusterNode is one server of an in-process cluster.
type clusterNode struct {
	id   uint64
	port int
	srv  *Server
}

// startCluster starts three servers on this machine, each with its own FIX
// port, raft port and data directory, listing the session CL_A. Each node
// has its own SenderCompID (N1, N2, N3): QuickFIX/Go keeps one process-wide
// registry of sessions, so three acceptors in one process cannot serve the
// same SessionID (separate processes can, and would all say ENGINE).
func startCluster(t *testing.T) []*clusterNode {
	t.Helper()
	var peers []string
	nodes := make([]*clusterNode, 3)
	for i := range nodes {
		nodes[i] = &clusterNode{id: uint64(i + 1), port: fixtest.FreePort(t)}
		peers = append(peers, strconv.Itoa(i+1)+"@127.0.0.1:"+strconv.Itoa(fixtest.FreePort(t)))
	}
	for _, n := range nodes {
		o, _ := testOptions(t, t.TempDir(), n.port, "DynamicSessions=N\nNodeID="+strconv.FormatUint(n.id, 10)+
			"\nPeers="+strings.Join(peers, ",")+"\nFailoverResend=300ms\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=N"+strconv.FormatUint(n.id, 10)+"\nTargetCompID=CL_A\n")
		n.srv = startServer(t, o)
	}
	return nodes
}

// dialNode connects CL_A to node n.
func dialNode(t *testing.T, n *clusterNode) *rawFIX {
	c := dialFIX(t, n.port, "CL_A")
	c.target = "N" + strconv.FormatUint(n.id, 10)
	return c
}

// waitLeader returns the serving node among nodes, once one serves and every
// other knows its FIX address.
func waitLeader(t *testing.T, nodes []*clusterNode) *clusterNode {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range nodes {
			if !n.srv.gw.Serving() {
				continue
			}
			known := true
			for _, o := range nodes {
				l := o.srv.pipe.Leadership()
				known = known && l.Leader == n.id && l.LeaderFIX == "127.0.0.1:"+strconv.Itoa(n.port)
			}
			if known {
				return n
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no leader served within 20 s")
	return nil
}

// httpBody sends a request with a JSON body and returns the status and body.
func httpBody(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestClusterFailover: three servers; a follower refuses the Logon naming the
// leader's FIX address; the client trades on the leader; the leader's server
// stops; the client logs on to the new leader the others name, with
// ResetSeqNumFlag(141)=Y, and gets the report of its last command (within
// FailoverResend) again with PossResend(97)=Y and nothing older, and an
// OrderStatusRequest answers for an older order. GET /cluster and the raft
// metrics show the cluster; a member change on a follower is refused with
// 421 naming the leader.
func TestClusterFailover(t *testing.T) {
	nodes := startCluster(t)
	leader := waitLeader(t, nodes)
	leaderFIX := "127.0.0.1:" + strconv.Itoa(leader.port)
	var follower *clusterNode
	for _, n := range nodes {
		if n != leader {
			follower = n
			break
		}
	}

	c := dialNode(t, follower)
	c.write("35=A|98=0|108=30|141=Y")
	want := "not the leader: connect to node " + strconv.FormatUint(leader.id, 10) + " at " + leaderFIX
	if m := c.until("5"); m[fixtag.Text] != want {
		t.Fatalf("follower's Logout Text %q, want %q", m[fixtag.Text], want)
	}

	// HTTP: the view of a follower, and a member change it must refuse.
	base := "http://" + follower.srv.MetricsAddr()
	code, body := httpGet(t, base+"/cluster")
	var view clusterJSON
	if err := json.Unmarshal([]byte(body), &view); code != http.StatusOK || err != nil || !view.Enabled || view.Node != follower.id ||
		view.Leader != leader.id || view.LeaderFIX != leaderFIX || view.Serving || len(view.Members) != 3 {
		t.Fatalf("GET /cluster on a follower: %d %s (%v)", code, body, err)
	}
	code, body = httpDo(t, http.MethodDelete, base+"/cluster/members/3", "")
	if code != http.StatusMisdirectedRequest || !strings.Contains(body, "not the leader: send it to node "+strconv.FormatUint(leader.id, 10)) {
		t.Fatalf("DELETE on a follower: %d %s", code, body)
	}
	_, metrics := httpGet(t, "http://"+leader.srv.MetricsAddr()+"/metrics")
	for _, m := range []string{"matchd_raft_serving 1", "matchd_raft_leader " + strconv.FormatUint(leader.id, 10), "matchd_raft_term ",
		"matchd_raft_commit_index ", "matchd_raft_applied_index ", "matchd_raft_messages_sent_total{peer=", `matchd_logons_refused_total{reason="not_leader"} 0`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("leader's /metrics lack %q", m)
		}
	}

	// Membership on the leader: add a node 4 (never started: four voters,
	// three up, still a quorum), then remove it.
	lbase := "http://" + leader.srv.MetricsAddr()
	code, body = httpBody(t, http.MethodPost, lbase+"/cluster/members", `{"id":4,"raft":"127.0.0.1:`+strconv.Itoa(fixtest.FreePort(t))+`"}`)
	if code != http.StatusOK || !strings.Contains(body, "node 4 added") {
		t.Fatalf("POST /cluster/members on the leader: %d %s", code, body)
	}
	if _, body = httpGet(t, lbase+"/cluster"); !strings.Contains(body, `{"id":4,`) {
		t.Fatalf("node 4 not a member: %s", body)
	}
	if code, body = httpDo(t, http.MethodDelete, lbase+"/cluster/members/4", ""); code != http.StatusOK || !strings.Contains(body, "node 4 removed") {
		t.Fatalf("DELETE /cluster/members/4 on the leader: %d %s", code, body)
	}
	for _, bad := range []string{`{"id":0,"raft":"127.0.0.1:7999"}`, `{"id":5,"raft":"0.0.0.0:7999"}`, `{"id":5}`, `{"id":5,"addr":"x"}`, `nonsense`} {
		if code, body = httpBody(t, http.MethodPost, lbase+"/cluster/members", bad); code != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s, want 400", bad, code, body)
		}
	}

	a := dialNode(t, leader)
	a.write("35=A|98=0|108=30|141=Y")
	a.until("A")
	a.write("35=D|11=t1|55=TEST|54=1|38=10|40=2|44=10.00")
	a.until("8")
	a.write("35=D|11=t2|55=TEST|54=2|38=10|40=2|44=10.00")
	for i := 0; i < 3; i++ { // t2's ack, both fills
		a.until("8")
	}
	a.write("35=D|11=rest|55=TEST|54=1|38=1|40=2|44=8.00")
	a.until("8")
	time.Sleep(600 * time.Millisecond) // twice FailoverResend in sequencer time
	a.write("35=D|11=recent|55=TEST|54=1|38=5|40=2|44=9.00")
	if m := a.until("8"); m[fixtag.ClOrdID] != "recent" {
		t.Fatalf("ack of recent: %v", m)
	}

	leader.srv.Close() // the leader goes away
	var rest []*clusterNode
	for _, n := range nodes {
		if n != leader {
			rest = append(rest, n)
		}
	}
	next := waitLeader(t, rest)
	b := dialNode(t, next)
	b.write("35=A|98=0|108=30|141=Y")
	if m := b.until("A"); m[fixtag.MsgSeqNum] != "1" {
		t.Fatalf("new leader's Logon MsgSeqNum %s, want 1", m[fixtag.MsgSeqNum])
	}
	m := b.until("8")
	if m[fixtag.ClOrdID] != "recent" || !strings.Contains(m[fixtest.Wire], "|97=Y|") {
		t.Fatalf("first report from the new leader: %v, want recent's ack with 97=Y", m)
	}
	b.write("35=H|11=rest|55=TEST|54=1")
	if m := b.until("8"); m[fixtag.ClOrdID] != "rest" || m[fixtag.ExecType] != "I" || m[fixtag.OrdStatus] != "0" ||
		strings.Contains(m[fixtest.Wire], "|97=") {
		t.Fatalf("OrderStatusRequest for rest: %v", m)
	}
	// And it trades: a sell crossing recent.
	b.write("35=D|11=s1|55=TEST|54=2|38=5|40=2|44=9.00")
	if m := b.until("8"); m[fixtag.ClOrdID] == "" {
		t.Fatalf("ack on the new leader: %v", m)
	}
}

// TestDivergenceStopText: a pipeline failure that wraps a
// *cluster.DivergenceError gives the sessions the divergence's Logout Text,
// not a storage failure's.
func TestDivergenceStopText(t *testing.T) {
	err := fmt.Errorf("pipeline: matcher: %w", &cluster.DivergenceError{Index: 9, Seq: 100, Proposer: 1, Local: 2})
	if got := stopText(err); got != divergenceText {
		t.Fatalf("stopText = %q, want %q", got, divergenceText)
	}
	if got := stopText(errors.New("pipeline: journal: write: disk")); got == divergenceText {
		t.Fatal("a storage failure named as a divergence")
	}
}
