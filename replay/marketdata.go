package replay

import (
	"io"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/marketdata"
)

// MarketData prints the market-data stream of a replay as JSON lines
// (marketdata.AppendJSON): first a W of each selected symbol as its book stood
// after command From (0: the empty books before the first command), then
// every X of every later command, in order. It runs marketdata.Book, the code
// the live feed runs, over the replayed events, so the X lines are the ones a
// full-depth subscriber of all entry types received live from that point on.
// Use it as Options.OnEvent, then call Finish; the replay must start at the
// first command (not FromSnapshot), as the book is built from events only.
type MarketData struct {
	w       io.Writer
	cfg     *engine.Config
	from    uint64
	symbol  int // -1: every symbol
	book    *marketdata.Book
	snapped bool
	buf     []byte
	flush   []marketdata.Refresh
}

// NewMarketData prints to w for cfg's symbols, or only symbol (an index into
// cfg.Symbols) when it is >= 0.
func NewMarketData(w io.Writer, cfg *engine.Config, from uint64, symbol int) *MarketData {
	return &MarketData{w: w, cfg: cfg, from: from, symbol: symbol, book: marketdata.NewBook(len(cfg.Symbols))}
}

// OnEvent folds ev into the book, printing the W lines before the first event
// past From and the X lines of each command after From at its last event.
func (m *MarketData) OnEvent(ev *engine.Event) error {
	if !m.snapped && ev.Seq > m.from {
		if err := m.snapshot(); err != nil {
			return err
		}
	}
	m.book.Apply(ev)
	if !ev.Last {
		return nil
	}
	m.flush = m.book.Flush(m.flush[:0])
	if ev.Seq <= m.from {
		return nil
	}
	for i := range m.flush {
		r := &m.flush[i]
		if m.symbol >= 0 && r.Symbol != uint32(m.symbol) {
			continue
		}
		m.buf = marketdata.AppendJSON(m.buf[:0], r, &m.cfg.Symbols[r.Symbol])
		if _, err := m.w.Write(m.buf); err != nil {
			return err
		}
	}
	return nil
}

// Finish prints the W lines if no event came after From (the range is empty
// or From is past the end).
func (m *MarketData) Finish() error {
	if m.snapped {
		return nil
	}
	return m.snapshot()
}

func (m *MarketData) snapshot() error {
	m.snapped = true
	for i := range m.cfg.Symbols {
		if m.symbol >= 0 && i != m.symbol {
			continue
		}
		r := m.book.Snapshot(uint32(i), 0, marketdata.AllTypes)
		m.buf = marketdata.AppendJSON(m.buf[:0], &r, &m.cfg.Symbols[i])
		if _, err := m.w.Write(m.buf); err != nil {
			return err
		}
	}
	return nil
}
