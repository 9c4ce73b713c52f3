package journal

import "fmt"

// Policy says when Commit makes records durable. See the package doc.
type Policy uint8

const (
	// PolicyBatch (the default, the zero value) writes each group with one
	// write and makes it durable with one fsync before Commit returns.
	PolicyBatch Policy = iota
	// PolicyNone writes each group to the operating system and never fsyncs
	// records: they survive a crash of the process, not of the machine.
	PolicyNone
	// PolicyEvery writes and fsyncs each record on its own.
	PolicyEvery
)

// String returns the policy's name as ParsePolicy accepts it.
func (p Policy) String() string {
	switch p {
	case PolicyBatch:
		return "batch"
	case PolicyNone:
		return "none"
	case PolicyEvery:
		return "every"
	}
	return fmt.Sprintf("Policy(%d)", uint8(p))
}

// ParsePolicy parses a policy name: "none", "batch" or "every".
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "batch":
		return PolicyBatch, nil
	case "none":
		return PolicyNone, nil
	case "every":
		return PolicyEvery, nil
	}
	return 0, fmt.Errorf("journal: unknown durability policy %q (allowed: none, batch, every)", s)
}
