//go:build !linux

package pipelinebench

// fsType is only known on Linux.
func fsType(string) string { return "unknown" }
