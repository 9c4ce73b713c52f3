package decimal

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/openmatch/matchd/engine"
)

var (
	cents   = engine.SymbolConfig{Name: "C", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 10_000_000}
	nickels = engine.SymbolConfig{Name: "N", TickDecimals: 2, TickSize: 5, MinPrice: 1, MaxPrice: 1_000_000}
	whole   = engine.SymbolConfig{Name: "W", TickDecimals: 0, TickSize: 1, MinPrice: 1, MaxPrice: 1_000_000}
)

func TestAppendPrice(t *testing.T) {
	for _, tc := range []struct {
		ticks int64
		sym   *engine.SymbolConfig
		want  string
	}{
		{10025, &cents, "100.25"},
		{1, &cents, "0.01"},
		{0, &cents, "0.00"},
		{-500, &cents, "-5.00"},
		{21, &nickels, "1.05"},
		{7, &whole, "7"},
		{math.MaxInt64, &cents, "92233720368547758.07"},
		{math.MinInt64, &cents, "-92233720368547758.08"},
	} {
		if got := string(AppendPrice(nil, tc.ticks, tc.sym)); got != tc.want {
			t.Errorf("AppendPrice(%d, %s) = %q, want %q", tc.ticks, tc.sym.Name, got, tc.want)
		}
	}
}

func TestAppendAvgPx(t *testing.T) {
	for _, tc := range []struct {
		notional, cum int64
		sym           *engine.SymbolConfig
		want          string
	}{
		{10025 * 3, 3, &cents, "100.25"},
		{10000 + 10001, 2, &cents, "100.005"},
		{10000 + 10000 + 10001, 3, &cents, "100.00333333"},
		{10000 + 10001 + 10001, 3, &cents, "100.00666667"},
		{2, 3, &cents, "0.00666667"},
		{99999999999, 100000000000, &cents, "0.01"}, // 0.0099999999990 rounds up
		{1, 3, &whole, "0.333333"},
		{2, 3, &whole, "0.666667"},
		{21 * 2, 2, &nickels, "1.05"},
		{21 + 22, 2, &nickels, "1.075"},
		{0, 0, &cents, "0"},
	} {
		if got := string(AppendAvgPx(nil, tc.notional, tc.cum, tc.sym)); got != tc.want {
			t.Errorf("AppendAvgPx(%d, %d, %s) = %q, want %q", tc.notional, tc.cum, tc.sym.Name, got, tc.want)
		}
	}
}

// TestAppendAvgPxRandom compares the integer formatting with exact rational
// arithmetic on seeded random inputs.
func TestAppendAvgPxRandom(t *testing.T) {
	seed := uint64(20240601)
	r := rand.New(rand.NewPCG(seed, seed))
	syms := []*engine.SymbolConfig{&cents, &nickels, &whole}
	for i := 0; i < 20000; i++ {
		sym := syms[r.IntN(len(syms))]
		cum := 1 + r.Int64N(1_000_000_000)
		avg := 1 + r.Int64N(sym.MaxPrice)
		notional := avg*cum + r.Int64N(cum) // some fill-weighted average near avg
		got := string(AppendAvgPx(nil, notional, cum, sym))
		// Exact value in price units, rounded half up at dec+6 decimals.
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sym.TickDecimals+AvgPxExtraDecimals)), nil)
		num := new(big.Int).Mul(big.NewInt(notional), big.NewInt(sym.TickSize))
		num.Mul(num, big.NewInt(1_000_000))
		num.Mul(num, big.NewInt(2))
		num.Add(num, big.NewInt(cum))
		num.Quo(num, new(big.Int).Mul(big.NewInt(cum), big.NewInt(2)))
		want := new(big.Rat).SetFrac(num, scale)
		parsed, ok := new(big.Rat).SetString(got)
		if !ok || parsed.Cmp(want) != 0 {
			t.Fatalf("seed %d: AppendAvgPx(%d, %d, %s) = %q, want %s", seed, notional, cum, sym.Name, got, want.FloatString(sym.TickDecimals+AvgPxExtraDecimals))
		}
		if dot := len(got) - 1 - lastIndexByte(got, '.'); sym.TickDecimals > 0 && dot < sym.TickDecimals {
			t.Fatalf("seed %d: %q has fewer than %d decimals", seed, got, sym.TickDecimals)
		}
	}
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return len(s) - 1
}

// TestAppendPriceTickSizes: tick sizes other than 1, and decimals 0 to 4.
func TestAppendPriceTickSizes(t *testing.T) {
	for _, tc := range []struct {
		ticks, size int64
		dec         int
		want        string
	}{
		{10001, 1, 2, "100.01"}, {1, 1, 2, "0.01"}, {0, 1, 2, "0.00"}, {-3, 1, 2, "-0.03"},
		{7, 5, 3, "0.035"}, {12, 25, 0, "300"}, {123456789, 1, 4, "12345.6789"},
	} {
		sym := &engine.SymbolConfig{TickDecimals: tc.dec, TickSize: tc.size}
		if got := string(AppendPrice(nil, tc.ticks, sym)); got != tc.want {
			t.Errorf("AppendPrice(%d, size %d, dec %d) = %s, want %s", tc.ticks, tc.size, tc.dec, got, tc.want)
		}
	}
}

func BenchmarkAppendAvgPx(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = AppendAvgPx(buf[:0], 123456789+int64(i), 1000, &cents)
	}
	_ = strconv.Itoa(len(buf))
}
