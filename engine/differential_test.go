package engine_test

// TestDifferential drives the fast engine and the reference book with the same
// seeded random command streams and compares, after every command, the events
// (field by field), the state hash and the engine's invariants.
//
//	go test ./engine -run TestDifferential              # the default seeds
//	go test ./engine -run TestDifferential -seed 12345  # one seed, e.g. from a failure
//	go test ./engine -run TestDifferential -diffcmds 100000 -seed 7

import (
	"flag"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
)

var (
	flagSeed     = flag.Int64("seed", 0, "TestDifferential: run only this seed (0: the default seeds)")
	flagDiffCmds = flag.Int("diffcmds", 0, "TestDifferential: commands per seed (0: the default)")
)

func TestDifferential(t *testing.T) {
	// 40 seeds x 5,000 commands = 200,000 commands by default (about 1.5 s).
	seeds, cmds := 40, 5000
	if testing.Short() {
		seeds, cmds = 8, 1000
	}
	if *flagDiffCmds > 0 {
		cmds = *flagDiffCmds
	}
	list := make([]int64, 0, seeds)
	if *flagSeed != 0 {
		list = append(list, *flagSeed)
	} else {
		for i := 1; i <= seeds; i++ {
			list = append(list, int64(i))
		}
	}
	total := 0
	seen := make(map[string]int)
	for _, seed := range list {
		n, msg := runDifferential(seed, cmds, seen)
		total += n
		if msg != "" {
			t.Fatalf("seed %d (reproduce: go test ./engine -run 'TestDifferential$' -seed %d -diffcmds %d):\n%s",
				seed, seed, cmds, msg)
		}
	}
	t.Logf("%d commands over %d seeds agree", total, len(list))
	// The generator must keep reaching the cancel-reject, status and mass
	// cancel rules, or the comparison above proves nothing about them.
	if *flagSeed == 0 {
		cases := append(append(append([]string(nil), cancelRejectCases...), statusMassCases...), requestIDCases...)
		if !testing.Short() {
			// Expired entries exist only between an end of day (0.4% of
			// commands) and the uses that drop them: the short run is too
			// short to meet every use.
			cases = append(cases, expiredCases...)
		}
		for _, k := range cases {
			if seen[k] == 0 {
				t.Errorf("no %q over the default seeds: the command generator no longer produces it", k)
			}
		}
	}
}

// cancelRejectCases are the cancel rejects every default run must produce, as
// cancelRejectCase names them.
var cancelRejectCases = []string{
	"cancel: side differs", "cancel: symbol differs", "replace: side differs", "replace: symbol differs",
	"too late: status 0", "too late: status 1", "too late: status 2", "too late: status 4",
}

// cancelRejectCase names the case of a cancel reject for cancelRejectCases.
func cancelRejectCase(e *engine.Event) string {
	if e.Kind != engine.EvCancelRejected {
		return ""
	}
	to := "cancel: "
	if e.ResponseTo == 2 {
		to = "replace: "
	}
	switch {
	case e.Reason == engine.ReasonTooLate:
		return "too late: status " + string(rune(e.Status))
	case e.Text == engine.TextSideDiffers:
		return to + "side differs"
	case e.Text == engine.TextSymbolDiffers:
		return to + "symbol differs"
	}
	return ""
}

// statusMassCases are the status answers and mass cancel outcomes every
// default run must produce, as statusMassCase names them.
var statusMassCases = []string{
	"status: new", "status: partial", "status: filled", "status: canceled",
	"status: unknown", "status: side differs", "status: symbol differs",
	"mass: canceled some", "mass: canceled none", "mass: not supported", "mass: bad side", "mass: unknown symbol",
	"mass: duplicate", "disconnect: canceled",
}

// requestIDCases are the uses of an accepted mass cancel's ClOrdID (a request
// entry in the history) every default run must produce, as requestIDCase
// names them: reused as the ClOrdID of a later request (a duplicate), or named
// as the OrigClOrdID of a cancel, replace or status request (unknown).
var requestIDCases = []string{
	"reuse of a mass cancel's ClOrdID: new", "reuse of a mass cancel's ClOrdID: cancel",
	"reuse of a mass cancel's ClOrdID: replace", "reuse of a mass cancel's ClOrdID: mass",
	"mass cancel's ClOrdID named: cancel", "mass cancel's ClOrdID named: replace",
	"mass cancel's ClOrdID named: status",
}

// requestIDCase names, for requestIDCases, what command c does with a
// request entry of st (the state before c): "" when it does nothing with one.
// It returns "?" when the reference's first event is not the answer the rules
// give: a duplicate reject (for a new order, also a reject by a check made
// before the duplicate one), or unknown (for a cancel or replace, also a
// duplicate reject of its own ClOrdID, checked first).
func requestIDCase(st *engine.State, c *engine.Command, first *engine.Event) string {
	isRequest := func(id engine.ID) bool {
		for i := range st.History {
			if h := &st.History[i]; h.Request && h.Owner == c.Owner && h.ClOrdID == id {
				return true
			}
		}
		return false
	}
	kind := map[engine.Kind]string{engine.KindNew: "new", engine.KindCancel: "cancel", engine.KindReplace: "replace",
		engine.KindStatus: "status", engine.KindMassCancel: "mass"}[c.Kind]
	switch {
	case kind == "" || c.Kind == engine.KindMassCancel && c.Type == engine.MassOnDisconnect:
		return ""
	case c.Kind != engine.KindStatus && isRequest(c.ClOrdID):
		switch {
		case first.Text == engine.TextDuplicateClOrdID:
			return "reuse of a mass cancel's ClOrdID: " + kind
		case c.Kind == engine.KindNew && first.Kind == engine.EvRejected:
			return "" // a check before the duplicate one failed
		}
		return "?"
	case (c.Kind == engine.KindCancel || c.Kind == engine.KindReplace || c.Kind == engine.KindStatus) && isRequest(c.OrigClOrdID):
		switch {
		case first.Text == engine.TextUnknownOrder && first.Status == engine.StatusRejected:
			return "mass cancel's ClOrdID named: " + kind
		case c.Kind != engine.KindStatus && first.Text == engine.TextDuplicateClOrdID:
			return "" // the duplicate check comes first
		}
		return "?"
	}
	return ""
}

// expiredCases are the uses of an order that expired at the last end of day
// (an expired entry in the history) and of the ClOrdIDs that end of day
// cleared, every default run must produce, as expiredCase names them.
var expiredCases = []string{
	"expired named: cancel", "expired named: replace", "expired named: status",
	"expired reused: new", "expired reused: cancel", "expired reused: replace", "expired reused: mass",
	"cleared reused: new",
}

// expiredCase names, for expiredCases, what command c does with an expired
// entry of st (the state before c), or with a ClOrdID in cleared (owner's
// history entries that the last end of day cleared, other than expired ones):
// "" when nothing. It returns "?" when the reference's first event is not
// what the rules give: named by a cancel or replace, too late with OrdStatus
// C (unless the command's own ClOrdID is a duplicate, checked first); named by
// a status request, C with its details (unless Side or Symbol differs);
// reused as the command's own ClOrdID, anything but a duplicate reject.
func expiredCase(st *engine.State, cleared map[historyKey]bool, c *engine.Command, first *engine.Event) string {
	expired := func(id engine.ID) bool {
		for i := range st.History {
			h := &st.History[i]
			if !h.Expired {
				return false // expired entries are the oldest
			}
			if h.Owner == c.Owner && h.ClOrdID == id {
				return true
			}
		}
		return false
	}
	kind := map[engine.Kind]string{engine.KindNew: "new", engine.KindCancel: "cancel", engine.KindReplace: "replace",
		engine.KindStatus: "status", engine.KindMassCancel: "mass"}[c.Kind]
	accepted := first.Kind == engine.EvAccepted || first.Kind == engine.EvCanceled || first.Kind == engine.EvReplaced ||
		first.Kind == engine.EvMassCancelReport && first.Status == engine.StatusCanceled
	switch {
	case kind == "" || c.Kind == engine.KindMassCancel && c.Type == engine.MassOnDisconnect:
		return ""
	case c.Kind != engine.KindStatus && expired(c.ClOrdID):
		switch {
		case first.Text == engine.TextDuplicateClOrdID:
			return "?"
		case accepted:
			return "expired reused: " + kind
		}
		return ""
	case (c.Kind == engine.KindCancel || c.Kind == engine.KindReplace) && expired(c.OrigClOrdID):
		if first.Kind == engine.EvCancelRejected && first.Reason == engine.ReasonTooLate && first.Status == engine.StatusExpired {
			return "expired named: " + kind
		}
		if first.Text == engine.TextDuplicateClOrdID {
			return ""
		}
		return "?"
	case c.Kind == engine.KindStatus && expired(c.OrigClOrdID):
		switch {
		case first.Status == engine.StatusExpired && first.LeavesQty == 0 && first.OrderID != 0:
			return "expired named: status"
		case first.Text == engine.TextSideDiffers || first.Text == engine.TextSymbolDiffers:
			return ""
		}
		return "?"
	case c.Kind == engine.KindNew && cleared[historyKey{c.Owner, c.ClOrdID}] && first.Kind == engine.EvAccepted:
		return "cleared reused: new"
	}
	return ""
}

// historyKey is an owner's ClOrdID.
type historyKey struct {
	owner uint32
	id    engine.ID
}

// statusMassCase names the case of a status answer or mass cancel event for
// statusMassCases.
func statusMassCase(e *engine.Event) string {
	switch {
	case e.Kind == engine.EvStatus && e.Status != engine.StatusRejected:
		return "status: " + statusName(e.Status)
	case e.Kind == engine.EvStatus && e.Text == engine.TextUnknownOrder:
		return "status: unknown"
	case e.Kind == engine.EvStatus && e.Text == engine.TextSideDiffers:
		return "status: side differs"
	case e.Kind == engine.EvStatus && e.Text == engine.TextSymbolDiffers:
		return "status: symbol differs"
	case e.Kind == engine.EvMassCancelReport && e.Status == engine.StatusCanceled && e.OrderQty > 0:
		return "mass: canceled some"
	case e.Kind == engine.EvMassCancelReport && e.Status == engine.StatusCanceled:
		return "mass: canceled none"
	case e.Kind == engine.EvMassCancelReport && e.Text == engine.TextMassNotSupported:
		return "mass: not supported"
	case e.Kind == engine.EvMassCancelReport && e.Text == engine.TextBadSide:
		return "mass: bad side"
	case e.Kind == engine.EvMassCancelReport && e.Text == engine.TextUnknownSymbol:
		return "mass: unknown symbol"
	case e.Kind == engine.EvMassCancelReport && e.Text == engine.TextDuplicateClOrdID:
		return "mass: duplicate"
	case e.Kind == engine.EvCanceled && e.Text == engine.TextCanceledOnDisconnect:
		return "disconnect: canceled"
	}
	return ""
}

// runDifferential runs one seed; it returns the number of commands applied and
// a description of the first disagreement, or "". It counts the reference's
// cancel rejects, status answers, mass cancels and uses of request entries,
// expired entries and cleared ClOrdIDs in seen by cancelRejectCase,
// statusMassCase, requestIDCase and expiredCase.
func runDifferential(seed int64, cmds int, seen map[string]int) (int, string) {
	r := rand.New(rand.NewSource(seed))
	cfg := randomConfig(r)
	eng, err := newEngineMatcher(cfg)
	if err != nil {
		return 0, "engine.New: " + err.Error()
	}
	ref, err := newRefMatcher(cfg)
	if err != nil {
		return 0, "refbook.New: " + err.Error()
	}
	g := newCommandGen(r, cfg)
	var rs, es engine.State
	var recent []string
	// cleared holds the history entries (other than expired ones) the last end
	// of day cleared, for expiredCase.
	cleared := make(map[historyKey]bool)
	for i := 0; i < cmds; i++ {
		c := g.next(&rs)
		line := formatCommand(&cfg, &c)
		if recent = append(recent, line); len(recent) > 12 {
			recent = recent[1:]
		}
		fail := func(what string) (int, string) {
			return i + 1, fmt.Sprintf("config: %s\ncommand %d: %s\n%s\nlast commands:\n  %s",
				formatConfig(&cfg), i, line, what, strings.Join(recent, "\n  "))
		}
		if c.Kind == engine.KindEndOfDay {
			clear(cleared)
			for _, h := range rs.History {
				if !h.Expired {
					cleared[historyKey{h.Owner, h.ClOrdID}] = true
				}
			}
		}
		got := eng.apply(&c)
		want := ref.apply(&c)
		if d := compareEvents(&cfg, got, want); d != "" {
			return fail(d)
		}
		if len(want) > 0 {
			// rs is still the state before c.
			switch k := requestIDCase(&rs, &c, &want[0]); k {
			case "":
			case "?":
				return fail("the reference answered a use of a mass cancel's ClOrdID with " + formatEvent(&cfg, &want[0]))
			default:
				seen[k]++
			}
			switch k := expiredCase(&rs, cleared, &c, &want[0]); k {
			case "":
			case "?":
				return fail("the reference answered a use of an expired order's ClOrdID with " + formatEvent(&cfg, &want[0]))
			default:
				seen[k]++
			}
		}
		for j := range want {
			if k := cancelRejectCase(&want[j]); k != "" {
				seen[k]++
			}
			if k := statusMassCase(&want[j]); k != "" {
				seen[k]++
			}
		}
		if err := eng.check(); err != nil {
			return fail("CheckInvariants: " + err.Error())
		}
		ref.state(&rs)
		if eh, rh := eng.hash(), rs.Hash(); eh != rh {
			eng.state(&es)
			return fail(fmt.Sprintf("state hash engine %#x, ref %#x; %s", eh, rh,
				diffLines(formatState(&cfg, &es), formatState(&cfg, &rs))))
		}
	}
	return cmds, ""
}

func formatConfig(c *engine.Config) string {
	var b strings.Builder
	b.WriteString("symbols=(")
	for i, s := range c.Symbols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s:%d:%d", s.Name, s.MinPrice, s.MaxPrice)
	}
	fmt.Fprintf(&b, ") max-orders=%d max-levels=%d history=%d max-qty=%d", c.MaxOrders, c.MaxLevels, c.History, c.MaxQty)
	return b.String()
}

// randomConfig picks a small configuration; tight capacities make capacity
// rejects and history evictions common.
func randomConfig(r *rand.Rand) engine.Config {
	cfg := engine.Config{
		MaxOrders: []int{2, 6, 20, 200}[r.Intn(4)],
		MaxLevels: []int{1, 3, 8, 100}[r.Intn(4)],
		History:   []int{0, 1, 3, 16, 1 << 12}[r.Intn(5)],
		MaxQty:    []int64{5, 50, 1000}[r.Intn(3)],
	}
	for i := range 1 + r.Intn(3) {
		lo := 1 + r.Int63n(50)
		cfg.Symbols = append(cfg.Symbols, engine.SymbolConfig{
			Name: fmt.Sprintf("S%d", i), TickDecimals: 2, TickSize: 1,
			MinPrice: lo, MaxPrice: lo + 10 + r.Int63n(100),
		})
	}
	return cfg
}

// commandGen makes random commands around a moving mid price per symbol, so
// that orders cross often, with a share of invalid fields; of cancels,
// replaces and status requests naming live, finished, other owners' and
// unknown ClOrdIDs, or an order with the wrong Side or Symbol; of mass
// cancels of every scope and side, some of them invalid; and of ClOrdIDs
// reused across kinds (a mass cancel's by a later order, cancel, replace or
// mass cancel, or named by a cancel, replace or status request), and of the
// ClOrdIDs of orders that expired at the last end of day, reused or named.
type commandGen struct {
	r      *rand.Rand
	cfg    engine.Config
	mid    []int64
	seq    uint64
	owners int
	// used holds every ClOrdID each owner has sent, accepted or not; mass
	// those it sent on a mass cancel.
	used, mass [][]engine.ID
	n          int
	// st is the reference's state before the command being made.
	st *engine.State
}

func newCommandGen(r *rand.Rand, cfg engine.Config) *commandGen {
	g := &commandGen{r: r, cfg: cfg, owners: 2 + r.Intn(3)}
	for _, s := range cfg.Symbols {
		g.mid = append(g.mid, s.MinPrice+r.Int63n(s.MaxPrice-s.MinPrice+1))
	}
	g.used = make([][]engine.ID, g.owners+1)
	g.mass = make([][]engine.ID, g.owners+1)
	return g
}

func (g *commandGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *commandGen) id(s string) engine.ID {
	id, _ := engine.MakeID(s)
	return id
}

// clOrdID is a fresh ID, now and then one the owner already used (on any
// kind of request, a mass cancel's more often than its share), or one of a
// small shared pool.
func (g *commandGen) clOrdID(owner uint32) engine.ID {
	used, mass := g.used[owner], g.mass[owner]
	if g.chance(0.05) {
		if id, ok := g.expiredID(owner); ok {
			return id
		}
	}
	switch {
	case len(mass) > 0 && g.chance(0.04):
		return mass[len(mass)-1-g.r.Intn(min(len(mass), 3))]
	case len(used) > 0 && g.chance(0.06):
		return used[g.r.Intn(len(used))]
	case g.chance(0.03):
		return g.id(fmt.Sprintf("k%d", g.r.Intn(4)))
	}
	g.n++
	return g.id(fmt.Sprintf("o%d", g.n))
}

// expiredID is one of the owner's orders that expired at the last end of day
// (expired entries are the oldest in the history), if it has one.
func (g *commandGen) expiredID(owner uint32) (engine.ID, bool) {
	var exp []engine.ID
	for i := 0; g.st != nil && i < len(g.st.History) && g.st.History[i].Expired; i++ {
		if g.st.History[i].Owner == owner {
			exp = append(exp, g.st.History[i].ClOrdID)
		}
	}
	if len(exp) == 0 {
		return engine.ID{}, false
	}
	return exp[g.r.Intn(len(exp))], true
}

func (g *commandGen) price(sym int) int64 {
	s := g.cfg.Symbols[sym]
	switch {
	case g.chance(0.01):
		return 0
	case g.chance(0.01):
		return -1 - g.r.Int63n(5)
	case g.chance(0.01):
		return s.MinPrice - 1
	case g.chance(0.01):
		return s.MaxPrice + 1
	}
	return min(max(g.mid[sym]+g.r.Int63n(7)-3, s.MinPrice), s.MaxPrice)
}

func (g *commandGen) qty() int64 {
	switch {
	case g.chance(0.01):
		return 0
	case g.chance(0.01):
		return -g.r.Int63n(5)
	case g.chance(0.01):
		return g.cfg.MaxQty + 1
	case g.chance(0.05):
		return g.cfg.MaxQty
	}
	return 1 + g.r.Int63n(min(g.cfg.MaxQty, 12))
}

func (g *commandGen) invalid() engine.Invalid {
	if g.chance(0.02) {
		return engine.Invalid(1 + g.r.Intn(4)) // includes an unknown value
	}
	return engine.InvalidNone
}

// next makes the next command; st is the reference's current state, used to
// find live orders.
func (g *commandGen) next(st *engine.State) engine.Command {
	g.st = st
	g.seq += 1 + uint64(g.r.Intn(2))
	c := engine.Command{Seq: g.seq, Time: timeBase + int64(g.seq)*1000}
	for i := range g.mid {
		if g.chance(0.1) {
			s := g.cfg.Symbols[i]
			g.mid[i] = min(max(g.mid[i]+g.r.Int63n(3)-1, s.MinPrice), s.MaxPrice)
		}
	}
	c.Owner = uint32(1 + g.r.Intn(g.owners))
	switch x := g.r.Float64(); {
	case x < 0.004:
		c.Kind = engine.KindEndOfDay
		return c
	case x < 0.006:
		c.Kind = engine.Kind([]uint8{0, 7, 200}[g.r.Intn(3)])
		g.fillNew(&c)
	case x < 0.02:
		c.Kind = engine.KindMassCancel
		g.fillMass(&c, st)
	case x < 0.08:
		c.Kind = engine.KindStatus
		g.fillStatus(&c, st)
	case x < 0.56:
		c.Kind = engine.KindNew
		g.fillNew(&c)
	case x < 0.74:
		c.Kind = engine.KindCancel
		g.fillTarget(&c, st)
	default:
		c.Kind = engine.KindReplace
		if o := g.fillTarget(&c, st); o != nil && !g.chance(0.1) {
			g.fillReplace(&c, o)
		} else {
			g.fillNew(&c)
			c.ClOrdID = g.clOrdID(c.Owner)
		}
	}
	g.used[c.Owner] = append(g.used[c.Owner], c.ClOrdID)
	if c.Kind == engine.KindMassCancel && c.Type != engine.MassOnDisconnect {
		g.mass[c.Owner] = append(g.mass[c.Owner], c.ClOrdID)
	}
	return c
}

func (g *commandGen) fillNew(c *engine.Command) {
	sym := g.r.Intn(len(g.cfg.Symbols))
	c.Symbol = uint32(sym)
	c.Side = engine.Side(1 + g.r.Intn(2))
	c.Type = engine.Limit
	if g.chance(0.1) {
		c.Type = engine.Market
	}
	c.TIF = []engine.TIF{engine.Day, engine.Day, engine.GTC, engine.IOC, engine.FOK}[g.r.Intn(5)]
	c.Price = g.price(sym)
	if c.Type == engine.Market && g.chance(0.7) {
		c.Price = 0
	}
	c.Qty = g.qty()
	c.Invalid = g.invalid()
	c.ClOrdID = g.clOrdID(c.Owner)
	// Occasional unsupported or unknown values.
	switch g.r.Intn(100) {
	case 0:
		c.Side = engine.Side(g.r.Intn(256))
	case 1:
		c.Type = engine.OrdType(g.r.Intn(256))
	case 2:
		c.TIF = engine.TIF(g.r.Intn(256))
	case 3:
		c.Symbol = engine.NoSymbol
	case 4:
		c.Symbol = uint32(len(g.cfg.Symbols))
	}
}

// fillTarget sets the Owner, ClOrdID and OrigClOrdID of a cancel or replace:
// mostly a live order (the owner becomes its owner; returned), else a finished
// ClOrdID from the history (its owner's), another owner's live order, one of
// the owner's earlier ClOrdIDs (finished, or forgotten by the bounded history),
// or an unknown one. Symbol and Side are a live target's, now and then with
// one of them wrong (a reject); otherwise random.
func (g *commandGen) fillTarget(c *engine.Command, st *engine.State) *engine.OrderView {
	c.Symbol = uint32(g.r.Intn(len(g.cfg.Symbols)))
	c.Side = engine.Side(1 + g.r.Intn(2))
	x := g.r.Float64()
	if x < 0.6 && len(st.Orders) > 0 {
		o := &st.Orders[g.r.Intn(len(st.Orders))]
		c.Owner = o.Owner
		c.ClOrdID = g.clOrdID(c.Owner)
		c.OrigClOrdID = o.ClOrdID
		c.Symbol, c.Side = o.Symbol, o.Side
		switch g.r.Intn(16) {
		case 0:
			c.Side = 3 - c.Side
		case 1:
			c.Symbol = (c.Symbol + 1) % uint32(len(g.cfg.Symbols))
		case 2:
			c.Symbol = engine.NoSymbol
		}
		return o
	}
	if x < 0.7 && len(st.History) > 0 {
		h := &st.History[g.r.Intn(len(st.History))]
		c.Owner = h.Owner
		c.ClOrdID = g.clOrdID(c.Owner)
		c.OrigClOrdID = h.ClOrdID
		return nil
	}
	c.ClOrdID = g.clOrdID(c.Owner)
	if x < 0.78 && len(st.Orders) > 0 {
		if o := &st.Orders[g.r.Intn(len(st.Orders))]; o.Owner != c.Owner {
			c.OrigClOrdID = o.ClOrdID
			return nil
		}
	}
	if used := g.used[c.Owner]; x < 0.9 && len(used) > 0 {
		c.OrigClOrdID = used[g.r.Intn(len(used))]
		return nil
	}
	c.OrigClOrdID = g.id(fmt.Sprintf("u%d", g.r.Intn(1000)))
	return nil
}

// fillStatus makes a status request: mostly for a live order or a history
// entry (as its owner, with its Side and Symbol, now and then one of them
// wrong), else for one of the owner's earlier ClOrdIDs, another owner's live
// order, or an unknown ClOrdID. The OrdStatusReqID is absent, fresh, or one
// the owner used.
func (g *commandGen) fillStatus(c *engine.Command, st *engine.State) {
	c.Symbol = uint32(g.r.Intn(len(g.cfg.Symbols)))
	c.Side = engine.Side(1 + g.r.Intn(2))
	known := false
	switch x := g.r.Float64(); {
	case x < 0.45 && len(st.Orders) > 0:
		o := &st.Orders[g.r.Intn(len(st.Orders))]
		c.Owner, c.OrigClOrdID, c.Symbol, c.Side = o.Owner, o.ClOrdID, o.Symbol, o.Side
		known = true
	case x < 0.7 && len(st.History) > 0:
		h := &st.History[g.r.Intn(len(st.History))]
		c.Owner, c.OrigClOrdID, c.Symbol, c.Side = h.Owner, h.ClOrdID, h.Symbol, h.Side
		known = true
	case x < 0.8 && len(st.Orders) > 0:
		c.OrigClOrdID = st.Orders[g.r.Intn(len(st.Orders))].ClOrdID
	case x < 0.9 && len(g.used[c.Owner]) > 0:
		c.OrigClOrdID = g.used[c.Owner][g.r.Intn(len(g.used[c.Owner]))]
	default:
		c.OrigClOrdID = g.id(fmt.Sprintf("u%d", g.r.Intn(1000)))
	}
	if known {
		switch g.r.Intn(12) {
		case 0:
			c.Side = 3 - c.Side
		case 1:
			c.Symbol = (c.Symbol + 1) % uint32(len(g.cfg.Symbols))
		case 2:
			c.Symbol = engine.NoSymbol
		case 3:
			c.Side = engine.Side(g.r.Intn(256))
		}
	}
	switch g.r.Intn(3) {
	case 0:
		c.ClOrdID = engine.ID{}
	case 1:
		c.ClOrdID = g.clOrdID(c.Owner)
	default:
		c.ClOrdID = g.id(fmt.Sprintf("q%d", g.r.Intn(50)))
	}
}

// fillMass makes a mass cancel: mostly by the owner of a live order, by
// symbol, for all orders or on disconnect, for both sides or one; now and
// then an unsupported scope, a bad Side or an unknown symbol, or a ClOrdID
// the owner already used (a duplicate unless it was forgotten or rejected).
// A cancel on disconnect mostly has no ClOrdID.
func (g *commandGen) fillMass(c *engine.Command, st *engine.State) {
	if len(st.Orders) > 0 && g.chance(0.8) {
		c.Owner = st.Orders[g.r.Intn(len(st.Orders))].Owner
	}
	c.ClOrdID = g.clOrdID(c.Owner)
	switch used, mass := g.used[c.Owner], g.mass[c.Owner]; {
	case len(mass) > 0 && g.chance(0.2):
		c.ClOrdID = mass[len(mass)-1] // the owner's last mass cancel's
	case len(used) > 0 && g.chance(0.1):
		c.ClOrdID = used[g.r.Intn(len(used))]
	case g.chance(0.2):
		if id, ok := g.expiredID(c.Owner); ok {
			c.ClOrdID = id
		}
	}
	switch x := g.r.Float64(); {
	case x < 0.4:
		c.Type = engine.MassBySymbol
	case x < 0.65:
		c.Type = engine.MassAll
	case x < 0.9:
		c.Type = engine.MassOnDisconnect
		if g.chance(0.8) {
			c.ClOrdID = engine.ID{} // as the gateway sends it; any other is ignored
		}
	default:
		c.Type = engine.OrdType(g.r.Intn(256))
	}
	c.Symbol = uint32(g.r.Intn(len(g.cfg.Symbols)))
	switch g.r.Intn(20) {
	case 0:
		c.Symbol = engine.NoSymbol
	case 1:
		c.Symbol = uint32(len(g.cfg.Symbols))
	}
	switch x := g.r.Intn(20); {
	case x < 10:
		c.Side = 0
	case x < 19:
		c.Side = engine.Side(1 + g.r.Intn(2))
	default:
		c.Side = engine.Side(3 + g.r.Intn(253))
	}
}

// fillReplace makes a replace of live order o: mostly valid, changing price
// and/or quantity (down, up, unchanged, to CumQty, below it), sometimes with a
// forbidden change or a bad field.
func (g *commandGen) fillReplace(c *engine.Command, o *engine.OrderView) {
	c.Symbol, c.Side, c.TIF, c.Type = o.Symbol, o.Side, o.TIF, engine.Limit
	c.Price = o.Price
	if g.chance(0.5) {
		c.Price = g.price(int(o.Symbol))
	}
	switch g.r.Intn(6) {
	case 0:
		c.Qty = o.OrderQty
	case 1:
		c.Qty = max(o.OrderQty-1-g.r.Int63n(3), 1)
	case 2:
		c.Qty = min(o.OrderQty+1+g.r.Int63n(3), g.cfg.MaxQty)
	case 3:
		c.Qty = max(o.Cum, 1)
	case 4:
		c.Qty = max(o.Cum-g.r.Int63n(3), 1)
	default:
		c.Qty = g.qty()
	}
	c.Invalid = g.invalid()
	switch g.r.Intn(60) {
	case 0:
		c.Side = 3 - c.Side
	case 1:
		c.Symbol = (c.Symbol + 1) % uint32(len(g.cfg.Symbols))
	case 2:
		c.TIF = []engine.TIF{engine.Day, engine.GTC, engine.IOC, engine.FOK}[g.r.Intn(4)]
	case 3:
		c.Type = engine.Market
	case 4:
		c.Type = engine.OrdType(g.r.Intn(256))
	}
}
