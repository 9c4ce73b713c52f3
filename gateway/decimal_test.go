package gateway

import (
	"math"
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
		err   priceError
	}{
		{"100.25", &cents, 10025, engine.InvalidNone, priceOK},
		{"100", &cents, 10000, engine.InvalidNone, priceOK},
		{"100.", &cents, 10000, engine.InvalidNone, priceOK},
		{".5", &cents, 50, engine.InvalidNone, priceOK},
		{"0.01", &cents, 1, engine.InvalidNone, priceOK},
		{"00100.2500000", &cents, 10025, engine.InvalidNone, priceOK},
		{"0", &cents, 0, engine.InvalidNone, priceOK},
		{"-5.00", &cents, -500, engine.InvalidNone, priceOK},
		{"100.251", &cents, 0, engine.InvalidTick, priceOK},
		{"100.2500001", &cents, 0, engine.InvalidTick, priceOK},
		{"1.05", &nickels, 21, engine.InvalidNone, priceOK},
		{"1.07", &nickels, 0, engine.InvalidTick, priceOK},
		{"7", &whole, 7, engine.InvalidNone, priceOK},
		{"7.5", &whole, 0, engine.InvalidTick, priceOK},
		{"", &cents, 0, engine.InvalidNone, priceNotANumber},
		{".", &cents, 0, engine.InvalidNone, priceNotANumber},
		{"-", &cents, 0, engine.InvalidNone, priceNotANumber},
		{"abc", &cents, 0, engine.InvalidNone, priceNotANumber},
		{"1.2.3", &cents, 0, engine.InvalidNone, priceNotANumber},
		{"1e5", &cents, 0, engine.InvalidNone, priceNotANumber},
		{"+5", &cents, 0, engine.InvalidNone, priceNotANumber},
		{" 5", &cents, 0, engine.InvalidNone, priceNotANumber},
		{"92233720368547758.07", &cents, math.MaxInt64, engine.InvalidNone, priceOK},
		{"92233720368547758.08", &cents, 0, engine.InvalidNone, priceTooManyDigits},
		{"99999999999999999999", &cents, 0, engine.InvalidNone, priceTooManyDigits},
		{"123456789012345678901234567890", &whole, 0, engine.InvalidNone, priceTooManyDigits},
		{"99999999999999999999.5", &cents, 0, engine.InvalidNone, priceTooManyDigits},
		{"99999999999999999999x", &cents, 0, engine.InvalidNone, priceNotANumber},
	} {
		ticks, inv, err := parsePrice([]byte(tc.in), tc.sym)
		if ticks != tc.ticks || inv != tc.inv || err != tc.err {
			t.Errorf("parsePrice(%q, %s) = %d, %d, %d; want %d, %d, %d", tc.in, tc.sym.Name, ticks, inv, err, tc.ticks, tc.inv, tc.err)
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

func BenchmarkParsePrice(b *testing.B) {
	in := []byte("12345.67")
	b.ReportAllocs()
	for b.Loop() {
		parsePrice(in, &cents)
	}
}
