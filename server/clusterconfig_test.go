package server

import (
	"errors"
	"maps"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/internal/fixtest"
)

// clusterCfg is a node's settings: listed sessions, a specific listen host.
func clusterCfg(extra string) string {
	return `[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=5101
` + extra + `
[SESSION]
BeginString=FIX.4.4
TargetCompID=BROKER_A
`
}

// TestClusterKeys: the cluster keys parse into Options.Cluster, with their
// defaults; without Peers there is no cluster.
func TestClusterKeys(t *testing.T) {
	o, err := Parse("n1.cfg", clusterCfg("NodeID=2\nPeers=1@127.0.0.1:7101,2@127.0.0.1:7102,3@127.0.0.1:7103\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := o.Cluster
	want := map[uint64]string{1: "127.0.0.1:7101", 2: "127.0.0.1:7102", 3: "127.0.0.1:7103"}
	if c == nil || c.NodeID != 2 || c.ClusterID != DefaultClusterID || c.RaftTick != DefaultRaftTick || !maps.Equal(c.Peers, want) ||
		o.FailoverResend != 2*time.Second {
		t.Fatalf("cluster %+v, FailoverResend %v", c, o.FailoverResend)
	}
	if got := o.advertiseFIX(); got != "127.0.0.1:5101" {
		t.Fatalf("advertised FIX address %q, want SocketAcceptHost:port", got)
	}

	o, err = Parse("n1.cfg", clusterCfg("NodeID=1\nPeers=1@10.0.0.1:7101,2@10.0.0.2:7101,3@10.0.0.3:7101\nClusterID=7\nRaftTick=50ms\nFailoverResend=5s\nAdvertiseAddr=fix1.example.com\n"))
	if err != nil {
		t.Fatal(err)
	}
	o.Port = 6000 // -port
	if c := o.Cluster; c.ClusterID != 7 || c.RaftTick != 50*time.Millisecond || o.FailoverResend != 5*time.Second || o.advertiseFIX() != "fix1.example.com:6000" {
		t.Fatalf("cluster %+v, FailoverResend %v, advertise %q", c, o.FailoverResend, o.advertiseFIX())
	}
	o, err = Parse("n1.cfg", strings.Replace(clusterCfg("NodeID=1\nPeers=1@10.0.0.1:7101\nAdvertiseAddr=10.0.0.1:5999\nFailoverResend=off\n"), "SocketAcceptHost=127.0.0.1", "SocketAcceptHost=0.0.0.0", 1))
	if err != nil {
		t.Fatal(err)
	}
	if o.advertiseFIX() != "10.0.0.1:5999" || o.FailoverResend >= 0 {
		t.Fatalf("advertise %q, FailoverResend %v", o.advertiseFIX(), o.FailoverResend)
	}

	o, err = Parse("alone.cfg", clusterCfg(""))
	if err != nil || o.Cluster != nil {
		t.Fatalf("without Peers: cluster %+v, err %v", o.Cluster, err)
	}
}

// TestClusterKeysRefused: every bad cluster setting is a *ConfigError naming
// the key and saying what is wrong.
func TestClusterKeysRefused(t *testing.T) {
	for _, tc := range []struct{ extra, key, reason string }{
		{"NodeID=4\nPeers=1@127.0.0.1:7101,2@127.0.0.1:7102,3@127.0.0.1:7103", "Peers", "NodeID 4 is not one of the peers"},
		{"NodeID=1\nPeers=1@127.0.0.1:7101,1@127.0.0.1:7102", "Peers", `peer 2 "1@127.0.0.1:7102": ID 1 is listed twice`},
		{"NodeID=1\nPeers=1@127.0.0.1:7101,2@127.0.0.1:7101", "Peers", "address 127.0.0.1:7101 is listed twice"},
		{"NodeID=1\nPeers=1@127.0.0.1:7101,2-127.0.0.1:7102", "Peers", `peer 2 "2-127.0.0.1:7102": want ID@host:port`},
		{"NodeID=1\nPeers=1@127.0.0.1:7101,x@127.0.0.1:7102", "Peers", "the ID must be a positive integer"},
		{"NodeID=1\nPeers=1@127.0.0.1", "Peers", "want host:port with a specific host"},
		{"NodeID=1\nPeers=1@0.0.0.0:7101", "Peers", "want host:port with a specific host"},
		{"NodeID=1\nPeers=1@127.0.0.1:99999", "Peers", "must be 1..65535"},
		{"NodeID=1\nPeers=1@127.0.0.1:7101,", "Peers", `peer 2 "": want ID@host:port`},
		{"Peers=1@127.0.0.1:7101", "Peers", "needs NodeID"},
		{"NodeID=1", "Peers", "NodeID is set but Peers is not"},
		{"AdvertiseAddr=10.0.0.1", "Peers", "AdvertiseAddr is set but Peers is not"},
		{"Join=Y", "Peers", "Join=Y needs Peers"},
		{"Join=yes", "Join", "must be Y or N"},
		{"NodeID=0\nPeers=1@127.0.0.1:7101", "NodeID", `"0": must be a positive integer`},
		{"NodeID=one", "NodeID", `"one": must be a positive integer`},
		{"ClusterID=0", "ClusterID", "must be a positive integer"},
		{"RaftTick=0s", "RaftTick", "must be a duration from 1ms to 10s"},
		{"RaftTick=10", "RaftTick", "must be a duration"},
		{"FailoverResend=-1s", "FailoverResend", "must be a duration from 1ms to 10m"},
		{"AdvertiseAddr=0.0.0.0:5101\nNodeID=1\nPeers=1@127.0.0.1:7101", "AdvertiseAddr", "not a wildcard address"},
	} {
		_, err := Parse("n.cfg", clusterCfg(tc.extra+"\n"))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != tc.key || !strings.Contains(ce.Reason, tc.reason) {
			t.Errorf("%q: got %v, want a ConfigError on %s saying %q", tc.extra, err, tc.key, tc.reason)
		}
	}

	// A cluster needs listed sessions, and an address to advertise.
	_, err := Parse("n.cfg", "[DEFAULT]\nSocketAcceptHost=127.0.0.1\nDynamicSessions=Y\nNodeID=1\nPeers=1@127.0.0.1:7101\n")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "Peers" || !strings.Contains(ce.Reason, "listed sessions only") || ce.Line != 5 {
		t.Errorf("dynamic sessions only: %v", err)
	}
	_, err = Parse("n.cfg", strings.Replace(clusterCfg("NodeID=1\nPeers=1@127.0.0.1:7101\n"), "SocketAcceptHost=127.0.0.1\n", "", 1))
	if !errors.As(err, &ce) || ce.Key != "AdvertiseAddr" || !strings.Contains(ce.Reason, "required in a cluster") {
		t.Errorf("no address to advertise: %v", err)
	}
}

// TestClusterEndpointsAlone: a single node answers GET /cluster (not a
// cluster, its own serving leader) and refuses member changes with 409; the
// endpoints are behind HTTPToken; the raft metrics are absent.
func TestClusterEndpointsAlone(t *testing.T) {
	t.Parallel()
	o, _ := testOptions(t, t.TempDir(), fixtest.FreePort(t), "HTTPToken=s3cret-token-0123456789\n")
	s := startServer(t, o)
	base := "http://" + s.MetricsAddr()
	if code, _ := httpDo(t, http.MethodGet, base+"/cluster", ""); code != http.StatusUnauthorized {
		t.Fatalf("GET /cluster without the token: %d", code)
	}
	code, body := httpDo(t, http.MethodGet, base+"/cluster", "s3cret-token-0123456789")
	if code != http.StatusOK || !strings.Contains(body, `"enabled":false`) || !strings.Contains(body, `"serving":true`) {
		t.Fatalf("GET /cluster: %d %s", code, body)
	}
	code, body = httpDo(t, http.MethodDelete, base+"/cluster/members/2", "s3cret-token-0123456789")
	if code != http.StatusConflict || !strings.Contains(body, "not a cluster") {
		t.Fatalf("DELETE /cluster/members/2: %d %s", code, body)
	}
	code, body = httpDo(t, http.MethodDelete, base+"/cluster/members/x", "s3cret-token-0123456789")
	if code != http.StatusBadRequest || !strings.Contains(body, "want a positive integer") {
		t.Fatalf("DELETE /cluster/members/x: %d %s", code, body)
	}
	_, metrics := httpDo(t, http.MethodGet, base+"/metrics", "s3cret-token-0123456789")
	if strings.Contains(metrics, "matchd_raft_") {
		t.Fatal("a single node exports raft metrics")
	}
}

// TestClusterExamples: the three example node files parse into one cluster:
// the same Peers, each its own NodeID, FIX port, data directory and metrics
// address, and the advertised FIX address is the node's own.
func TestClusterExamples(t *testing.T) {
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		name := filepath.Join("..", "examples", "cluster", "node"+strconv.Itoa(i)+".cfg")
		o, err := Load(Flags{ConfigFile: name})
		if err != nil {
			t.Fatal(err)
		}
		c := o.Cluster
		if c == nil || c.NodeID != uint64(i) || len(c.Peers) != 3 || c.Peers[uint64(i)] != "127.0.0.1:710"+strconv.Itoa(i) {
			t.Fatalf("%s: cluster %+v", name, c)
		}
		if o.advertiseFIX() != "127.0.0.1:510"+strconv.Itoa(i) {
			t.Errorf("%s: advertises %q", name, o.advertiseFIX())
		}
		for _, v := range []string{o.DataDir, o.MetricsAddr, strconv.Itoa(o.Port)} {
			if seen[v] {
				t.Errorf("%s: %s shared with another node", name, v)
			}
			seen[v] = true
		}
	}
}
