package engine

// Engine holds every book and applies commands to them. Not safe for concurrent
// use: one goroutine (the matcher) owns it.
type Engine struct {
	cfg Config
}

// New allocates an engine sized by cfg.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg}, nil
}

// Apply applies one command and appends the events it causes to out.
func (e *Engine) Apply(cmd *Command, out *Events) { panic("TODO") }

// State fills s with the engine's canonical state, reusing s's slices.
func (e *Engine) State(s *State) { panic("TODO") }

// StateHash returns State.Hash of the current state without allocating.
func (e *Engine) StateHash() uint64 { panic("TODO") }

// CheckInvariants verifies the internal structures agree with each other (levels
// sorted and linked, quantities add up, index matches the books). For tests.
func (e *Engine) CheckInvariants() error { panic("TODO") }

// Config returns the configuration the engine was built with.
func (e *Engine) Config() Config { return e.cfg }
