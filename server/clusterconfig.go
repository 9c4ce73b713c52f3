package server

import (
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openmatch/matchd/gateway"
)

// ClusterConfig is the raft cluster this node belongs to (docs/CLUSTER.md):
// NodeID, Peers, ClusterID, RaftTick and AdvertiseAddr in [DEFAULT]. Nil in
// Options (no Peers) runs matchd alone.
type ClusterConfig struct {
	// NodeID is this node's raft ID, one of Peers.
	NodeID uint64
	// ClusterID must be the same on every node (default 1).
	ClusterID uint64
	// Peers is the raft host:port of every initial member, by node ID.
	Peers map[uint64]string
	// RaftTick is raft's tick: a heartbeat every tick, an election after 10
	// to 20 silent ticks (default 10ms).
	RaftTick time.Duration
	// AdvertiseAddr is the FIX address clients are told to connect to when
	// this node leads: host:port, or a host (the FIX port is appended). ""
	// uses SocketAcceptHost, which must then be a specific address.
	AdvertiseAddr string
	// Join starts a node the leader added (POST /cluster/members) with an
	// empty data directory: it learns the membership from the leader instead
	// of bootstrapping with Peers (pipeline.ClusterOptions.Join).
	Join bool
}

// Defaults of the cluster keys.
const (
	DefaultClusterID = 1
	DefaultRaftTick  = 10 * time.Millisecond
)

// clusterKeys are the cluster keys of the keys table, applied in this order
// after every other (Peers checks NodeID; see keys).
var clusterKeys = [...]keySpec{
	{"NodeID", "", func(o *Options, v string) error {
		if v == "" {
			return nil
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return errors.New("must be a positive integer (this node's ID in Peers)")
		}
		o.clusterNode = n
		return nil
	}},
	{"ClusterID", strconv.Itoa(DefaultClusterID), func(o *Options, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return errors.New("must be a positive integer, the same on every node")
		}
		o.clusterID = n
		return nil
	}},
	{"RaftTick", DefaultRaftTick.String(), func(o *Options, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Millisecond || d > 10*time.Second {
			return errors.New("must be a duration from 1ms to 10s, e.g. 10ms")
		}
		o.raftTick = d
		return nil
	}},
	{"FailoverResend", gateway.DefaultFailoverResend.String(), func(o *Options, v string) error {
		if v == "off" {
			o.FailoverResend = -1
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 10*time.Minute {
			return errors.New("must be a duration from 1ms to 10m, e.g. 2s, or off")
		}
		o.FailoverResend = d
		return nil
	}},
	{"AdvertiseAddr", "", func(o *Options, v string) error {
		if v == "" {
			return nil
		}
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			host, port = v, ""
		}
		if host == "" || strings.ContainsAny(host, " /") || isWildcard(host) {
			return errors.New("want the host (or host:port) FIX clients connect to, e.g. 10.0.0.5 or fix1.example.com:5101; not a wildcard address")
		}
		if port != "" {
			if _, err := intIn(port, 1, 65535); err != nil {
				return errors.New("port " + strconv.Quote(port) + ": must be 1..65535")
			}
		}
		o.advertise = v
		return nil
	}},
	{"Join", "N", func(o *Options, v string) (err error) {
		o.join, err = yesNo(v)
		return err
	}},
	{"Peers", "", func(o *Options, v string) error {
		if v == "" {
			switch {
			case o.clusterNode != 0:
				return errors.New("NodeID is set but Peers is not: list the cluster's members, e.g. 1@127.0.0.1:7101,2@127.0.0.1:7102,3@127.0.0.1:7103, or remove NodeID to run alone")
			case o.advertise != "":
				return errors.New("AdvertiseAddr is set but Peers is not: it is the FIX address a cluster's leader advertises")
			case o.join:
				return errors.New("Join=Y needs Peers: this node's raft address and the members'")
			}
			return nil
		}
		peers, err := ParsePeers(v)
		if err != nil {
			return err
		}
		if o.clusterNode == 0 {
			return errors.New("needs NodeID: which of the peers this node is")
		}
		if _, ok := peers[o.clusterNode]; !ok {
			return errors.New("NodeID " + strconv.FormatUint(o.clusterNode, 10) + " is not one of the peers")
		}
		o.Cluster = &ClusterConfig{NodeID: o.clusterNode, ClusterID: o.clusterID, Peers: peers, RaftTick: o.raftTick, AdvertiseAddr: o.advertise, Join: o.join}
		return nil
	}},
}

// ParsePeers parses a Peers value: comma-separated ID@host:port, e.g.
// "1@127.0.0.1:7101,2@127.0.0.1:7102,3@127.0.0.1:7103". IDs are positive and
// distinct, and so are the addresses.
func ParsePeers(v string) (map[uint64]string, error) {
	peers := map[uint64]string{}
	var addrs []string
	for i, item := range strings.Split(v, ",") {
		where := "peer " + strconv.Itoa(i+1) + " " + strconv.Quote(item)
		ids, addr, ok := strings.Cut(item, "@")
		if !ok {
			return nil, errors.New(where + ": want ID@host:port, e.g. 1@127.0.0.1:7101")
		}
		id, err := strconv.ParseUint(ids, 10, 64)
		if err != nil || id == 0 {
			return nil, errors.New(where + ": the ID must be a positive integer")
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" || isWildcard(host) {
			return nil, errors.New(where + ": want host:port with a specific host (other nodes dial it), e.g. 127.0.0.1:7101")
		}
		if _, err := intIn(port, 1, 65535); err != nil {
			return nil, errors.New(where + ": port " + strconv.Quote(port) + ": must be 1..65535")
		}
		if _, dup := peers[id]; dup {
			return nil, errors.New(where + ": ID " + ids + " is listed twice")
		}
		if slices.Contains(addrs, addr) {
			return nil, errors.New(where + ": address " + addr + " is listed twice")
		}
		peers[id] = addr
		addrs = append(addrs, addr)
	}
	return peers, nil
}

// isWildcard reports whether host listens on every interface.
func isWildcard(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// advertiseFIX is the FIX address this node advertises when it leads:
// AdvertiseAddr (with the FIX port when it has none), else
// SocketAcceptHost:port. "" when neither names a specific host.
func (o *Options) advertiseFIX() string {
	port := strconv.Itoa(o.Port)
	if c := o.Cluster; c != nil && c.AdvertiseAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdvertiseAddr); err == nil {
			return c.AdvertiseAddr
		}
		return net.JoinHostPort(c.AdvertiseAddr, port)
	}
	host, _ := o.Settings.GlobalSettings().Setting("SocketAcceptHost")
	if host == "" || isWildcard(host) {
		return ""
	}
	return net.JoinHostPort(host, port)
}

// checkCluster is Parse's check of a cluster configuration as a whole.
func checkCluster(o *Options, source string, global map[string]setting, secs []section) error {
	if o.Cluster == nil {
		return nil
	}
	peers := global["Peers"]
	listed := false
	for _, s := range secs {
		listed = listed || s.session
	}
	if !listed {
		return &ConfigError{Source: source, Line: peers.line, Key: "Peers",
			Reason: "a cluster serves listed sessions only (owner ids are not replicated): list every client in a [SESSION], the same on every node"}
	}
	if o.advertiseFIX() == "" {
		return &ConfigError{Source: source, Line: peers.line, Key: "AdvertiseAddr",
			Reason: "required in a cluster when SocketAcceptHost is absent or a wildcard: the FIX address clients are told to connect to when this node leads"}
	}
	return nil
}
