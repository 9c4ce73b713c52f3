package engine_test

import (
	"bytes"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
)

func randomID(r *rand.Rand) engine.ID {
	b := make([]byte, r.Intn(engine.MaxIDLen+1))
	for i := range b {
		b[i] = byte(r.Intn(256))
	}
	id, ok := engine.MakeIDBytes(b)
	if !ok {
		panic("MakeIDBytes refused a short ID")
	}
	return id
}

func randomCommand(r *rand.Rand) engine.Command {
	return engine.Command{
		Seq:         r.Uint64(),
		Time:        int64(r.Uint64()),
		Kind:        engine.Kind(r.Intn(256)),
		Side:        engine.Side(r.Intn(256)),
		Type:        engine.OrdType(r.Intn(256)),
		TIF:         engine.TIF(r.Intn(256)),
		Invalid:     engine.Invalid(r.Intn(256)),
		Owner:       r.Uint32(),
		Symbol:      r.Uint32(),
		Price:       int64(r.Uint64()),
		Qty:         int64(r.Uint64()),
		ClOrdID:     randomID(r),
		OrigClOrdID: randomID(r),
	}
}

func TestCommandRoundTrip(t *testing.T) {
	const seed = 42
	r := rand.New(rand.NewSource(seed))
	prefix := []byte("prefix")
	for i := 0; i < 2000; i++ {
		c := randomCommand(r)
		if i == 0 {
			c = engine.Command{} // all zero, empty IDs
		}
		b := engine.AppendCommand(append([]byte(nil), prefix...), &c)
		if !bytes.HasPrefix(b, prefix) || len(b) != len(prefix)+engine.CommandSize {
			t.Fatalf("seed %d #%d: AppendCommand wrote %d bytes after the prefix, want %d",
				seed, i, len(b)-len(prefix), engine.CommandSize)
		}
		var d engine.Command
		if err := engine.DecodeCommand(b[len(prefix):], &d); err != nil {
			t.Fatalf("seed %d #%d: DecodeCommand: %v", seed, i, err)
		}
		if d != c {
			t.Fatalf("seed %d #%d: round trip\n got %+v\nwant %+v", seed, i, d, c)
		}
	}
}

func TestDecodeCommandRejectsBadInput(t *testing.T) {
	c := engine.Command{Seq: 7, Kind: engine.KindNew, Qty: 5}
	c.ClOrdID, _ = engine.MakeID("abc")
	c.OrigClOrdID, _ = engine.MakeID("xy")
	good := engine.AppendCommand(nil, &c)
	clOff := engine.CommandSize - 2*(1+engine.MaxIDLen)
	origOff := engine.CommandSize - (1 + engine.MaxIDLen)
	if good[clOff] != 3 || good[origOff] != 2 {
		t.Fatalf("unexpected layout: ID lengths not at offsets %d and %d", clOff, origOff)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		b    []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"one short", good[:len(good)-1]},
		{"one long", append(append([]byte(nil), good...), 0)},
		{"double", append(append([]byte(nil), good...), good...)},
		{"ClOrdID length 40", mutate(func(b []byte) []byte { b[clOff] = engine.MaxIDLen + 1; return b })},
		{"ClOrdID length 255", mutate(func(b []byte) []byte { b[clOff] = 255; return b })},
		{"OrigClOrdID length 40", mutate(func(b []byte) []byte { b[origOff] = engine.MaxIDLen + 1; return b })},
		{"ClOrdID padding", mutate(func(b []byte) []byte { b[clOff+1+3] = 'z'; return b })},
		{"ClOrdID last padding byte", mutate(func(b []byte) []byte { b[origOff-1] = 1; return b })},
		{"OrigClOrdID padding", mutate(func(b []byte) []byte { b[origOff+1+2] = 'z'; return b })},
		{"OrigClOrdID last padding byte", mutate(func(b []byte) []byte { b[len(b)-1] = 0x80; return b })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d engine.Command
			err := engine.DecodeCommand(tc.b, &d)
			if err == nil {
				t.Fatalf("DecodeCommand accepted %d bytes", len(tc.b))
			}
			if !strings.HasPrefix(err.Error(), "engine: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	// A shorter ID with data that fits is fine: the byte after the length is used.
	ok := mutate(func(b []byte) []byte { b[clOff] = 4; b[clOff+1+3] = 'd'; return b })
	var d engine.Command
	if err := engine.DecodeCommand(ok, &d); err != nil || d.ClOrdID.String() != "abcd" {
		t.Errorf("DecodeCommand of a 4-byte ClOrdID: %v, %q", err, d.ClOrdID.String())
	}
}

// FuzzDecodeCommand: decoding never panics, and whatever decodes re-encodes to
// the same bytes (the encoding is canonical, so equal commands journal equally).
func FuzzDecodeCommand(f *testing.F) {
	r := rand.New(rand.NewSource(3))
	for range 4 {
		c := randomCommand(r)
		f.Add(engine.AppendCommand(nil, &c))
	}
	f.Add([]byte{})
	f.Add(make([]byte, engine.CommandSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c engine.Command
		if err := engine.DecodeCommand(b, &c); err != nil {
			return
		}
		if again := engine.AppendCommand(nil, &c); !bytes.Equal(again, b) {
			t.Fatalf("decoded %+v re-encodes differently:\n got %x\nwant %x", c, again, b)
		}
	})
}

func TestAppendEventLength(t *testing.T) {
	const seed = 9
	r := rand.New(rand.NewSource(seed))
	prefix := []byte{1, 2, 3}
	for i := 0; i < 500; i++ {
		e := engine.Event{
			ExecID: r.Uint64(), Seq: r.Uint64(), Time: int64(r.Uint64()), OrderID: r.Uint64(),
			Kind: engine.EventKind(r.Intn(256)), Status: engine.OrdStatus(r.Intn(256)),
			Side: engine.Side(r.Intn(256)), Type: engine.OrdType(r.Intn(256)), TIF: engine.TIF(r.Intn(256)),
			Reason: engine.Reason(r.Intn(256)), ResponseTo: uint8(r.Intn(256)), Text: engine.Text(r.Intn(256)),
			Owner: r.Uint32(), Symbol: r.Uint32(),
			Price: int64(r.Uint64()), OrderQty: int64(r.Uint64()), LastQty: int64(r.Uint64()),
			LastPx: int64(r.Uint64()), CumQty: int64(r.Uint64()), LeavesQty: int64(r.Uint64()),
			Notional: int64(r.Uint64()), ClOrdID: randomID(r), OrigClOrdID: randomID(r),
		}
		b := engine.AppendEvent(append([]byte(nil), prefix...), &e)
		if !bytes.HasPrefix(b, prefix) || len(b)-len(prefix) != engine.EventSize {
			t.Fatalf("seed %d #%d: AppendEvent wrote %d bytes, want EventSize %d", seed, i, len(b)-len(prefix), engine.EventSize)
		}
	}
	var zero engine.Event
	if n := len(engine.AppendEvent(nil, &zero)); n != engine.EventSize {
		t.Fatalf("zero event: %d bytes, want %d", n, engine.EventSize)
	}
}

// TestAppendEventCoversEveryField: replay hashes the event encoding, so a change
// to any field must change the bytes.
func TestAppendEventCoversEveryField(t *testing.T) {
	var base engine.Event
	base.ClOrdID, _ = engine.MakeID("a")
	base.OrigClOrdID, _ = engine.MakeID("b")
	enc := engine.AppendEvent(nil, &base)
	v := reflect.ValueOf(&base).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Name == "Last" {
			continue // derived from the stream (where the next command's events begin), not encoded
		}
		e := base
		f := reflect.ValueOf(&e).Elem().Field(i)
		switch f.Kind() {
		case reflect.Uint8, reflect.Uint32, reflect.Uint64:
			f.SetUint(f.Uint() + 1)
		case reflect.Int64:
			f.SetInt(f.Int() + 1)
		case reflect.Struct: // ID
			f.Field(1).Index(0).SetUint(f.Field(1).Index(0).Uint() + 1)
		default:
			t.Fatalf("field %s: unhandled kind %s", v.Type().Field(i).Name, f.Kind())
		}
		if bytes.Equal(engine.AppendEvent(nil, &e), enc) {
			t.Errorf("changing Event.%s does not change its encoding", v.Type().Field(i).Name)
		}
	}
}
