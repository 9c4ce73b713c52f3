package gateway

import (
	"math"

	"github.com/openmatch/matchd/engine"
)

// priceError says why the text of a price could not be read; the decoder
// refuses the message with Reject(3), SessionRejectReason 6.
type priceError uint8

const (
	priceOK priceError = iota
	// priceNotANumber: not an optional '-', digits, an optional '.' and digits
	// with at least one digit.
	priceNotANumber
	// priceTooManyDigits: a number whose value in units of 10^-TickDecimals
	// does not fit int64 (FIX floats have at most 15 significant digits).
	priceTooManyDigits
)

// parsePrice turns the text of a FIX price (an optional '-', digits, an optional
// '.' and digits; at least one digit) into ticks of sym. It never uses floating
// point. Off the tick grid (including non-zero digits beyond TickDecimals) gives
// engine.InvalidTick, for the engine to reject; text that is not such a number,
// or too large for int64 once scaled, gives a priceError. In both cases the
// returned ticks are 0.
func parsePrice(b []byte, sym *engine.SymbolConfig) (int64, engine.Invalid, priceError) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	dec := sym.TickDecimals
	var units int64 // price * 10^dec
	digits, fracDigits := 0, 0
	seenDot, offGrid, overflow := false, false, false
	for _, c := range b {
		switch {
		case c == '.' && !seenDot:
			seenDot = true
		case c >= '0' && c <= '9':
			digits++
			d := int64(c - '0')
			if seenDot {
				if fracDigits >= dec {
					if d != 0 {
						offGrid = true
					}
					continue
				}
				fracDigits++
			}
			if units > (math.MaxInt64-d)/10 {
				overflow = true
				continue
			}
			units = units*10 + d
		default:
			return 0, engine.InvalidNone, priceNotANumber
		}
	}
	if digits == 0 {
		return 0, engine.InvalidNone, priceNotANumber
	}
	if overflow {
		return 0, engine.InvalidNone, priceTooManyDigits
	}
	for ; fracDigits < dec; fracDigits++ {
		if units > math.MaxInt64/10 {
			return 0, engine.InvalidNone, priceTooManyDigits
		}
		units *= 10
	}
	if offGrid || units%sym.TickSize != 0 {
		return 0, engine.InvalidTick, priceOK
	}
	ticks := units / sym.TickSize
	if neg {
		ticks = -ticks
	}
	return ticks, engine.InvalidNone, priceOK
}

// parseQty turns the text of a FIX quantity into whole units. ok is false when the
// text is not a number at all (the caller answers with a session Reject). A
// number with a non-zero fractional part, or too large for int64, gives
// engine.InvalidQty (the engine rejects it with OrdRejReason 13). "100.00" is 100.
func parseQty(b []byte) (qty int64, inv engine.Invalid, ok bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	digits := 0
	seenDot, frac, overflow := false, false, false
	for _, c := range b {
		switch {
		case c == '.' && !seenDot:
			seenDot = true
		case c >= '0' && c <= '9':
			digits++
			d := int64(c - '0')
			if seenDot {
				if d != 0 {
					frac = true
				}
				continue
			}
			if qty > (math.MaxInt64-d)/10 {
				overflow = true
				continue
			}
			qty = qty*10 + d
		default:
			return 0, engine.InvalidNone, false
		}
	}
	if digits == 0 {
		return 0, engine.InvalidNone, false
	}
	if frac || overflow {
		return 0, engine.InvalidQty, true
	}
	if neg {
		qty = -qty
	}
	return qty, engine.InvalidNone, true
}
