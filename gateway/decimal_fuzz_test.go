package gateway

import (
	"math"
	"math/big"
	"testing"

	"github.com/openmatch/matchd/engine"
)

// FuzzParseDecimal checks parsePrice (for three tick grids) and parseQty on
// arbitrary text against exact rational arithmetic (math/big): the grammar is
// an optional '-', digits with at most one '.', at least one digit.
//
//	go test ./gateway -run '^$' -fuzz FuzzParseDecimal -fuzztime 1000000x
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"100.25", "-1.5", "0.01", ".5", "5.", "1e5", "", ".", "-", "00012.3400",
		"9223372036854775807", "92233720368547758.07", "92233720368547758.08", "1.005", "100.10", "12a"} {
		f.Add([]byte(s))
	}
	big10 := big.NewInt(10)
	maxInt := new(big.Rat).SetInt64(math.MaxInt64)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := parseRef(b)
		for _, sym := range []*engine.SymbolConfig{&cents, &nickels, &whole} {
			ticks, inv, perr := parsePrice(b, sym)
			want, wantInv, wantErr := int64(0), engine.InvalidNone, priceNotANumber
			if ok {
				// units = |v| * 10^dec; its integer part must fit int64, the
				// whole of it must be a multiple of the tick.
				units := new(big.Rat).Abs(v)
				units.Mul(units, new(big.Rat).SetInt(new(big.Int).Exp(big10, big.NewInt(int64(sym.TickDecimals)), nil)))
				whole := new(big.Int).Quo(units.Num(), units.Denom())
				wantErr = priceOK
				switch {
				case new(big.Rat).SetInt(whole).Cmp(maxInt) > 0:
					wantErr = priceTooManyDigits
				case !units.IsInt() || new(big.Int).Rem(whole, big.NewInt(sym.TickSize)).Sign() != 0:
					wantInv = engine.InvalidTick
				default:
					want, wantInv = whole.Int64()/sym.TickSize, engine.InvalidNone
					if v.Sign() < 0 {
						want = -want
					}
				}
			}
			if ticks != want || inv != wantInv || perr != wantErr {
				t.Fatalf("parsePrice(%q, %s) = %d, %v, %v; want %d, %v, %v", b, sym.Name, ticks, inv, perr, want, wantInv, wantErr)
			}
		}
		qty, inv, qok := parseQty(b)
		wantQty, wantInv := int64(0), engine.InvalidNone
		if ok {
			a := new(big.Rat).Abs(v)
			switch {
			case !a.IsInt() || a.Cmp(maxInt) > 0:
				wantInv = engine.InvalidQty
			default:
				wantQty = a.Num().Int64()
				if v.Sign() < 0 {
					wantQty = -wantQty
				}
			}
		}
		if qok != ok || qty != wantQty || inv != wantInv {
			t.Fatalf("parseQty(%q) = %d, %v, %v; want %d, %v, %v", b, qty, inv, qok, wantQty, wantInv, ok)
		}
	})
}

// parseRef is the grammar and value, exactly: an optional '-', then digits
// with at most one '.', at least one digit.
func parseRef(b []byte) (*big.Rat, bool) {
	s := b
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	intPart, frac, dots, digits := []byte{}, []byte{}, 0, 0
	for _, c := range s {
		switch {
		case c == '.':
			if dots++; dots > 1 {
				return nil, false
			}
		case c >= '0' && c <= '9':
			digits++
			if dots == 0 {
				intPart = append(intPart, c)
			} else {
				frac = append(frac, c)
			}
		default:
			return nil, false
		}
	}
	if digits == 0 {
		return nil, false
	}
	num, _ := new(big.Int).SetString("0"+string(intPart)+string(frac), 10)
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	v := new(big.Rat).SetFrac(num, den)
	if neg {
		v.Neg(v)
	}
	return v, true
}
