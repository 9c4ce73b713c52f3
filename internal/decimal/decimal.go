// Package decimal formats engine prices (int64 ticks) as FIX decimals, with
// integer arithmetic only: a price on its symbol's grid, and an average price
// (notional / quantity) rounded half up. The gateway's reports, the market-data
// messages and JSON, and the operators' /book all print prices through it.
package decimal

import (
	"math"
	"math/bits"

	"github.com/openmatch/matchd/engine"
)

// AvgPxExtraDecimals is how many decimals beyond the symbol's TickDecimals AvgPx
// carries (rounded half up at the last one; trailing zeros beyond TickDecimals are
// trimmed, so an average that is exact within them is printed exactly).
const AvgPxExtraDecimals = 6

// AppendPrice appends ticks of sym as a decimal with exactly TickDecimals decimals.
func AppendPrice(dst []byte, ticks int64, sym *engine.SymbolConfig) []byte {
	return appendRatio(dst, ticks, sym.TickSize, 1, sym.TickDecimals, 0)
}

// AppendAvgPx appends notional/cumQty (ticks) as a price of sym, computed with
// integer arithmetic only. cumQty <= 0 gives "0".
func AppendAvgPx(dst []byte, notional, cumQty int64, sym *engine.SymbolConfig) []byte {
	if cumQty <= 0 {
		return append(dst, '0')
	}
	return appendRatio(dst, notional, sym.TickSize, cumQty, sym.TickDecimals, AvgPxExtraDecimals)
}

// appendRatio appends num*mul/den scaled down by 10^dec, i.e. the decimal number
// whose units are 10^-dec, with dec decimals plus up to extra more (rounded half
// up at the last, trailing zeros beyond dec trimmed). mul and den must be > 0. The
// product num*mul is formed in 128 bits; a quotient beyond 2^64 units is clamped
// (the configuration check in New rules it out for prices inside the band).
func appendRatio(dst []byte, num, mul, den int64, dec, extra int) []byte {
	neg := num < 0
	un := uint64(num)
	if neg {
		un = -un // two's complement magnitude, correct for MinInt64 too
	}
	hi, lo := bits.Mul64(un, uint64(mul))
	d := uint64(den)
	if hi >= d {
		hi, lo = d-1, math.MaxUint64 // clamp instead of panicking in Div64
	}
	ip, rem := bits.Div64(hi, lo, d)

	// Digits of the integer part (in units), then extra+1 fractional digits.
	var buf [20 + 1 + 20]byte // 20 digits of ip, up to 20 more digits
	n := len(buf[:20])
	for i := 19; i >= 0; i-- {
		buf[i] = byte('0' + ip%10)
		ip /= 10
	}
	for i := 0; i <= extra; i++ {
		h, l := bits.Mul64(rem, 10)
		var q uint64
		q, rem = bits.Div64(h, l, d)
		buf[n] = byte('0' + q)
		n++
	}
	// Round half up on the last digit computed, then drop it.
	n--
	if buf[n] >= '5' {
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '9' {
				buf[i] = '0'
				continue
			}
			buf[i]++
			break
		}
	}
	// buf[:n] are the digits of value*10^extra in units; the decimal point goes
	// dec+extra digits from the right.
	point := n - dec - extra
	// Trim trailing zeros beyond dec decimals.
	end := n
	for end > point+dec && buf[end-1] == '0' {
		end--
	}
	start := 0
	for start < point-1 && buf[start] == '0' {
		start++
	}
	if neg && !allZero(buf[start:end]) {
		dst = append(dst, '-')
	}
	dst = append(dst, buf[start:point]...)
	if end > point {
		dst = append(dst, '.')
		dst = append(dst, buf[point:end]...)
	}
	return dst
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != '0' {
			return false
		}
	}
	return true
}
