package gateway

import (
	"errors"
	"math"
	"strconv"
	"sync"

	"github.com/openmatch/matchd/engine"
)

// Unknown symbols. The engine rejects any Symbol index >= len(Config.Symbols) as
// unknown; the gateway gives each distinct unknown name such an index so that the
// reject's Symbol(55) can echo what the client sent. The names live in a fixed
// ring of unknownSlots entries of at most maxUnknownSymbolLen bytes: memory stays
// bounded whatever clients send. A slot is reused after unknownSlots other unknown
// names; a reject delivered after its slot was reused (more than unknownSlots
// distinct unknown names in flight at once) shows the newer name.
const (
	unknownSlots        = 1024
	maxUnknownSymbolLen = 64
)

// symbolTable maps FIX Symbol(55) text to engine symbol indexes and back.
// Lookups of configured symbols take no lock and allocate nothing.
type symbolTable struct {
	cfg    []engine.SymbolConfig
	byName map[string]uint32 // read-only after newSymbolTable

	mu           sync.Mutex
	unknownIdx   map[string]uint32 // name -> slot
	unknownNames [unknownSlots]string
	next         uint32
}

func newSymbolTable(cfg []engine.SymbolConfig) (*symbolTable, error) {
	if len(cfg) == 0 {
		return nil, errors.New("gateway: Symbols: at least one symbol is required")
	}
	t := &symbolTable{
		cfg:        append([]engine.SymbolConfig(nil), cfg...),
		byName:     make(map[string]uint32, len(cfg)),
		unknownIdx: make(map[string]uint32, unknownSlots),
	}
	for i := range t.cfg {
		s := &t.cfg[i]
		where := "gateway: Symbols[" + strconv.Itoa(i) + "]"
		if s.Name == "" {
			return nil, errors.New(where + ".Name: empty")
		}
		if _, dup := t.byName[s.Name]; dup {
			return nil, errors.New(where + ".Name: duplicate " + strconv.Quote(s.Name))
		}
		if s.TickDecimals < 0 || s.TickDecimals > 9 {
			return nil, errors.New(where + ".TickDecimals: must be 0..9")
		}
		if s.TickSize <= 0 {
			return nil, errors.New(where + ".TickSize: must be positive")
		}
		// Prices are formatted as ticks*TickSize units of 10^-TickDecimals; make
		// sure the band's prices fit.
		if s.MaxPrice > math.MaxInt64/s.TickSize {
			return nil, errors.New(where + ": MaxPrice * TickSize overflows int64")
		}
		t.byName[s.Name] = uint32(i)
	}
	return t, nil
}

// known returns the index of a configured symbol, or false.
func (t *symbolTable) known(b []byte) (uint32, bool) {
	i, ok := t.byName[string(b)] // the conversion does not allocate in a map index
	return i, ok
}

// index returns the engine index for b: a configured symbol's index, else an
// index >= len(cfg) that remembers the (truncated) name for the reject.
func (t *symbolTable) index(b []byte) uint32 {
	if i, ok := t.byName[string(b)]; ok {
		return i
	}
	if len(b) > maxUnknownSymbolLen {
		b = b[:maxUnknownSymbolLen]
	}
	t.mu.Lock()
	slot, ok := t.unknownIdx[string(b)]
	if !ok {
		slot = t.next
		t.next = (t.next + 1) % unknownSlots
		if old := t.unknownNames[slot]; old != "" {
			delete(t.unknownIdx, old)
		}
		name := string(b)
		t.unknownNames[slot] = name
		t.unknownIdx[name] = slot
	}
	t.mu.Unlock()
	return uint32(len(t.cfg)) + slot
}

// config returns the configuration of a configured symbol index, or nil.
func (t *symbolTable) config(i uint32) *engine.SymbolConfig {
	if uint64(i) < uint64(len(t.cfg)) {
		return &t.cfg[i]
	}
	return nil
}

// name returns the Symbol(55) text for an index: the configured name, the unknown
// name the decoder saw, or "" when neither is known.
func (t *symbolTable) name(i uint32) string {
	if uint64(i) < uint64(len(t.cfg)) {
		return t.cfg[i].Name
	}
	slot := uint64(i) - uint64(len(t.cfg))
	if slot >= unknownSlots {
		return ""
	}
	t.mu.Lock()
	n := t.unknownNames[slot]
	t.mu.Unlock()
	return n
}
