// Package ringbuffer is a small API over go-disruptor: a preallocated ring of
// pointer-free slots, a single writer, and a pipeline of consumer groups.
package ringbuffer
