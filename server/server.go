package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/gateway"
	"github.com/openmatch/matchd/marketdata"
	"github.com/openmatch/matchd/pipeline"
)

// Server is matchd: the FIX gateway in front of the pipeline (sequencer, journal,
// matcher, releaser), plus the metrics endpoint and the end-of-day timer.
//
//	gateway (FIX sessions) --Submit--> pipeline --Reporter.Deliver--> gateway
//	                                            \--observer Deliver--> marketdata.Feed --W/X--> gateway sessions
//
// New opens the pipeline first (pipeline.Open): it takes the data directory's
// lock and recovers the books from the newest snapshot and the journal, and runs
// nothing yet. Only then is the gateway created (its owner registry and FIX store
// live in the same directory, so a second matchd on it fails before touching
// them), with the pipeline as its Sink and the market-data feed (its book
// Loaded from the recovered engine). Start starts the pipeline with the
// gateway as its Reporter and the feed as an observer, before anything can be
// submitted.
type Server struct {
	opts Options
	log  zerolog.Logger
	pipe *pipeline.Pipeline
	gw   *gateway.Gateway
	feed *marketdata.Feed // market data: a second consumer of the pipeline's events
	rec  pipeline.Recovered

	httpSrv  *http.Server
	httpAddr string
	httpDone chan struct{}

	stop    chan struct{} // closed by Close: ends housekeeping
	done    chan struct{} // closed when housekeeping has returned
	failed  chan struct{} // closed by housekeeping when the pipeline fails
	failErr atomic.Pointer[error]

	mu      sync.Mutex
	started bool
	closed  bool

	closeOnce sync.Once
	closeErr  error // set by the first Close

	regenMu sync.Mutex // one regeneration at a time (regenerate.go)

	relay leaderRelay // cluster: leadership changes to the gateway (cluster.go)
}

// New recovers the state in opts.DataDir and builds the server; Start makes it
// listen. opts normally comes from Load (command line) or Parse (settings text).
func New(opts Options) (*Server, error) {
	if opts.Settings == nil {
		return nil, errors.New("server: Options.Settings is required (build Options with Load or Parse)")
	}
	if opts.DataDir == "" {
		return nil, errors.New("server: Options.DataDir is required")
	}
	s := &Server{opts: opts, log: opts.Logger.With().Str("component", "server").Logger(),
		stop: make(chan struct{}), done: make(chan struct{}), failed: make(chan struct{})}
	t0 := time.Now()
	var seqClock func() int64 // nil: the pipeline's wall clock
	if opts.clock != nil {
		seqClock = func() int64 { return opts.clock().UnixNano() }
	}
	pipe, rec, err := pipeline.Open(pipeline.Options{
		Clock:            seqClock,
		Engine:           opts.Engine,
		Dir:              opts.DataDir,
		Durability:       opts.Durability,
		Wait:             opts.Wait,
		InboundCapacity:  opts.InboundRing,
		OutboundCapacity: opts.OutboundRing,
		MatcherCPU:       opts.MatcherCPU,
		CheckpointEvery:  opts.CheckpointEvery,
		SnapshotEvery:    opts.SnapshotEvery,
		StageTiming:      opts.StageTiming,
		JournalFault:     opts.journalFault,
		Cluster:          s.clusterOptions(),
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.pipe, s.rec = pipe, rec
	s.logRecovery(rec, time.Since(t0))
	s.feed = marketdata.NewFeed(marketdata.Options{Symbols: len(opts.Engine.Symbols), QueueLimit: opts.MarketDataQueue,
		Log: opts.Logger.With().Str("component", "marketdata").Logger()})
	// The recovered resting orders, before the matcher runs: from here on the
	// feed's book follows the events.
	s.feed.Load(pipe.Engine())

	gw, err := gateway.New(gateway.Options{
		Settings:         opts.Settings,
		DataDir:          opts.DataDir,
		Symbols:          opts.Engine.Symbols,
		Sink:             pipe,
		Logger:           opts.Logger,
		RatePerSecond:    opts.RateLimit,
		RateBurst:        opts.RateBurst,
		MaxSessions:      opts.MaxSessions,
		PendingLimit:     opts.OfflineReports,
		OutboundMessages: opts.OutboundMessages,
		OutboundBytes:    opts.OutboundBytes,
		Regenerate:       s.regenerate,
		StageTiming:      opts.StageTiming,
		MarketData:       s.feed,

		PendingLogonTimeout:     opts.PendingLogonTimeout,
		MaxPendingLogons:        opts.MaxPendingLogons,
		MaxPendingLogonsPerHost: opts.MaxPendingLogonsPerHost,
		MaxMessageSize:          opts.MaxMessageSize,

		Standby:        opts.Cluster != nil,
		FailoverResend: opts.FailoverResend,
	})
	if err != nil {
		s.feed.Close()
		if cerr := pipe.Close(); cerr != nil {
			s.log.Error().Err(cerr).Msg("closing the pipeline after a failed start")
		}
		return nil, fmt.Errorf("server: %w", err)
	}
	s.gw = gw
	s.relay.setGateway(gw, pipe, s.log)
	return s, nil
}

// logRecovery says what Open found, in one structured line, plus a warning for
// each repair.
func (s *Server) logRecovery(rec pipeline.Recovered, took time.Duration) {
	j := rec.Journal
	s.log.Info().Uint64("snapshot_seq", rec.FromSnapshot).Uint64("replayed_commands", rec.Replayed).
		Uint64("last_seq", rec.LastSeq).Str("state_hash", fmt.Sprintf("%016x", rec.StateHash)).
		Int("journal_segments", j.Segments).Bool("torn_tail_truncated", j.Truncated).
		Int("damaged_snapshots", len(rec.DamagedSnapshots)).Str("took", took.Round(time.Microsecond).String()).Str("data_dir", s.opts.DataDir).
		Msg("books recovered")
	if j.Truncated {
		s.log.Warn().Uint64("segment", j.Segment).Int64("offset", j.Offset).Int64("dropped_bytes", j.Dropped).
			Str("reason", j.Reason).Uint64("last_marked_record", j.Marked).Msg("journal had a torn tail (after its last commit mark: a write the crash interrupted): truncated")
	}
	if rec.Torn != nil {
		s.log.Warn().Err(rec.Torn).Msg("journal replay stopped at a torn record")
	}
	for _, d := range rec.DamagedSnapshots {
		s.log.Warn().Uint64("seq", d.Seq).Str("path", d.Path).Str("reason", d.Reason).
			Msg("damaged snapshot skipped: recovered from an older one and the journal")
	}
}

// Start starts the pipeline with the gateway as its Reporter, applies the
// garbage-collector settings, opens the metrics endpoint, runs an end of day the
// server missed (catchUpEndOfDay), opens the FIX acceptor and starts the
// end-of-day timer. After a failed Start, Close releases what New opened.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("server: Start called twice or after Close")
	}
	s.started = true
	s.mu.Unlock()

	if err := s.pipe.Start(s.gw, s.feed); err != nil {
		close(s.done)
		return fmt.Errorf("server: %w", err)
	}
	applyGC(s.opts.GC, s.log)
	if s.opts.MetricsAddr != "" {
		ln, err := net.Listen("tcp", s.opts.MetricsAddr)
		if err != nil {
			close(s.done)
			return fmt.Errorf("server: metrics endpoint (MetricsAddr, -metrics): %w", err)
		}
		s.httpAddr = ln.Addr().String()
		if s.opts.HTTPToken == "" && !loopback(ln.Addr()) {
			s.log.Warn().Str("metrics_addr", s.httpAddr).Bool("pprof", s.opts.Pprof).
				Msg("metrics endpoint on a non-loopback address without HTTPToken: anyone who reaches it can read /metrics, /debug/stages and /book")
		}
		s.httpSrv = &http.Server{Handler: newMetricsHandler(newCollector(s.gw, s.pipe, s.feed, &s.opts)),
			ReadHeaderTimeout: 5 * time.Second}
		s.httpDone = make(chan struct{})
		go func() {
			defer close(s.httpDone)
			if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error().Err(err).Msg("metrics endpoint stopped")
			}
		}()
	}
	if err := s.catchUpEndOfDay(); err != nil {
		close(s.done)
		return err
	}
	if err := s.gw.Start(); err != nil {
		close(s.done)
		return fmt.Errorf("server: FIX port %d (SocketAcceptPort, -port): %w", s.opts.Port, err)
	}
	go s.housekeeping()

	st := s.pipe.Stats()
	if s.opts.MatcherCPU >= 0 && !st.MatcherPinned {
		s.log.Warn().Int("matcher_cpu", s.opts.MatcherCPU).Msg("could not pin the matcher to MatcherCPU; it runs unpinned")
	}
	ev := s.log.Info().Int("fix_port", s.opts.Port).Str("config", s.opts.Source).Str("data_dir", s.opts.DataDir).
		Int("symbols", len(s.opts.Engine.Symbols)).Str("durability", s.opts.Durability.String()).
		Str("wait", s.opts.Wait.String()).Uint64("last_seq", st.Sequenced)
	if s.httpAddr != "" {
		ev = ev.Str("metrics", "http://"+s.httpAddr+"/metrics")
	}
	ev.Msg("matchd ready")
	return nil
}

// MetricsAddr returns the address the metrics endpoint listens on ("" when off
// or not started).
func (s *Server) MetricsAddr() string { return s.httpAddr }

// Recovered returns what New found in the data directory.
func (s *Server) Recovered() pipeline.Recovered { return s.rec }

// Failed is closed when the pipeline fails (the journal cannot be written): the
// server then refuses orders and should be shut down (Run does).
func (s *Server) Failed() <-chan struct{} { return s.failed }

// EndOfDay submits an end-of-day command now, through the pipeline like any
// order: every resting DAY order expires (ExecType C to its owner) and the
// ClOrdID history is cleared (see engine/doc.go). EndOfDay in the settings calls
// it at that UTC time each day.
func (s *Server) EndOfDay() error {
	cmd := engine.Command{Kind: engine.KindEndOfDay, Received: time.Now().UnixNano()}
	if err := s.pipe.Submit(&cmd); err != nil {
		return fmt.Errorf("server: end of day: %w", err)
	}
	s.log.Info().Msg("end of day submitted: resting DAY orders expire")
	return nil
}

// catchUpEndOfDay closes a trading day the server was down for at its scheduled
// end. The recovered books' day opened (engine.DayOpened: the first command
// since the last end of day) before the latest scheduled end of day, so that end
// of day never ran: it is submitted now, before the FIX acceptor opens, so no
// order of the new day can trade against the old day's DAY orders. Its expiries
// reach their owners as offline reports when they log on. The decision reads the
// wall clock, but the command is journaled like any other: replay reproduces it.
func (s *Server) catchUpEndOfDay() error {
	if s.opts.EndOfDay < 0 || s.rec.DayOpened == 0 {
		return nil
	}
	if s.opts.Cluster != nil {
		// Only the serving leader sequences, and at Start no node serves yet.
		s.log.Warn().Msg("a cluster node does not catch up a missed end of day at start: submit it on the leader if it is due (docs/CLUSTER.md)")
		return nil
	}
	missed := nextEndOfDay(s.now(), s.opts.EndOfDay).AddDate(0, 0, -1) // the latest at or before now
	if s.rec.DayOpened >= missed.UnixNano() {
		return nil
	}
	s.log.Warn().Time("day_opened", time.Unix(0, s.rec.DayOpened).UTC()).Time("missed_end_of_day", missed).
		Msg("matchd was down at the scheduled end of day: running it now, before clients can log on")
	return s.EndOfDay()
}

// now is the wall clock (Options.clock in tests).
func (s *Server) now() time.Time {
	if s.opts.clock != nil {
		return s.opts.clock()
	}
	return time.Now()
}

// housekeeping runs the end-of-day timer and watches the pipeline's health, once
// a second. Checking the wall clock each second (rather than sleeping until the
// end of day) keeps the schedule right across clock steps and suspends.
func (s *Server) housekeeping() {
	defer close(s.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var next time.Time
	if s.opts.EndOfDay >= 0 {
		next = nextEndOfDay(s.now(), s.opts.EndOfDay)
		s.log.Info().Time("next_end_of_day", next).Msg("end of day scheduled")
	}
	healthy := true
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			now := s.now()
			if healthy {
				if err := s.pipe.Stats().Err; err != nil {
					healthy = false
					s.noteFailure(err)
				}
			}
			if !next.IsZero() && !now.Before(next) {
				// In a cluster only the serving leader's timer submits it.
				if s.opts.Cluster == nil || s.gw.Serving() {
					if err := s.EndOfDay(); err != nil {
						s.log.Error().Err(err).Msg("end of day")
					}
				}
				next = nextEndOfDay(now, s.opts.EndOfDay)
				s.log.Info().Time("next_end_of_day", next).Msg("end of day scheduled")
			}
		}
	}
}

// nextEndOfDay returns the first instant after now at the UTC time of day at.
func nextEndOfDay(now time.Time, at time.Duration) time.Time {
	now = now.UTC()
	t := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(at)
	if !t.After(now) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// Close shuts the server down gracefully: the gateway stops accepting logons and
// messages; the pipeline drains (every command submitted so far is journaled,
// matched and its reports handed to the gateway), syncs the journal and writes a
// snapshot; the market-data feed stops (market data not yet sent is dropped);
// then the gateway sends what it was handed and logs every session out, with a
// Text saying why ("server shutting down", or the failure's cause, see
// stopText); last the metrics endpoint stops. It returns the pipeline's error,
// if any, wrapping ErrPipelineFailed when the journal or a snapshot failed.
// Idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(s.close) // a concurrent Close waits for the first
	return s.closeErr
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	started := s.started
	s.mu.Unlock()

	t0 := time.Now()
	s.relay.stop()
	s.gw.Quiesce()
	if started {
		close(s.stop)
		<-s.done
	}
	err := s.pipe.Close()
	st := s.pipe.Stats()
	if st.Err != nil {
		s.noteFailure(st.Err) // if housekeeping has not
	}
	if err != nil && err != st.Err { // Close returns the failure again
		s.log.Error().Err(err).Msg("pipeline close")
	}
	// Every event has reached the feed: stop its senders (market data still
	// queued is not sent) before the gateway logs the sessions out, with a
	// Text that says why.
	s.feed.Close()
	text := stopTextGraceful
	if st.Err != nil {
		text = stopText(st.Err)
	}
	if s.opts.Cluster != nil && text == stopTextGraceful {
		// A member leaving: the others elect a leader and resend the window.
		text = "server shutting down: reconnect to the cluster's new leader (another node)"
	}
	s.gw.StopWithText(text)
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if e := s.httpSrv.Shutdown(ctx); e != nil {
			s.httpSrv.Close()
		}
		cancel()
		<-s.httpDone
	}
	s.log.Info().Uint64("last_seq", st.Sent).Uint64("durable_seq", st.Durable).Str("took", time.Since(t0).Round(time.Microsecond).String()).
		Msg("matchd stopped")
	switch {
	case st.Err != nil:
		s.closeErr = fmt.Errorf("%w: %w", ErrPipelineFailed, st.Err)
	case err != nil:
		s.closeErr = fmt.Errorf("server: %w", err)
	}
}

// noteFailure records the pipeline's failure, logs it (once, whoever sees it
// first: housekeeping, or Close) and closes Failed.
func (s *Server) noteFailure(err error) {
	if !s.failErr.CompareAndSwap(nil, &err) {
		return
	}
	if d, ok := isDivergence(err); ok {
		s.log.Error().Err(err).Uint64("raft_index", d.Index).Uint64("seq", d.Seq).Str("leader_hash", strconv.FormatUint(d.Proposer, 16)).
			Str("local_hash", strconv.FormatUint(d.Local, 16)).
			Msg("replica state diverged from the leader's: a determinism bug; stopping this node, logging every session out (keep its data directory for the investigation, docs/CLUSTER.md)")
		close(s.failed)
		return
	}
	s.log.Error().Err(err).Msg("pipeline failed: orders are refused; logging every session out and shutting down (docs/SERVER.md, \"Disk full\")")
	close(s.failed)
}

// Run starts the server, waits until ctx is done (main cancels it on SIGINT or
// SIGTERM) or the pipeline fails, and shuts down with Close, returning its
// error (errors.Is(err, ErrPipelineFailed) after a failure, already logged).
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(); err != nil {
		s.Close()
		return err
	}
	select {
	case <-ctx.Done():
		s.log.Info().Msg("shutting down")
	case <-s.failed:
	}
	return s.Close()
}
