package raftlog

import (
	"math"
	"sync"
	"testing"

	"github.com/openmatch/matchd/journal"
)

// TestConcurrentReads: raft.Storage methods called from another goroutine
// while the owner Saves (with overwrites) and Compacts always see a
// consistent log: consecutive entries from FirstIndex, terms not going
// back. Run with -race, it checks the locking the package doc promises.
func TestConcurrentReads(t *testing.T) {
	d := newDirs(t)
	l, _, err := Open(Options{JournalDir: d.journal, SnapshotDir: d.snaps, Policy: journal.PolicyNone})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	reads := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			first, _ := l.FirstIndex()
			last, _ := l.LastIndex()
			if last < first {
				continue
			}
			ents, err := l.Entries(first, last+1, math.MaxUint64)
			if err != nil {
				continue // compacted or replaced between the calls
			}
			var prev uint64
			for k, e := range ents {
				if e.GetIndex() != first+uint64(k) || e.GetTerm() < prev {
					t.Errorf("read entry %d/%d at position %d after term %d", e.GetIndex(), e.GetTerm(), k, prev)
					return
				}
				prev = e.GetTerm()
			}
			reads++
		}
	}()
	term := uint64(1)
	for k := uint64(0); k < 300; k++ {
		last, _ := l.LastIndex()
		from := last + 1
		if k%10 == 9 && last > 3 {
			from, term = last-2, term+1 // a new leader replaces three entries
		}
		if err := l.Save(hardState(term, 1, 0), index(from).terms(term, term)); err != nil {
			t.Fatal(err)
		}
		if k%50 == 49 {
			if err := l.Compact(from - 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d consistent reads", reads)
}
