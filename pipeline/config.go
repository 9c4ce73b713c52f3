package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"github.com/openmatch/matchd/engine"
)

// ConfigFile is the name, inside the data directory, of the engine configuration
// the journal was written with. Symbol indexes in the journal mean something only
// with it, so Open refuses a configuration whose symbols differ, and replay reads
// it by default.
const ConfigFile = "engine.json"

// LoadConfig reads the engine configuration stored in a data directory.
func LoadConfig(dataDir string) (engine.Config, error) {
	var cfg engine.Config
	b, err := os.ReadFile(filepath.Join(dataDir, ConfigFile))
	if err != nil {
		return cfg, fmt.Errorf("pipeline: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, fmt.Errorf("pipeline: %s: %w", filepath.Join(dataDir, ConfigFile), err)
	}
	return cfg, cfg.Validate()
}

// checkAndStoreConfig compares cfg with the stored configuration (symbols must be
// identical: they give the journal's symbol indexes their meaning; capacities may
// change) and stores cfg, atomically.
func checkAndStoreConfig(dataDir string, cfg engine.Config) error {
	old, err := LoadConfig(dataDir)
	switch {
	case err == nil:
		if !reflect.DeepEqual(old.Symbols, cfg.Symbols) {
			return fmt.Errorf("pipeline: the data in %s was written with symbols %s; the configuration has %s (symbols may not change under an existing journal)",
				dataDir, symbolList(old.Symbols), symbolList(cfg.Symbols))
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	tmp := filepath.Join(dataDir, ConfigFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, ConfigFile)); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return syncFile(dataDir)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("pipeline: sync %s: %w", path, err)
	}
	return nil
}

func symbolList(s []engine.SymbolConfig) string {
	out := "["
	for i, c := range s {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s(tick %d/10^%d, band %d..%d)", c.Name, c.TickSize, c.TickDecimals, c.MinPrice, c.MaxPrice)
	}
	return out + "]"
}
