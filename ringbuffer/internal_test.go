package ringbuffer

import disruptor "github.com/smartystreets-prototypes/go-disruptor"

// readersCursor returns the cursor of the i-th consumer (in Start order).
func (r *Ring[T]) readersCursor(i int) *disruptor.Cursor { return r.readCurs[i] }
