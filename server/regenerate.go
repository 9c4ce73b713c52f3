package server

import (
	"fmt"
	"runtime/debug"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/replay"
)

// regenerate is the gateway's Regenerator (gateway.Options.Regenerate): the
// reports a session's bounded queue did not keep, from the data directory.
// It replays, through package replay (the audit re-run: the same snapshot
// restore, journal reader and engine.Apply as recovery), the journal from the
// newest snapshot before fromSeq up to toSeq, and hands fn the events of
// owner from fromSeq on. One replay runs at a time (regenMu), on the calling
// session's sender goroutine, never on the matching path; its memory is one
// engine (Config sized) and one command's events, whatever the range. The
// commands up to toSeq are durable (the gateway saw their events), so the
// live journal's tail, being written meanwhile, is never read.
func (s *Server) regenerate(owner uint32, fromSeq, toSeq uint64, fn func(*engine.Event) error) error {
	s.regenMu.Lock()
	defer s.regenMu.Unlock()
	o := replay.Options{Dir: s.opts.DataDir, Engine: s.opts.Engine, StopSeq: toSeq,
		OnEvent: func(ev *engine.Event) error {
			if ev.Owner != owner || ev.Seq < fromSeq {
				return nil
			}
			return fn(ev)
		}}
	if fromSeq > 1 {
		o.FromSnapshot, o.SnapshotAtOrBefore = true, fromSeq-1
	}
	res, err := replay.Run(o)
	// The replay's engine is as large as the live one (Config sized) and
	// garbage now: give it back to the OS rather than let the heap goal
	// (GOGC, 400 by default) keep it, and its successors, resident.
	res.Engine = nil
	debug.FreeOSMemory()
	if err != nil {
		return err
	}
	if res.LastSeq < toSeq {
		return fmt.Errorf("server: regenerate reports: the journal ends at seq %d, before %d", res.LastSeq, toSeq)
	}
	return nil
}
