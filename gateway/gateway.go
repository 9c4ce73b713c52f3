package gateway

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quickfixgo/quickfix"
	"github.com/rs/zerolog"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/stagehist"
)

// Sink receives the commands the gateway decodes: the boundary to the pipeline
// (sequencer, ring, journal, matcher).
type Sink interface {
	// Submit hands cmd to the pipeline. It must be safe for concurrent use by every
	// session goroutine. The sink assigns Seq and Time and copies the command
	// before returning; the gateway reuses cmd afterwards. It returns an error
	// only when shutting down or overloaded; the client is then told the order was
	// not accepted.
	Submit(cmd *engine.Command) error
}

// Counters are the gateway's statistics, plain atomics for the caller to export
// (e.g. as Prometheus counters). All only ever increase.
type Counters struct {
	// OrdersIn counts D, F, G, H and q messages decoded and submitted to the Sink.
	OrdersIn atomic.Uint64
	// MarketDataRequests counts MarketDataRequests (V) served (subscribed or
	// unsubscribed); MarketDataRejects those answered with
	// MarketDataRequestReject (Y). Malformed ones count in MessageRejects.
	MarketDataRequests, MarketDataRejects atomic.Uint64
	// ReportsOut counts reports handed to QuickFIX for sending.
	ReportsOut atomic.Uint64
	// ReportsQueued counts reports parked for an offline session.
	ReportsQueued atomic.Uint64
	// ReportsSpilled counts reports forgotten by a session's queue over its
	// bound, left to the journal; ReportsRegenerated those regenerated from
	// it and handed to QuickFIX (doc.go, Slow and offline sessions).
	ReportsSpilled, ReportsRegenerated atomic.Uint64
	// SlowConsumers counts sessions logged out for not reading their reports.
	SlowConsumers atomic.Uint64
	// ReportsDropped counts reports lost: for an owner the gateway does not
	// know (one each), or a range that could not be regenerated from the
	// journal (one per range). Each is logged at error level.
	ReportsDropped atomic.Uint64
	// MessageRejects counts messages the gateway refused itself, by RejectKind.
	MessageRejects [NumRejectKinds]atomic.Uint64
	// OrderRejects counts ExecutionReports with ExecType=8, by OrdRejReason(103).
	OrderRejects [256]atomic.Uint64
	// CancelRejects counts OrderCancelRejects, by CxlRejReason(102).
	CancelRejects [256]atomic.Uint64
	// LogonsAccepted counts successful logons.
	LogonsAccepted atomic.Uint64
	// LogonsRefused counts refused logons, by RefuseReason.
	LogonsRefused [NumRefuseReasons]atomic.Uint64
	// CancelsOnDisconnect counts the cancels on disconnect submitted (cod.go).
	CancelsOnDisconnect atomic.Uint64
	// CancelOnDisconnectFailures counts the cancels on disconnect the Sink
	// refused (each logged at error; the session's orders stay).
	CancelOnDisconnectFailures atomic.Uint64
	// ConnectionEvents counts what the acceptor did to connections on its
	// own, by kind (conn.go): Accept retries, connections closed before they
	// logged on, messages over MaxMessageSize, Logons it refused (these also
	// count in LogonsRefused).
	ConnectionEvents [quickfix.NumConnectionEventKinds]atomic.Uint64
	// MessagesDiscarded counts messages of logged-on sessions that QuickFIX
	// discarded because they do not parse (a wrong CheckSum(10), ...): not
	// processed, MsgSeqNum not consumed; each logged at warn (log.go).
	MessagesDiscarded atomic.Uint64
}

// RefuseReason classifies refused logons: the index into Counters.LogonsRefused.
type RefuseReason uint8

// Logon refusals.
const (
	// RefusedUnknownSession: the CompID (or BeginString, or TargetCompID) is not
	// one the gateway serves.
	RefusedUnknownSession RefuseReason = iota
	// RefusedBadCredentials: Username(553)/Password(554) missing or wrong.
	RefusedBadCredentials
	// RefusedTooManySessions: Options.MaxSessions are logged on.
	RefusedTooManySessions
	// RefusedInternal: the owner registry could not be written.
	RefusedInternal
	// RefusedShuttingDown: the server is shutting down (see Quiesce).
	RefusedShuttingDown
	// RefusedInvalidLogon: the Logon itself is unacceptable (HeartBtInt(108)
	// missing or outside 1..3600, an empty SenderCompID(49)).
	RefusedInvalidLogon
	// RefusedAlreadyLoggedOn: a Logon for a session that is connected.
	RefusedAlreadyLoggedOn
	// RefusedNotLeader: this node is not the cluster's serving leader
	// (role.go); logged at info.
	RefusedNotLeader
	// NumRefuseReasons is the number of RefuseReasons.
	NumRefuseReasons
)

var refuseReasonNames = [NumRefuseReasons]string{
	RefusedUnknownSession:  "unknown_session",
	RefusedBadCredentials:  "bad_credentials",
	RefusedTooManySessions: "too_many_sessions",
	RefusedInternal:        "internal",
	RefusedShuttingDown:    "shutting_down",
	RefusedInvalidLogon:    "invalid_logon",
	RefusedAlreadyLoggedOn: "already_logged_on",
	RefusedNotLeader:       "not_leader",
}

// String returns a short label for metrics.
func (r RefuseReason) String() string {
	if r < NumRefuseReasons {
		return refuseReasonNames[r]
	}
	return "unknown"
}

// logonGrace is how long a logon that passed the checks holds a session slot
// before QuickFIX confirms it (OnLogon). A logon that fails after the checks (a
// sequence number problem) gets no OnLogout, so the slot must expire by itself.
const logonGrace = 30 * time.Second

// Gateway is the FIX acceptor in front of the engine. Create it with New, then
// Start; Deliver reports from the pipeline's releaser goroutine; Stop at the end.
type Gateway struct {
	opts     Options
	log      zerolog.Logger
	sink     Sink
	syms     *symbolTable
	dec      decoder
	owners   *ownerRegistry
	cfg      *sessionConfig
	stores   *storeFactory
	acceptor *quickfix.Acceptor
	epoch    time.Time // for the rate limiter's monotonic clock
	interval int64     // rate limiter: ns per message (0: unlimited)
	tau      int64     // rate limiter: burst tolerance

	// Counters are the gateway's statistics.
	Counters Counters

	// connLog rate-limits the log lines of connections closed before logon
	// (conn.go).
	connLog connLogLimiter

	// Stage histograms (stages.go); nil unless Options.StageTiming.
	wireIn, handed *stagehist.Hist

	// bySID and byOwner are copy-on-write snapshots, replaced under mu when a new
	// owner appears, so FromApp and Deliver read them without a lock.
	bySID   atomic.Pointer[map[quickfix.SessionID]*session]
	byOwner atomic.Pointer[[]*session] // index = owner id; [0] is nil

	// quiescing is set by Quiesce: new logons and application messages are
	// refused while the rest of the server drains.
	quiescing atomic.Bool
	// logoutText is the Text of the Logouts sent from StopWithText on (stoptext.go).
	logoutText atomic.Pointer[string]

	// role is the cluster role: serving or standby (role.go).
	role role

	// senders counts the per-session sender goroutines; quit, closed by Stop,
	// makes them return.
	senders sync.WaitGroup
	quit    chan struct{}
	// slowGrace is how long a slow consumer's connection stays open after its
	// Logout (slowConsumerGrace; tests lengthen it).
	slowGrace time.Duration

	mu       sync.Mutex
	active   map[quickfix.SessionID]bool      // logged on (OnLogon .. OnLogout)
	reserved map[quickfix.SessionID]time.Time // passed the logon checks, OnLogon pending
	started  bool
	stopped  bool
}

// New builds a gateway from opts: it loads the settings and the owner registry and
// creates the acceptor, but does not listen until Start.
func New(opts Options) (*Gateway, error) {
	if opts.DataDir == "" {
		return nil, errors.New("gateway: Options.DataDir is required")
	}
	if opts.Sink == nil {
		return nil, errors.New("gateway: Options.Sink is required")
	}
	o := opts.withDefaults()
	syms, err := newSymbolTable(o.Symbols)
	if err != nil {
		return nil, err
	}
	cfg, err := buildSessionConfig(&o)
	if err != nil {
		return nil, err
	}
	owners, err := openOwners(o.DataDir)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		opts:      o,
		log:       o.Logger.With().Str("component", "gateway").Logger(),
		sink:      o.Sink,
		syms:      syms,
		dec:       decoder{syms: syms},
		owners:    owners,
		cfg:       cfg,
		epoch:     time.Now(),
		quit:      make(chan struct{}),
		slowGrace: slowConsumerGrace,
		active:    make(map[quickfix.SessionID]bool),
		reserved:  make(map[quickfix.SessionID]time.Time),
	}
	owners.logOpen(g.log)
	if o.StageTiming {
		g.wireIn, g.handed = stagehist.New(), stagehist.New()
	}
	g.interval, g.tau = limiterParams(o.RatePerSecond, o.RateBurst)
	empty := map[quickfix.SessionID]*session{}
	g.bySID.Store(&empty)
	none := []*session{nil}
	g.byOwner.Store(&none)
	for i, sid := range owners.all() {
		g.addSession(sid, uint32(i+1))
	}
	if o.Standby {
		if err := g.registerListed(); err != nil {
			owners.close()
			return nil, err
		}
	}

	g.stores = newStoreFactory(g.persistable, cfg.settings, g.log)
	g.acceptor, err = quickfix.NewAcceptor(app{g}, g.stores, cfg.settings,
		qfLogFactory{log: o.Logger.With().Str("component", "quickfix").Logger(), discarded: &g.Counters.MessagesDiscarded})
	if err != nil {
		g.unregisterStatic()
		owners.close()
		return nil, errors.New("gateway: acceptor: " + err.Error())
	}
	g.acceptor.SetConnectionLimits(g.connectionLimits(o))
	g.acceptor.SetConnectionValidator(logonValidator{})
	g.startRole()
	return g, nil
}

// Start opens the listening socket(s) and starts the listed sessions.
func (g *Gateway) Start() error {
	g.mu.Lock()
	if g.started || g.stopped {
		g.mu.Unlock()
		return errors.New("gateway: Start called twice or after Stop")
	}
	g.started = true
	g.mu.Unlock()
	if err := g.acceptor.Start(); err != nil {
		// Close whatever listener did open; no session goroutine started yet.
		g.acceptor.Stop()
		g.mu.Lock()
		g.started = false
		g.mu.Unlock()
		return errors.New("gateway: start: " + err.Error())
	}
	g.log.Info().Bool("dynamic_sessions", g.cfg.dynamic).Int("listed_sessions", len(g.cfg.listed)).Msg("FIX gateway started")
	return nil
}

// Stop logs every session out, closes the sockets, the message stores and the
// owner registry. Reports still pending for offline sessions are lost with the
// process (see doc.go). Stop is idempotent.
func (g *Gateway) Stop() {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.stopped = true
	started := g.started
	g.mu.Unlock()
	if started {
		// Reports the pipeline delivered before Stop go out before the Logouts.
		g.drainSenders(drainWait)
		g.acceptor.Stop()
	} else {
		// NewAcceptor registered the listed sessions in QuickFIX's process-wide
		// registry; only Acceptor.Stop after Start would remove them.
		g.unregisterStatic()
	}
	close(g.quit)
	g.senders.Wait()
	g.stores.closeAll()
	if err := g.owners.close(); err != nil {
		g.log.Error().Err(err).Msg("closing owner registry")
	}
	pending := 0
	for _, s := range *g.byOwner.Load() {
		if s != nil {
			s.mu.Lock()
			pending += s.pending.len()
			s.mu.Unlock()
		}
	}
	g.log.Info().Int("reports_pending", pending).Msg("FIX gateway stopped")
}

// Quiesce is the first step of a graceful shutdown: from now on logons are
// refused ("server shutting down") and application messages are answered with
// BusinessMessageReject instead of being submitted, while sessions that are
// logged on stay connected and keep receiving reports. The caller then drains
// the pipeline (every report reaches Deliver) and calls Stop, which logs the
// sessions out after QuickFIX has sent what Deliver queued. Safe to call from
// any goroutine, more than once.
func (g *Gateway) Quiesce() {
	if !g.quiescing.Swap(true) {
		g.log.Info().Msg("FIX gateway quiescing: refusing logons and new messages")
	}
}

// ActiveSessions returns the number of sessions logged on now.
func (g *Gateway) ActiveSessions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.active)
}

func (g *Gateway) unregisterStatic() {
	for sid := range g.cfg.settings.SessionSettings() {
		sid.Qualifier = ""                  // the acceptor registers sessions without it
		_ = quickfix.UnregisterSession(sid) // not registered is fine
	}
}

// sessionOf returns the session of an owner id, or nil.
func (g *Gateway) sessionOf(owner uint32) *session {
	byOwner := *g.byOwner.Load()
	if uint64(owner) < uint64(len(byOwner)) {
		return byOwner[owner]
	}
	return nil
}

// lookup returns the session of a SessionID, or nil.
func (g *Gateway) lookup(sid quickfix.SessionID) *session {
	return (*g.bySID.Load())[sid]
}

// addSession creates the state of a new owner and stores it in the
// copy-on-write maps that FromApp and Deliver read.
func (g *Gateway) addSession(sid quickfix.SessionID, owner uint32) *session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.addSessionLocked(sid, owner)
}

func (g *Gateway) addSessionLocked(sid quickfix.SessionID, owner uint32) *session {
	old := *g.bySID.Load()
	if s, ok := old[sid]; ok {
		return s
	}
	s := &session{id: sid, owner: owner, fix42: sid.BeginString == quickfix.BeginStringFIX42, wake: make(chan struct{}, 1)}
	s.limiter.interval, s.limiter.tau = g.interval, g.tau
	m := make(map[quickfix.SessionID]*session, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[sid] = s
	byOwner := *g.byOwner.Load()
	nb := make([]*session, max(len(byOwner), int(owner)+1))
	copy(nb, byOwner)
	nb[owner] = s
	g.bySID.Store(&m)
	g.byOwner.Store(&nb)
	return s
}

// persistable reports whether a session gets a file store: one the gateway
// would let log on (credentials and limits aside).
func (g *Gateway) persistable(sid quickfix.SessionID) bool {
	if sid == g.cfg.placeholder {
		return false
	}
	key := sid
	key.Qualifier = ""
	if _, ok := g.cfg.listed[key]; ok {
		return true
	}
	return g.dynamicAllowed(sid)
}

// dynamicAllowed reports whether an unlisted session may log on.
func (g *Gateway) dynamicAllowed(sid quickfix.SessionID) bool {
	return g.cfg.dynamic && sid != g.cfg.placeholder && sid.SenderCompID == g.cfg.compID &&
		(sid.BeginString == quickfix.BeginStringFIX44 || sid.BeginString == quickfix.BeginStringFIX42) &&
		!strings.HasPrefix(sid.TargetCompID, listenerCompID) && validSessionID(sid)
}
