package engine

// Events is a caller-owned buffer that Apply appends to. Reuse it across commands
// (Reset between them) so that, once it has grown to the largest burst seen, no
// command allocates.
type Events struct {
	buf []Event
}

// NewEvents returns a buffer with room for capacity events.
func NewEvents(capacity int) *Events { return &Events{buf: make([]Event, 0, capacity)} }

// Reset empties the buffer, keeping its storage.
func (ev *Events) Reset() { ev.buf = ev.buf[:0] }

// Len is the number of events in the buffer.
func (ev *Events) Len() int { return len(ev.buf) }

// At returns the i'th event; the pointer is valid until the next Reset or Apply.
func (ev *Events) At(i int) *Event { return &ev.buf[i] }

// Slice returns the events; it aliases the buffer.
func (ev *Events) Slice() []Event { return ev.buf }

// next appends a zeroed event and returns it for filling in place.
func (ev *Events) next() *Event {
	n := len(ev.buf)
	if n < cap(ev.buf) {
		ev.buf = ev.buf[:n+1]
		ev.buf[n] = Event{}
	} else {
		ev.buf = append(ev.buf, Event{})
	}
	return &ev.buf[n]
}
