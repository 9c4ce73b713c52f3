// Package ringbuffer is our small API over go-disruptor: a preallocated ring of
// pointer-free slots, one writer, and a linear pipeline of consumer groups (for
// the engine: [journal, matcher] in parallel, then [publisher]).
//
// # Design
//
// A Ring[T] owns a []T of Capacity slots (a power of two); sequence s lives in
// slot s&(Capacity-1). The library never sees the payload: it moves int64
// cursors only. The lifecycle is New, Start(groups...), then Reserve / fill
// Slot / Commit from a single writer, then Close:
//
//	r, err := ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: 4096})
//	err = r.Start([]ringbuffer.Consumer{journal, matcher}, []ringbuffer.Consumer{publisher})
//	hi, err := r.Reserve(1)
//	*r.Slot(hi) = cmd
//	err = r.Commit(hi, hi)
//	...
//	err = r.Close()
//
// A Consumer's Consume(lower, upper) is called with every committed range, in
// order, on a goroutine of its own; it reads the slots with Slot. Every consumer
// of group i+1 sees a slot only after every consumer of group i has returned
// from the Consume call that covered it, so a group may write fields of the slot
// for later groups to read (the matcher's results travel in the slot).
//
// From go-disruptor we use the cursors, the composite barrier, and the reader
// (DefaultReader and its Consume/Gate/Idle loop). We wire them ourselves rather
// than through Wireup.Build, and do not use its DefaultWriter:
//
//   - Wireup shares one WaitStrategy between all readers, and the reader never
//     resets its idle count after consuming, so a count-based backoff would stay
//     in its last phase for good after the first idle spell. Each of our readers
//     gets its own strategy, which restarts its phases when its cursor moves.
//   - Build hides the cursors; we keep them for Written and Consumed (occupancy
//     metrics: one atomic load each, or one per consumer of the last group).
//   - DefaultWriter.Reserve calls runtime.Gosched before it first re-reads the
//     consumers' position, i.e. every time its cached position is merely stale;
//     with a consumer close behind, that is every Reserve. Our writer (a dozen
//     lines) re-reads first and yields only after 64 failed polls.
//   - DefaultReader decides to exit by loading the written cursor and then its
//     closed flag; a Commit and a Close landing between the two loads make it exit
//     with committed slots unread, after which a later group waits forever (our
//     ordering test caught this). Close therefore waits until the slowest
//     consumer has reached the written cursor before it closes the readers.
//
// Close makes Reserve fail, waits until every consumer has consumed everything
// committed, stops the readers, waits for their goroutines, and returns the
// errors of the consumers' io.Closer Close methods (called once each, on the
// consumer's goroutine, after its last batch). Bad input (a capacity that is not
// a power of two, Reserve beyond capacity, Commit out of order) is an error,
// never a panic.
//
// # Wait strategies
//
// A reader with nothing to do calls its strategy in a loop (a "poll"):
//
//   - Spin: returns at once, i.e. polls the cursors flat out (one Gosched every
//     4096 polls guards against starving goroutines of an oversubscribed
//     machine). Lowest possible latency given a dedicated core per consumer;
//     otherwise it competes with the very goroutines it waits for.
//   - SpinYield: 256 polls, then runtime.Gosched between polls. It lets other
//     goroutines of the same P run, but never gives the core back to the OS.
//   - Block: 256 polls, then 64 polls with a Gosched each, then parks on
//     a per-reader channel with a 10 ms safety-net timeout. A parked reader first
//     raises a shared sleepers count, then re-checks its condition, then parks;
//     the writer's Commit (and, for a later group, each upstream consumer after a
//     batch) loads the count and only if it is non-zero sends every reader a
//     token. So the uncontended cost is one atomic load per Commit, and a wake-up
//     cannot be lost (sequentially consistent atomics: either the writer sees the
//     count or the reader's re-check sees the new cursor). The tests prove
//     delivery with an hour-long park timeout. Close wakes everyone. Publisher
//     sends the wake-up after releasing its lock.
//
// ParseWait reads "spin", "spin-yield" or "block" (Wait is also a
// TextMarshaler, for flag.TextVar). DefaultWait is Block: on the 2-core
// machines this runs on (tests, CI and other pipelines sharing the cores), an
// idle ring with three consumers keeps 0.03-0.05 CPUs busy under Block against
// 0.5-1.1 CPUs under Spin and SpinYield (BenchmarkIdleCPU; a spinner gets what
// the contended host gives it), and Block was also the fastest in every
// streaming run (BenchmarkHop, below), because a spinning consumer takes the CPU
// time and the cache lines that its producer needs. On a quiet machine with
// isolated cores, Spin (with pinning) is the one to measure.
//
// # Producers
//
// The ring has a single writer; QuickFIX/Go calls the gateway from one goroutine
// per session. Publisher serializes them: Claim takes a lock and reserves one
// slot, the caller fills the slot, including its own sequence number and
// timestamp, so that sequence order equals timestamp order, and Publish commits
// and unlocks. Claim and Publish do not allocate (asserted with
// testing.AllocsPerRun for every strategy and lock). Two locks are offered:
// LockSpin (test-and-test-and-set on one padded atomic word, runtime.Gosched
// after 16 failed attempts) and LockMutex (sync.Mutex). BenchmarkPublisher
// (ns per message, 1/2/4 producers, one consumer, beside a channel with as many
// senders) on the shared 2-core VM at load average 3-5, three separate runs:
//
//	producers          1      2      4
//	LockSpin   A      68    119     69   (median of 8 runs of 300 ms)
//	LockMutex  A      59    104     92
//	LockSpin   B      50     55    167   (-benchtime=1s)
//	LockMutex  B      55     87     90
//	LockSpin   C     146     90     65   (-benchtime=1s)
//	LockMutex  C      83    158    115
//	channel    B,C    70-117 49-74  49-58
//
// Neither lock wins consistently; the noise (single runs spread from 50 to 360
// ns) is larger than any difference, and with one producer, where the two locks
// cost the same (one atomic read-modify-write to lock, one store or add to
// unlock), the figures still differ by 2x between runs. DefaultLock is LockMutex
// because, with more producers than cores, its waiters park instead of spinning
// and yielding on cores that the holder and the consumers need, which is the
// same reasoning as for Block. LockSpin stays selectable; re-measure on a quiet
// machine before changing the default.
//
// # Pinning
//
// PinCurrentThread locks the calling goroutine to its OS thread and sets that
// thread's CPU affinity (Linux; elsewhere only cpu < 0 is accepted). The
// reader's goroutine is started by the ring, so Pinned(cpu, consumer) wraps a
// consumer to pin on its first Consume call (the first batch runs before the pin
// takes effect) and reports the outcome through Err and Pinned. Pinning only
// helps with a core to spare per pinned goroutine (isolcpus or a quiet machine);
// on the shared 2-core machines, a pinned spinning consumer takes a core away
// from everything else, including its own producer. A thread stays locked until
// its goroutine exits, and the runtime then discards it, so a narrowed affinity
// never leaks to other goroutines.
//
// # Measurements
//
// On the shared 2-core AMD EPYC VM, with other engineers' builds and tests
// running (load average 3-5), `go test -run '^$' -bench . -benchtime=1s
// ./ringbuffer`, ns per message, ~150-byte payload, capacity 1024, two runs:
//
//	                  channel   spin   spin-yield   block
//	BenchmarkHop          117    263           74      33
//	                       87    280          138      47
//	BenchmarkRoundTrip    598   6847         6316    5517
//	                      615   2529         2758    5400
//
// BenchmarkHop (one producer streaming to one consumer) has the ring 1.9-3.5x
// ahead of the channel under Block, short of the 5x goal; an earlier, quieter
// run gave 27-28 ns against 66-69 (2.5x), and an 8-byte payload was no faster,
// so the cost is the cross-core traffic per message (the producer's locked
// store of the written cursor while the consumer is reading it, and the slot's
// cache lines), not our code: a CPU profile shows the producer's Commit and the
// runtime's Gosched (scheduler lock) on top. BenchmarkRoundTrip (one message,
// then wait until it is consumed) is dominated by host scheduling on a loaded
// machine; a quieter run gave 222 ns for Block against 618 for the channel. All
// of these need re-measuring on a quiet machine.
package ringbuffer
