package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/openmatch/matchd/engine"
	"github.com/openmatch/matchd/internal/fsutil"
)

// LoadConfig reads and validates the engine configuration stored in dir
// (ConfigFile). A directory without one gives an error satisfying
// errors.Is(err, os.ErrNotExist).
func LoadConfig(dir string) (engine.Config, error) {
	var cfg engine.Config
	path := ConfigFile(dir)
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("datadir: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("datadir: %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("datadir: %s: %w", path, err)
	}
	return cfg, nil
}

// StoreConfig compares cfg with the configuration stored in dir, if any, and
// then stores cfg (written to a temporary file, fsynced and renamed into place,
// the directory fsynced). Symbols must be identical, in the same order: the
// journal's symbol indexes mean them. Capacities may change between runs.
func StoreConfig(dir string, cfg engine.Config) error {
	old, err := LoadConfig(dir)
	switch {
	case err == nil:
		if !reflect.DeepEqual(old.Symbols, cfg.Symbols) {
			return fmt.Errorf("datadir: the data in %s was written with symbols %s; the configuration has %s (symbols may not change under an existing journal)",
				dir, symbolList(old.Symbols), symbolList(cfg.Symbols))
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	if err := fsutil.WriteFileAtomic(ConfigFile(dir), append(b, '\n'), 0o644, true); err != nil {
		return fmt.Errorf("datadir: store %s: %w", ConfigFile(dir), err)
	}
	return nil
}

func symbolList(s []engine.SymbolConfig) string {
	var b strings.Builder
	b.WriteString("[")
	for i, c := range s {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s(tick %d/10^%d, band %d..%d)", c.Name, c.TickSize, c.TickDecimals, c.MinPrice, c.MaxPrice)
	}
	b.WriteString("]")
	return b.String()
}
