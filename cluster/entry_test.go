package cluster

import (
	"errors"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
)

func testCommand(seq uint64) engine.Command {
	c := engine.Command{Seq: seq, Time: 42, Kind: engine.KindNew, Side: engine.Buy, Type: engine.Limit,
		Owner: 7, Symbol: 1, Price: 100, Qty: 5}
	c.ClOrdID, _ = engine.MakeID("abc")
	return c
}

// TestEntryRoundTrip builds a batch of commands and checkpoints and reads it back.
func TestEntryRoundTrip(t *testing.T) {
	c1, c2 := testCommand(1), testCommand(2)
	b := AppendCommand(nil, &c1)
	b = AppendCheckpoint(b, 1, 0xfeedface)
	b = AppendCommand(b, &c2)
	var it Items
	it.Reset(b)
	var got []string
	var cmds []engine.Command
	for it.Next() {
		switch it.Kind() {
		case ItemCommand:
			var c engine.Command
			if err := it.Command(&c); err != nil {
				t.Fatal(err)
			}
			got = append(got, "cmd")
			cmds = append(cmds, c)
		case ItemCheckpoint:
			seq, h, ok := it.Checkpoint()
			if !ok || seq != 1 || h != 0xfeedface {
				t.Fatalf("checkpoint %d %x %v", seq, h, ok)
			}
			got = append(got, "ckpt")
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "cmd,ckpt,cmd" || cmds[0] != c1 || cmds[1] != c2 {
		t.Fatalf("items %v, commands %+v", got, cmds)
	}
	if _, _, ok := (&Items{kind: ItemCommand}).Checkpoint(); ok {
		t.Fatal("Checkpoint on a command item reported ok")
	}
	it.Reset(nil)
	if it.Next() || it.Err() != nil {
		t.Fatal("an empty entry has items or an error")
	}
}

// TestEntryMalformed checks that each kind of damage is an *EntryError naming
// the byte where it is.
func TestEntryMalformed(t *testing.T) {
	c := testCommand(1)
	good := AppendCommand(nil, &c)
	ck := AppendCheckpoint(nil, 1, 2)
	badID := append([]byte(nil), good...)
	badID[2+45] = engine.MaxIDLen + 1 // ClOrdID length byte
	cases := []struct {
		name string
		data []byte
		off  int
		msg  string
	}{
		{"unknown kind", append(append([]byte(nil), good...), 9, 1, 0), len(good), "unknown item kind 9"},
		{"no length", append(append([]byte(nil), ck...), byte(ItemCheckpoint)), len(ck) + 1, "bad item length"},
		{"overflowing length", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}, 1, "bad item length"},
		{"wrong size", []byte{2, 15, 0}, 1, "has length 15, want 16"},
		{"truncated payload", ck[:len(ck)-1], 1, "runs past the end"},
		{"bad command", badID, 0, "ClOrdID"},
	}
	for _, tc := range cases {
		var it Items
		it.Reset(tc.data)
		var cmd engine.Command
		for it.Next() {
			if it.Kind() == ItemCommand && it.Command(&cmd) != nil {
				break
			}
		}
		var ee *EntryError
		if err := it.Err(); !errors.As(err, &ee) || ee.Offset != tc.off || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want an EntryError at byte %d saying %q", tc.name, err, tc.off, tc.msg)
		}
		if it.Next() {
			t.Errorf("%s: Next after an error", tc.name)
		}
	}
	ee := &EntryError{Index: 12, Offset: 3, Reason: "x"}
	if ee.Error() != "cluster: malformed entry at raft index 12, byte 3: x" {
		t.Errorf("%q", ee.Error())
	}
}

// TestEntryAllocs: encoding into a reused buffer and iterating allocate nothing.
func TestEntryAllocs(t *testing.T) {
	c := testCommand(1)
	buf := make([]byte, 0, 1024)
	var it Items
	var out engine.Command
	n := testing.AllocsPerRun(100, func() {
		b := AppendCommand(buf[:0], &c)
		b = AppendCheckpoint(b, 1, 2)
		it.Reset(b)
		for it.Next() {
			if it.Kind() == ItemCommand {
				_ = it.Command(&out)
			}
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per batch", n)
	}
}

// FuzzEntry: any bytes either iterate to the end or stop with an *EntryError
// at an offset inside the data; never a panic. Well-formed items re-encode to
// the same bytes.
func FuzzEntry(f *testing.F) {
	c := testCommand(3)
	f.Add(AppendCheckpoint(AppendCommand(nil, &c), 3, 9))
	f.Add([]byte{2, 16})
	f.Add([]byte{1, 0x80})
	f.Add([]byte{})
	f.Add(AppendLeader(nil, 2, "127.0.0.1:5102"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var it Items
		it.Reset(data)
		var cmd engine.Command
		var re []byte
		for it.Next() {
			switch it.Kind() {
			case ItemCommand:
				if it.Command(&cmd) == nil {
					re = AppendCommand(re, &cmd)
				}
			case ItemCheckpoint:
				seq, h, _ := it.Checkpoint()
				re = AppendCheckpoint(re, seq, h)
			case ItemLeader:
				node, addr, _ := it.Leader()
				re = AppendLeader(re, node, string(addr))
			}
		}
		err := it.Err()
		if err == nil {
			if string(re) != string(data) {
				t.Fatalf("re-encoding differs:\n%x\n%x", re, data)
			}
			return
		}
		var ee *EntryError
		if !errors.As(err, &ee) || ee.Offset < 0 || ee.Offset > len(data) {
			t.Fatalf("error %v", err)
		}
	})
}

// TestEntryLeader round-trips a leader item and refuses lengths outside 8 to
// 8+MaxLeaderAddr.
func TestEntryLeader(t *testing.T) {
	c := testCommand(1)
	b := AppendLeader(nil, 3, "127.0.0.1:5103")
	b = AppendCommand(b, &c)
	var it Items
	it.Reset(b)
	if !it.Next() || it.Kind() != ItemLeader {
		t.Fatalf("first item %v, err %v", it.Kind(), it.Err())
	}
	node, addr, ok := it.Leader()
	if !ok || node != 3 || string(addr) != "127.0.0.1:5103" {
		t.Fatalf("leader %d %q %v", node, addr, ok)
	}
	if _, _, ok := it.Checkpoint(); ok {
		t.Fatal("Checkpoint on a leader item reported ok")
	}
	if !it.Next() || it.Kind() != ItemCommand || it.Next() || it.Err() != nil {
		t.Fatalf("second item %v, err %v", it.Kind(), it.Err())
	}
	if _, _, ok := it.Leader(); ok {
		t.Fatal("Leader at the end reported ok")
	}
	for _, bad := range [][]byte{{3, 7, 0, 0, 0, 0, 0, 0, 0}, append([]byte{3, 0x88, 2}, make([]byte, 264)...)} {
		it.Reset(bad)
		var ee *EntryError
		if it.Next() || !errors.As(it.Err(), &ee) || ee.Offset != 1 || !strings.Contains(ee.Reason, "to 263") {
			t.Fatalf("% x: err %v", bad[:3], it.Err())
		}
	}
	if long := AppendLeader(nil, 1, strings.Repeat("x", 300)); len(long) != 1+2+8+MaxLeaderAddr {
		t.Fatalf("long address not cut: %d bytes", len(long))
	}
}
