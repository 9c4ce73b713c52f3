package gateway

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

func TestParsePrice(t *testing.T) {
	for _, tc := range []struct {
		in    string
		sym   *engine.SymbolConfig
		ticks int64
		inv   engine.Invalid
	}{
		{"100.25", &cents, 10025, engine.InvalidNone},
		{"100", &cents, 10000, engine.InvalidNone},
		{"100.", &cents, 10000, engine.InvalidNone},
		{".5", &cents, 50, engine.InvalidNone},
		{"0.01", &cents, 1, engine.InvalidNone},
		{"00100.2500000", &cents, 10025, engine.InvalidNone},
		{"0", &cents, 0, engine.InvalidNone},
		{"-5.00", &cents, -500, engine.InvalidNone},
		{"100.251", &cents, 0, engine.InvalidTick},
		{"100.2500001", &cents, 0, engine.InvalidTick},
		{"1.05", &nickels, 21, engine.InvalidNone},
		{"1.07", &nickels, 0, engine.InvalidTick},
		{"7", &whole, 7, engine.InvalidNone},
		{"7.5", &whole, 0, engine.InvalidTick},
		{"", &cents, 0, engine.InvalidPrice},
		{".", &cents, 0, engine.InvalidPrice},
		{"-", &cents, 0, engine.InvalidPrice},
		{"abc", &cents, 0, engine.InvalidPrice},
		{"1.2.3", &cents, 0, engine.InvalidPrice},
		{"1e5", &cents, 0, engine.InvalidPrice},
		{"+5", &cents, 0, engine.InvalidPrice},
		{" 5", &cents, 0, engine.InvalidPrice},
		{"92233720368547758.07", &cents, math.MaxInt64, engine.InvalidNone},
		{"92233720368547758.08", &cents, 0, engine.InvalidPrice},
		{"99999999999999999999", &cents, 0, engine.InvalidPrice},
	} {
		ticks, inv := parsePrice([]byte(tc.in), tc.sym)
		if ticks != tc.ticks || inv != tc.inv {
			t.Errorf("parsePrice(%q, %s) = %d, %d; want %d, %d", tc.in, tc.sym.Name, ticks, inv, tc.ticks, tc.inv)
		}
	}
}

func TestParseQty(t *testing.T) {
	for _, tc := range []struct {
		in  string
		qty int64
		inv engine.Invalid
		ok  bool
	}{
		{"100", 100, engine.InvalidNone, true},
		{"100.000", 100, engine.InvalidNone, true},
		{"0", 0, engine.InvalidNone, true},
		{"-5", -5, engine.InvalidNone, true},
		{"1.5", 0, engine.InvalidQty, true},
		{".5", 0, engine.InvalidQty, true},
		{"9223372036854775807", math.MaxInt64, engine.InvalidNone, true},
		{"9223372036854775808", 0, engine.InvalidQty, true},
		{"", 0, engine.InvalidNone, false},
		{"abc", 0, engine.InvalidNone, false},
		{"10x", 0, engine.InvalidNone, false},
		{"1e3", 0, engine.InvalidNone, false},
		{".", 0, engine.InvalidNone, false},
	} {
		qty, inv, ok := parseQty([]byte(tc.in))
		if qty != tc.qty || inv != tc.inv || ok != tc.ok {
			t.Errorf("parseQty(%q) = %d, %d, %v; want %d, %d, %v", tc.in, qty, inv, ok, tc.qty, tc.inv, tc.ok)
		}
	}
}

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
		if got := string(appendPrice(nil, tc.ticks, tc.sym)); got != tc.want {
			t.Errorf("appendPrice(%d, %s) = %q, want %q", tc.ticks, tc.sym.Name, got, tc.want)
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
		if got := string(appendAvgPx(nil, tc.notional, tc.cum, tc.sym)); got != tc.want {
			t.Errorf("appendAvgPx(%d, %d, %s) = %q, want %q", tc.notional, tc.cum, tc.sym.Name, got, tc.want)
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
		got := string(appendAvgPx(nil, notional, cum, sym))
		// Exact value in price units, rounded half up at dec+6 decimals.
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sym.TickDecimals+avgPxExtraDecimals)), nil)
		num := new(big.Int).Mul(big.NewInt(notional), big.NewInt(sym.TickSize))
		num.Mul(num, big.NewInt(1_000_000))
		num.Mul(num, big.NewInt(2))
		num.Add(num, big.NewInt(cum))
		num.Quo(num, new(big.Int).Mul(big.NewInt(cum), big.NewInt(2)))
		want := new(big.Rat).SetFrac(num, scale)
		parsed, ok := new(big.Rat).SetString(got)
		if !ok || parsed.Cmp(want) != 0 {
			t.Fatalf("seed %d: appendAvgPx(%d, %d, %s) = %q, want %s", seed, notional, cum, sym.Name, got, want.FloatString(sym.TickDecimals+avgPxExtraDecimals))
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

func BenchmarkParsePrice(b *testing.B) {
	in := []byte("12345.67")
	b.ReportAllocs()
	for b.Loop() {
		parsePrice(in, &cents)
	}
}

func BenchmarkAppendAvgPx(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = appendAvgPx(buf[:0], 123456789+int64(i), 1000, &cents)
	}
	_ = strconv.Itoa(len(buf))
}
