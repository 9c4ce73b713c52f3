package engine

import (
	"errors"
	"strconv"
)

// SymbolConfig describes one instrument. Prices inside the engine are int64 ticks;
// TickDecimals and TickSize tell the gateway how a FIX price maps onto ticks
// (price = ticks * TickSize / 10^TickDecimals).
type SymbolConfig struct {
	// Name is the FIX Symbol(55).
	Name string
	// TickDecimals is the number of decimals of the price unit (2 for cents).
	TickDecimals int
	// TickSize is the tick in price units (1 with TickDecimals 2 is 0.01).
	TickSize int64
	// MinPrice and MaxPrice bound the limit prices accepted, in ticks (the price
	// band). The book preallocates an index over the band, 4 bytes per tick.
	MinPrice int64
	MaxPrice int64
}

// Config sizes an Engine. Everything is allocated by New; nothing grows later
// except the caller's event buffer when one command produces more events than it
// has room for.
type Config struct {
	Symbols []SymbolConfig
	// MaxOrders is the number of resting orders the engine can hold at once over
	// all symbols. A new order that would rest beyond it is rejected.
	MaxOrders int
	// MaxLevels is the number of distinct occupied price levels over all symbols.
	MaxLevels int
	// History is how many finished ClOrdIDs (filled, canceled, replaced away,
	// cancel requests) are remembered per engine for duplicate detection, in
	// addition to every live order's. The oldest is forgotten first; end of day
	// forgets all.
	History int
	// MaxQty is the largest OrderQty accepted. Together with the band it keeps
	// Notional (qty * price) inside int64.
	MaxQty int64
}

// DefaultSymbols are the instruments of the embedded default configuration.
var defaultSymbolNames = [...]string{"AAPL", "MSFT", "GOOG", "AMZN", "TSLA", "TEST"}

// DefaultConfig returns the embedded default: AAPL, MSFT, GOOG, AMZN, TSLA and TEST
// with a 0.01 tick and a band of 0.01 to 100,000.00, one million resting orders.
func DefaultConfig() Config {
	c := Config{
		MaxOrders: 1 << 20,
		MaxLevels: 1 << 18,
		History:   1 << 20,
		MaxQty:    1_000_000_000,
	}
	for _, n := range defaultSymbolNames {
		c.Symbols = append(c.Symbols, SymbolConfig{Name: n, TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 10_000_000})
	}
	return c
}

// maxBandTicks bounds the per-symbol preallocation (4 bytes and 1 bit per tick).
const maxBandTicks = 1 << 27

// Validate reports the first problem with c, naming the field.
func (c *Config) Validate() error {
	if len(c.Symbols) == 0 {
		return errors.New("engine: config: Symbols: at least one symbol is required")
	}
	if len(c.Symbols) >= int(NoSymbol) {
		return errors.New("engine: config: Symbols: too many")
	}
	seen := make(map[string]bool, len(c.Symbols))
	for i, s := range c.Symbols {
		where := "engine: config: Symbols[" + strconv.Itoa(i) + "]"
		if s.Name == "" {
			return errors.New(where + ".Name: empty")
		}
		if seen[s.Name] {
			return errors.New(where + ".Name: duplicate " + strconv.Quote(s.Name))
		}
		seen[s.Name] = true
		if s.TickDecimals < 0 || s.TickDecimals > 9 {
			return errors.New(where + ".TickDecimals: must be 0..9")
		}
		if s.TickSize <= 0 {
			return errors.New(where + ".TickSize: must be positive")
		}
		if s.MinPrice <= 0 || s.MaxPrice < s.MinPrice {
			return errors.New(where + ": price band must satisfy 0 < MinPrice <= MaxPrice")
		}
		if s.MaxPrice-s.MinPrice >= maxBandTicks {
			return errors.New(where + ": price band wider than " + strconv.Itoa(maxBandTicks) + " ticks")
		}
	}
	if c.MaxOrders <= 0 || c.MaxOrders >= 1<<31-1 {
		return errors.New("engine: config: MaxOrders: must be between 1 and 2^31-2")
	}
	if c.MaxLevels <= 0 || c.MaxLevels >= 1<<31-1 {
		return errors.New("engine: config: MaxLevels: must be between 1 and 2^31-2")
	}
	if c.History < 0 || c.History >= 1<<30 {
		return errors.New("engine: config: History: must be between 0 and 2^30")
	}
	if c.MaxQty <= 0 {
		return errors.New("engine: config: MaxQty: must be positive")
	}
	for i, s := range c.Symbols {
		// Notional of a whole order must fit: MaxQty * MaxPrice < 2^63.
		if s.MaxPrice > (1<<63-1)/c.MaxQty {
			return errors.New("engine: config: Symbols[" + strconv.Itoa(i) + "].MaxPrice * MaxQty overflows int64")
		}
	}
	return nil
}
