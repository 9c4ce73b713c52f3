// Package reference exports the naive reference book (engine/internal/refbook)
// for tools outside the engine tree, such as `bench engine`, that compare the fast
// engine with it. It is the oracle of the differential tests: obviously correct
// and slow (linear scans), never for production.
package reference

import (
	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/engine/internal/refbook"
)

// Book is the reference order book.
type Book = refbook.Book

// New returns an empty reference book for cfg.
func New(cfg engine.Config) (*Book, error) { return refbook.New(cfg) }
