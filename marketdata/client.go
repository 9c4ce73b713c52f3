package marketdata

import "sync"

// BatchClient is a Client that can send several incremental refreshes of one
// subscription as one message. When a client's sender finds more than one X
// of the same ReqID next in its queue (a backlog), it hands them to SendBatch
// together, in queue order, at most MaxBatchRefreshes refreshes and
// MaxBatchEntries entries (a single X over that limit goes alone, to Send);
// a W, and a lone X, always go to Send. The refreshes may be of different
// symbols and commands: sending every entry of every refresh in order (one
// MarketDataIncrementalRefresh with Symbol per entry) means exactly what
// sending them one by one does. rs is reused after SendBatch returns: do not
// keep it (the Refreshes themselves are shared and immutable, as for Send).
type BatchClient interface {
	Client
	SendBatch(reqID string, rs []*Refresh) error
}

// Batch limits (see BatchClient): enough to turn a backlog into few messages,
// small enough to keep one FIX message about 10 KB at most and a batch's
// latency bounded.
const (
	MaxBatchRefreshes = 64
	MaxBatchEntries   = 256
)

// item is one queued refresh.
type item struct {
	reqID string
	r     *Refresh
	// once marks the answer to a snapshot-only request: a resync keeps it
	// (nothing replaces it) while it drops everything else.
	once bool
}

// client is one key's queue and sender goroutine.
type client struct {
	f    *Feed
	key  uint32
	conn Client
	subs map[string]*subscription // kept subscriptions by ReqID (guarded by f.mu)

	mu       sync.Mutex
	cond     sync.Cond // the sender waits on it for work
	idle     sync.Cond // waitIdle waits on it for an empty queue and no Send
	q        []item
	head     int
	sending  bool
	resynced uint64 // Seq of the last resync's W: later X of that command are covered by it
	stopped  bool
	episode  bool // resynced since the queue last ran empty (logged once)
	loggedEr bool // a send error was logged

	// batch is the sender's reusable slice of the refreshes of one SendBatch
	// call (sender goroutine only).
	batch []*Refresh
	bc    BatchClient // conn as a BatchClient, nil when it is not one
}

func newClient(f *Feed, key uint32, conn Client) *client {
	c := &client{f: f, key: key, conn: conn, subs: make(map[string]*subscription)}
	if bc, ok := conn.(BatchClient); ok {
		c.bc = bc
		c.batch = make([]*Refresh, 0, MaxBatchRefreshes)
	}
	c.cond.L = &c.mu
	c.idle.L = &c.mu
	return c
}

// queued is the queue length (mu held).
func (c *client) queued() int { return len(c.q) - c.head }

// enqueue appends one refresh regardless of the limit (a W).
func (c *client) enqueue(it item) {
	c.mu.Lock()
	if !c.stopped {
		c.q = append(c.q, it)
		c.cond.Signal()
	}
	c.mu.Unlock()
}

// enqueueX queues one X for sub's client, or resyncs the client when its queue
// is full (f.mu held, at the end of a command: the book is at a boundary).
func (f *Feed) enqueueX(c *client, reqID string, r *Refresh) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || r.Seq <= c.resynced {
		return
	}
	if c.queued() < f.opts.QueueLimit {
		c.q = append(c.q, item{reqID: reqID, r: r})
		c.cond.Signal()
		return
	}
	// Overflow: drop what is queued (but the answers to snapshot requests) and
	// queue a fresh W per subscription and symbol; X messages continue from
	// the book these W show.
	kept := c.q[:0]
	for _, it := range c.q[c.head:] {
		if it.once {
			kept = append(kept, it)
		}
	}
	clear(c.q[len(kept):])
	c.q, c.head = kept, 0
	for _, sub := range c.subs {
		for _, s := range sub.syms {
			w := f.book.Snapshot(s, sub.depth, sub.types)
			c.q = append(c.q, item{reqID: sub.reqID, r: &w})
		}
	}
	c.resynced = f.book.Seq()
	c.cond.Signal()
	f.resyncs.Add(1)
	if !c.episode {
		c.episode = true
		f.opts.Log.Warn().Uint32("client", c.key).Int("limit", f.opts.QueueLimit).Uint64("seq", r.Seq).
			Msg("marketdata: client queue overflowed; resynced with snapshots")
	}
}

// dropQueued removes the queued refreshes of reqID.
func (c *client) dropQueued(reqID string) {
	c.mu.Lock()
	kept := c.q[:c.head]
	for _, it := range c.q[c.head:] {
		if it.reqID != reqID {
			kept = append(kept, it)
		}
	}
	clear(c.q[len(kept):])
	c.q = kept
	c.mu.Unlock()
}

// waitIdle returns once the queue is empty and no Send is in progress (or the
// sender stopped): a sync point for tests.
func (c *client) waitIdle() {
	c.mu.Lock()
	for (c.queued() > 0 || c.sending) && !c.stopped {
		c.idle.Wait()
	}
	c.mu.Unlock()
}

// stop empties the queue and ends the sender.
func (c *client) stop() {
	c.mu.Lock()
	c.stopped = true
	clear(c.q)
	c.q, c.head = nil, 0
	c.cond.Signal()
	c.mu.Unlock()
}

// batchable reports whether it may go in a batch: an incremental refresh of
// a kept subscription (a W always goes alone).
func (it *item) batchable() bool { return !it.r.Full && !it.once }

// take removes the next message's refreshes from the queue (mu held, queue not
// empty): the head item, and when conn is a BatchClient and the head is an X,
// the X of the same ReqID right after it, up to MaxBatchRefreshes refreshes
// and MaxBatchEntries entries (a single X over that limit goes alone). It
// returns the ReqID and the refresh of a single item, or the batch in c.batch.
func (c *client) take() (reqID string, r *Refresh, batch []*Refresh) {
	it := c.q[c.head]
	n := 1
	if c.bc != nil && it.batchable() {
		entries := len(it.r.Entries)
		for i := c.head + 1; i < len(c.q) && n < MaxBatchRefreshes; i++ {
			next := &c.q[i]
			if next.reqID != it.reqID || !next.batchable() || entries+len(next.r.Entries) > MaxBatchEntries {
				break
			}
			entries += len(next.r.Entries)
			n++
		}
	}
	if n > 1 {
		batch = c.batch[:0]
		for i := c.head; i < c.head+n; i++ {
			batch = append(batch, c.q[i].r)
		}
	}
	clear(c.q[c.head : c.head+n])
	if c.head += n; c.head == len(c.q) {
		c.q, c.head = c.q[:0], 0
	} else if c.head >= 64 && 2*c.head >= len(c.q) {
		// A client always behind never empties its queue: compact it so
		// appends reuse the consumed prefix.
		k := copy(c.q, c.q[c.head:])
		clear(c.q[k:])
		c.q, c.head = c.q[:k], 0
	}
	return it.reqID, it.r, batch
}

// run is the sender: it calls Send with each queued refresh, in order, or
// SendBatch with consecutive X of one ReqID (see take).
func (c *client) run() {
	defer c.f.senders.Done()
	for {
		c.mu.Lock()
		c.sending = false
		for c.queued() == 0 && !c.stopped {
			c.episode = false
			c.idle.Broadcast()
			c.cond.Wait()
		}
		if c.stopped {
			c.idle.Broadcast()
			c.mu.Unlock()
			return
		}
		c.sending = true
		reqID, r, batch := c.take()
		c.mu.Unlock()
		var err error
		refreshes := 1
		if batch != nil {
			refreshes = len(batch)
			err = c.bc.SendBatch(reqID, batch)
			clear(batch) // keep no refresh alive
		} else {
			err = c.conn.Send(reqID, r)
		}
		if err != nil {
			c.f.sendErrors.Add(1)
			if !c.loggedEr {
				c.loggedEr = true
				c.f.opts.Log.Warn().Err(err).Uint32("client", c.key).Str("req", reqID).Int("refreshes", refreshes).
					Msg("marketdata: send failed (further errors of this client are counted, not logged)")
			}
			continue
		}
		c.f.messages.Add(1)
		c.f.refreshes.Add(uint64(refreshes))
	}
}
