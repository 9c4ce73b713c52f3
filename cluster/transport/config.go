package transport

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/raft/v3/raftpb"
)

// Defaults applied by New to the zero fields of a Config.
const (
	DefaultMaxFrameSize    = 64 << 20
	DefaultMaxSnapshotSize = 1 << 30
	DefaultQueueSize       = 4096
	DefaultDialTimeout     = 2 * time.Second
	DefaultWriteTimeout    = 5 * time.Second
	DefaultBackoffMin      = 10 * time.Millisecond
	DefaultBackoffMax      = time.Second
)

// Config configures a Transport. Zero durations and sizes take the defaults above.
type Config struct {
	// NodeID is the raft ID of this node (not 0).
	NodeID uint64
	// ClusterID must be the same on every node of a cluster: a connection whose handshake
	// names another cluster is refused, and both sides log an error.
	ClusterID uint64
	// ListenAddr is the host:port to accept peers' connections on (":0" picks a port; see Addr).
	ListenAddr string
	// Peers maps the raft ID of every other node to its host:port. AddPeer and RemovePeer
	// change the set later (membership changes).
	Peers map[uint64]string

	// Handler receives every message read from a peer. It is called from one goroutine per
	// inbound connection: concurrently for different peers, in order for the messages of one
	// peer's stream (a MsgSnap arrives on a connection of its own, so it is not ordered with
	// the stream). The message belongs to the handler. Handler must not call Stop.
	Handler func(m *raftpb.Message)
	// Unreachable, if not nil, is called with a peer's ID when a message to it was dropped or
	// it cannot be reached (raft's ReportUnreachable). It is called from Send and from the
	// transport's goroutines: it must be quick, must not block and must be safe for
	// concurrent use.
	Unreachable func(id uint64)
	// SnapshotStatus, if not nil, is called once per MsgSnap given to Send: failed is false
	// when the peer read the message and its Handler returned (raft's ReportSnapshot). Same
	// rules as Unreachable.
	SnapshotStatus func(id uint64, failed bool)
	// Logger receives connection events (never one line per message). The zero Logger
	// discards.
	Logger zerolog.Logger

	// MaxFrameSize bounds one message on a stream connection, read and written (both sides
	// must agree): raft's MaxSizePerMsg must stay well below it.
	MaxFrameSize int
	// MaxSnapshotSize bounds one MsgSnap (on its own connection); at most 4 GiB - 1.
	MaxSnapshotSize int
	// QueueSize is the number of messages waiting for one peer past which Send drops.
	QueueSize int
	// DialTimeout bounds a dial plus its handshake, on both sides.
	DialTimeout time.Duration
	// WriteTimeout bounds one batched write (and each 1 MiB chunk of a snapshot) to a peer that
	// does not read: past it the connection is closed and redialed.
	WriteTimeout time.Duration
	// BackoffMin and BackoffMax bound the exponential back-off between dials of a peer that is
	// down (each wait is drawn in [d/2, d] from a source seeded with Seed and the peer's ID).
	BackoffMin, BackoffMax time.Duration
	// Seed seeds the back-off jitter.
	Seed uint64
}

// withDefaults returns c with its zero fields set to the defaults, or an error naming the
// first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.NodeID == 0 {
		return c, errors.New("transport: Config.NodeID is 0")
	}
	if c.Handler == nil {
		return c, errors.New("transport: Config.Handler is nil")
	}
	for id := range c.Peers {
		if id == 0 || id == c.NodeID {
			return c, fmt.Errorf("transport: Config.Peers has the invalid ID %d", id)
		}
	}
	if c.MaxFrameSize == 0 {
		c.MaxFrameSize = DefaultMaxFrameSize
	}
	if c.MaxSnapshotSize == 0 {
		c.MaxSnapshotSize = DefaultMaxSnapshotSize
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.BackoffMin == 0 {
		c.BackoffMin = DefaultBackoffMin
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	switch {
	case c.MaxFrameSize < 0 || c.MaxFrameSize > math.MaxUint32:
		return c, fmt.Errorf("transport: Config.MaxFrameSize %d out of range", c.MaxFrameSize)
	case c.MaxSnapshotSize < 0 || c.MaxSnapshotSize > math.MaxUint32:
		return c, fmt.Errorf("transport: Config.MaxSnapshotSize %d out of range (at most 4 GiB - 1)", c.MaxSnapshotSize)
	case c.QueueSize < 0:
		return c, fmt.Errorf("transport: Config.QueueSize %d is negative", c.QueueSize)
	case c.DialTimeout < 0 || c.WriteTimeout < 0:
		return c, errors.New("transport: negative Config.DialTimeout or WriteTimeout")
	case c.BackoffMin < 0 || c.BackoffMax < c.BackoffMin:
		return c, fmt.Errorf("transport: Config.BackoffMin %v, BackoffMax %v: need 0 <= min <= max", c.BackoffMin, c.BackoffMax)
	}
	return c, nil
}
