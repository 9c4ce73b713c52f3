package datadir

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/journal"
)

func writeTypes(t *testing.T, types ...journal.RecordType) string {
	t.Helper()
	dir := t.TempDir()
	w, _, err := journal.Open(journal.Options{Dir: JournalDir(dir)})
	if err != nil {
		t.Fatal(err)
	}
	cmd := engine.Command{Kind: engine.KindNew, Owner: 1, Side: engine.Buy, Type: engine.Limit, Price: 1, Qty: 1}
	for i, typ := range types {
		var p []byte
		if typ == journal.TypeCommand {
			cmd.Seq = uint64(i + 1)
			cmd.ClOrdID, _ = engine.MakeID("c" + string(rune('a'+i)))
			p = engine.AppendCommand(nil, &cmd)
		}
		if err := w.Append(typ, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestJournalKinds: a journal is a cluster node's by its first record; the
// command reader refuses one at its first record, and a raft record after
// commands with its position; a single node's journal reads as before.
func TestJournalKinds(t *testing.T) {
	single := writeTypes(t, journal.TypeCommand, journal.TypeCommand)
	if c, err := JournalKind(single); err != nil || c {
		t.Fatalf("single node's journal: cluster %v, %v", c, err)
	}
	cr, err := OpenCommands(single, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cmd engine.Command
	for i := 0; i < 2; i++ {
		if err := cr.Next(&cmd); err != nil || cmd.Seq != uint64(i+1) {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	if err := cr.Next(&cmd); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	cr.Close()

	for _, first := range []journal.RecordType{journal.TypeRaftEntry, journal.TypeRaftState} {
		dir := writeTypes(t, first, journal.TypeRaftEntry)
		if c, err := JournalKind(dir); err != nil || !c {
			t.Fatalf("cluster journal: cluster %v, %v", c, err)
		}
		_, err := Recover(dir, engine.Config{Symbols: []engine.SymbolConfig{{Name: "A", TickSize: 1, MinPrice: 1, MaxPrice: 10}}, MaxOrders: 4, MaxLevels: 4, History: 4, MaxQty: 10})
		var ce *ClusterJournalError
		if !errors.As(err, &ce) || !errors.Is(err, ErrClusterJournal) || ce.Segment != 1 || ce.Type != first ||
			!strings.Contains(err.Error(), "cluster node's raft log") {
			t.Fatalf("Recover of a cluster journal: %v", err)
		}
	}

	mixed := writeTypes(t, journal.TypeCommand, journal.TypeRaftState)
	cr, err = OpenCommands(mixed, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	if err := cr.Next(&cmd); err != nil {
		t.Fatal(err)
	}
	err = cr.Next(&cmd)
	if err == nil || errors.Is(err, ErrClusterJournal) || !strings.Contains(err.Error(), "raft state record at segment 1 offset") ||
		!strings.Contains(err.Error(), "its first record is a command") {
		t.Fatalf("mixed journal: %v", err)
	}
}
