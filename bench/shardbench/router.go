package shardbench

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/ringbuffer"
)

// Map assigns every symbol (an index into engine.Config.Symbols) to one
// shard. In a venue it is configuration, versioned (docs/SCALING.md); here it
// is built by RoundRobin.
type Map struct {
	shardOf []int // by symbol index
	shards  int
}

// RoundRobin assigns symbol i of symbols to shard i mod shards. Every shard
// gets at least one symbol, so shards may not exceed symbols.
func RoundRobin(symbols, shards int) (Map, error) {
	switch {
	case shards < 1:
		return Map{}, fmt.Errorf("shardbench: shards must be at least 1, not %d", shards)
	case symbols < shards:
		return Map{}, fmt.Errorf("shardbench: %d shards need at least as many symbols, not %d", shards, symbols)
	}
	m := Map{shardOf: make([]int, symbols), shards: shards}
	for i := range m.shardOf {
		m.shardOf[i] = i % shards
	}
	return m, nil
}

// Shards is the number of shards.
func (m Map) Shards() int { return m.shards }

// Shard returns the shard of symbol sym; false for a symbol the map does not
// hold (engine.NoSymbol included).
func (m Map) Shard(sym uint32) (int, bool) {
	if uint64(sym) >= uint64(len(m.shardOf)) {
		return 0, false
	}
	return m.shardOf[sym], true
}

// String lists each shard's symbols, shards separated by '|': "0,2|1,3".
func (m Map) String() string {
	var b strings.Builder
	for k := range m.shards {
		if k > 0 {
			b.WriteByte('|')
		}
		first := true
		for sym, s := range m.shardOf {
			if s != k {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(strconv.Itoa(sym))
		}
	}
	return b.String()
}

// Router is the gateway tier of the simulation: the single writer of every
// shard's ring. It puts each command into the ring of its symbol's shard and
// stamps it with that shard's next Seq (shard sequencers are independent: an
// order's identity is (shard, Seq)). A command for no symbol
// (engine.NoSymbol: an end of day, a mass cancel of everything) goes to every
// shard, each stamping its own Seq; a command for a symbol outside the map is
// an error. The rings' consumers must be started before routing.
type Router struct {
	m     Map
	rings []*ringbuffer.Ring[engine.Command]
	next  []uint64 // the last Seq stamped by each shard
	base  time.Time
}

// NewRouter returns a router over one ring per shard of m, whose Seqs start
// after last (one per shard; nil starts every shard at 1). Stamps are
// nanoseconds since base.
func NewRouter(m Map, rings []*ringbuffer.Ring[engine.Command], last []uint64, base time.Time) (*Router, error) {
	if len(rings) != m.shards {
		return nil, fmt.Errorf("shardbench: %d rings for %d shards", len(rings), m.shards)
	}
	next := make([]uint64, m.shards)
	if last != nil {
		if len(last) != m.shards {
			return nil, fmt.Errorf("shardbench: %d last seqs for %d shards", len(last), m.shards)
		}
		copy(next, last)
	}
	return &Router{m: m, rings: rings, next: next, base: base}, nil
}

// Last returns the last Seq each shard stamped.
func (r *Router) Last() []uint64 { return append([]uint64(nil), r.next...) }

// Route puts a copy of c into its shard's ring (every ring for NoSymbol),
// with the shard's next Seq and Received set to tag, or, when tag is
// negative, to the router's clock (nanoseconds since base) as it hands the
// command over.
func (r *Router) Route(c *engine.Command, tag int64) error {
	if c.Symbol == engine.NoSymbol {
		for k := range r.rings {
			if err := r.put(k, c, tag); err != nil {
				return err
			}
		}
		return nil
	}
	k, ok := r.m.Shard(c.Symbol)
	if !ok {
		return fmt.Errorf("shardbench: ClOrdID %q: symbol %d is in no shard (the map holds %d symbols)",
			c.ClOrdID.String(), c.Symbol, len(r.m.shardOf))
	}
	return r.put(k, c, tag)
}

func (r *Router) put(k int, c *engine.Command, tag int64) error {
	ring := r.rings[k]
	q, err := ring.Reserve(1)
	if err != nil {
		return fmt.Errorf("shardbench: shard %d: %w", k, err)
	}
	slot := ring.Slot(q)
	*slot = *c
	r.next[k]++
	slot.Seq = r.next[k]
	if tag < 0 {
		tag = int64(time.Since(r.base))
	}
	slot.Received = tag
	return ring.Commit(q, q)
}
