package fixbench

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixclient"
	"github.com/openmatch/matchd/internal/fixtag"
)

// tradeEntry is how a trade entry (MDEntryType=2) appears on the wire.
var tradeEntry = []byte("\x01269=2\x01")

// mdSub is one market-data subscriber session: it subscribes to every
// symbol of the load and counts what it receives.
type mdSub struct {
	sid    quickfix.SessionID
	reqs   atomic.Int64 // MarketDataRequests sent (the first, then one per logon again)
	logons chan struct{}

	loggedOn atomic.Bool
	// started is set when the load starts: snapshots after it are resyncs
	// (or the answer to a subscription renewed after a logout).
	started atomic.Bool

	initial, resyncs, incrementals, xEntries, entries, trades, rejects, logouts atomic.Int64
}

// MDStats is what the market-data subscribers received, summed over them.
type MDStats struct {
	// Subscribers is Options.MDSubscribers.
	Subscribers int
	// Initial counts the snapshots (W) received before the load started: one
	// per subscriber and symbol.
	Initial int64
	// Resyncs counts snapshots received during the load: the server resynced
	// a subscriber that fell behind, or answered a subscription renewed after
	// a logout.
	Resyncs int64
	// Incrementals counts MarketDataIncrementalRefresh (X) messages. One X
	// may cover several commands and symbols (the server packs a backlog of
	// one subscription into one X), so this is no count of updates:
	// IncrementalEntries is the volume, Incrementals what it cost in messages.
	Incrementals int64
	// IncrementalEntries counts the MDEntries of the X messages alone.
	IncrementalEntries int64
	// Entries counts the MDEntries of every W and X (NoMDEntries); Trades
	// those with MDEntryType=2.
	Entries, Trades int64
	// Rejects counts MarketDataRequestRejects (Y), BusinessMessageRejects and
	// session Rejects the subscribers received.
	Rejects int64
	// Logouts counts subscriber sessions logged out during the load (each
	// logs on again and renews its subscription).
	Logouts int64
}

// Counter names of the market-data figures in the ack run's Counters.
const (
	CounterMDInitial      = "md_snapshots_initial"
	CounterMDResyncs      = "md_resyncs"
	CounterMDIncrementals = "md_incrementals"
	CounterMDXEntries     = "md_incremental_entries"
	CounterMDEntries      = "md_entries"
	CounterMDTrades       = "md_trade_entries"
	CounterMDRejects      = "md_rejects"
	CounterMDLogouts      = "md_logouts"
)

// mdSenderID is subscriber k's SenderCompID: the prefix, "MD", k+1.
func mdSenderID(prefix string, k int) string { return prefix + "MD" + strconv.Itoa(k+1) }

// subscribe sends sub's MarketDataRequest: snapshot then incremental
// updates (263=1), full depth (264=0), bids, offers and trades, for every
// symbol of the load, under a new MDReqID.
func (c *client) subscribe(s *mdSub) error {
	n := s.reqs.Add(1)
	req := string(c.sessions[0].tag) + "md" + s.sid.SenderCompID + "." + strconv.FormatInt(n, 10)
	return quickfix.SendToTarget(fixclient.MarketDataRequest(req, '1', 0, c.o.Symbols...), s.sid)
}

// subscribeAll logs the subscribers' requests and waits until each has its
// snapshot of every symbol. A subscriber refused (Y, j or 3) fails the run.
func (c *client) subscribeAll(ctx context.Context, deadline <-chan time.Time) error {
	for _, s := range c.mdSubs {
		if err := c.subscribe(s); err != nil {
			return fmt.Errorf("fixbench: market-data subscriber %s: %w", s.sid.SenderCompID, err)
		}
	}
	want := int64(len(c.o.Symbols))
	for _, s := range c.mdSubs {
		for s.initial.Load() < want {
			if s.rejects.Load() > 0 {
				return fmt.Errorf("fixbench: market-data subscriber %s: MarketDataRequest refused: %q",
					s.sid.SenderCompID, c.texts()["md_reject"])
			}
			select {
			case <-time.After(5 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			case <-deadline:
				return fmt.Errorf("fixbench: market-data subscriber %s: %d of %d snapshots after the logon timeout",
					s.sid.SenderCompID, s.initial.Load(), want)
			}
		}
	}
	for _, s := range c.mdSubs {
		s.started.Store(true)
	}
	return nil
}

// mdFromApp counts one message received by a subscriber (on its QuickFIX
// goroutine).
func (c *client) mdFromApp(s *mdSub, m *quickfix.Message) {
	mt, err := m.Header.GetBytes(fixtag.MsgType)
	if err != nil || len(mt) != 1 {
		return
	}
	switch mt[0] {
	case fixtag.MsgTypeMarketDataSnapshot[0], fixtag.MsgTypeMarketDataIncremental[0]:
		n, err := m.Body.GetInt(fixtag.NoMDEntries)
		if err == nil {
			s.entries.Add(int64(n))
		}
		s.trades.Add(int64(bytes.Count(m.Bytes(), tradeEntry)))
		switch {
		case mt[0] == fixtag.MsgTypeMarketDataIncremental[0]:
			s.incrementals.Add(1)
			if err == nil {
				s.xEntries.Add(int64(n))
			}
		case s.started.Load():
			s.resyncs.Add(1)
		default:
			s.initial.Add(1)
		}
	case fixtag.MsgTypeMarketDataRequestReject[0], fixtag.MsgTypeBusinessMessageReject[0]:
		s.rejects.Add(1)
		c.noteText("md_reject", m)
	}
}

// mdStats sums the subscribers' counters.
func (c *client) mdStats() MDStats {
	st := MDStats{Subscribers: len(c.mdSubs)}
	for _, s := range c.mdSubs {
		st.Initial += s.initial.Load()
		st.Resyncs += s.resyncs.Load()
		st.Incrementals += s.incrementals.Load()
		st.IncrementalEntries += s.xEntries.Load()
		st.Entries += s.entries.Load()
		st.Trades += s.trades.Load()
		st.Rejects += s.rejects.Load()
		st.Logouts += s.logouts.Load()
	}
	return st
}

// counters adds st to the ack run's counters.
func (st MDStats) counters(into map[string]int64) {
	into[CounterMDInitial] = st.Initial
	into[CounterMDResyncs] = st.Resyncs
	into[CounterMDIncrementals] = st.Incrementals
	into[CounterMDXEntries] = st.IncrementalEntries
	into[CounterMDEntries] = st.Entries
	into[CounterMDTrades] = st.Trades
	into[CounterMDRejects] = st.Rejects
	into[CounterMDLogouts] = st.Logouts
}
