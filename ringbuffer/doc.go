// Package ringbuffer is our small API over go-disruptor: a preallocated ring of
// pointer-free slots, one writer, and one or more consumers that each read every
// slot, in parallel.
//
// # Topology
//
// The pipeline (package pipeline) runs two rings:
//
//	Submit (many FIX sessions) --Publisher--> inbound Ring[engine.Command]
//	    consumed in parallel by: journaler (append, group commit)
//	                             matcher   (engine.Apply; optionally Pinned)
//	matcher (the single writer) --Reserve/Commit--> outbound Ring[engine.Event]
//	    consumed by: releaser (waits for the journal, then gateway.Deliver)
//
// The journaler and the matcher only read the inbound slots: the matcher's
// results travel on the outbound ring, not in the slot. The slowest consumer
// of a ring gates its writer. bench/ringbench (`go run ./cmd/bench ring`)
// drives one ring with one producer and one consumer.
//
// # Design
//
// A Ring[T] owns a []T of Capacity slots (a power of two); sequence s lives in
// slot s&(Capacity-1). The library never sees the payload: it moves int64
// cursors only. The lifecycle is New, Start(consumers), then Reserve / fill
// Slot / Commit from a single writer (or Claim / fill / Publish through a
// Publisher, for many), then Close:
//
//	r, err := ringbuffer.New[engine.Command](ringbuffer.Options{Capacity: 4096})
//	err = r.Start([]ringbuffer.Consumer{journaler, matcher})
//	hi, err := r.Reserve(1)
//	*r.Slot(hi) = cmd
//	err = r.Commit(hi, hi)
//	...
//	err = r.Close()
//
// A Consumer's Consume(lower, upper) is called with every committed range, in
// order, on a goroutine of its own; it reads the slots with Slot. Reserve(n)
// claims several slots at once and Commit may publish them in pieces (the
// matcher reserves all the events of one command together).
//
// go-disruptor can also chain groups of consumers, a group reading a slot only
// after the previous one finished it (so that a consumer can write results into
// the slot for the next). We had that and removed it: nothing used it once the
// matcher's events moved to their own ring, and it cost a wake-up path of its
// own under Block. Start takes one group.
//
// From go-disruptor we use the cursors and the reader (DefaultReader and its
// Consume/Gate/Idle loop). We wire them ourselves rather than through
// Wireup.Build, and do not use its DefaultWriter:
//
//   - Wireup shares one WaitStrategy between all readers, and the reader never
//     resets its idle count after consuming, so a count-based backoff would stay
//     in its last phase for good after the first idle spell. Each of our readers
//     gets its own strategy, which restarts its phases when its cursor moves.
//   - Build hides the cursors; we keep them for Written and Consumed (occupancy
//     metrics: one atomic load each, or one per consumer).
//   - DefaultWriter.Reserve calls runtime.Gosched before it first re-reads the
//     consumers' position, i.e. every time its cached position is merely stale;
//     with a consumer close behind, that is every Reserve. Our writer (a dozen
//     lines) re-reads first and yields only after 64 failed polls.
//   - DefaultReader decides to exit by loading the written cursor and then its
//     closed flag; a Commit and a Close landing between the two loads make it exit
//     with committed slots unread (our ordering test caught this). Close
//     therefore waits until the slowest consumer has reached the written cursor
//     before it closes the readers.
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
//   - Block: 256 polls, then 64 polls with a Gosched each, then parks on a
//     per-reader channel with a 10 ms safety-net timeout. A parked reader first
//     raises a shared sleepers count, then re-checks the written cursor, then
//     parks; the writer's Commit (Publisher.Publish: after releasing its lock)
//     loads the count and only if it is non-zero sends every reader a token. So
//     the uncontended cost is one atomic load per Commit, and a wake-up cannot be
//     lost (sequentially consistent atomics: either the writer sees the count or
//     the reader's re-check sees the new cursor). The tests prove delivery with
//     an hour-long park timeout. Close wakes everyone.
//
// ParseWait reads "spin", "spin-yield" or "block" (Wait is also a
// TextMarshaler, for flag.TextVar). DefaultWait is Block: on the shared 2-core
// machines this runs on, the three consumers of an idle pipeline cost next to no
// CPU under Block and nearly the whole machine under Spin or SpinYield
// (BenchmarkIdleCPU), and Block was not slower in the streaming benchmarks,
// because a spinning consumer takes the CPU time and the cache lines that its
// producer needs. On a quiet machine with isolated cores, Spin (with pinning)
// is the one to measure. Figures, each with the command that produced it, are
// in the README's Performance section (the "Rings, journal, pipeline, replay"
// table): BenchmarkHop, BenchmarkRoundTrip, BenchmarkIdleCPU and
// BenchmarkPublisher in this package, and `go run ./cmd/bench ring`.
//
// # Producers
//
// A ring has a single writer; QuickFIX/Go calls the gateway from one goroutine
// per session. Publisher serializes them with a sync.Mutex: Claim locks and
// reserves one slot, the caller fills the slot, including its own sequence
// number and timestamp, so that sequence order equals timestamp order, and
// Publish commits and unlocks. Claim and Publish do not allocate (asserted with
// testing.AllocsPerRun for every wait strategy). A test-and-test-and-set spin
// lock was offered beside the mutex and removed: it measured within the noise
// of the mutex (BenchmarkPublisher), nothing selected it, and with more
// producers than cores the mutex parks its waiters instead of spinning on cores
// that the holder and the consumers need (the same reasoning as for Block).
//
// # Pinning
//
// PinCurrentThread locks the calling goroutine to its OS thread and sets that
// thread's CPU affinity (Linux; elsewhere only cpu < 0 is accepted). The
// reader's goroutine is started by the ring, so Pinned(cpu, consumer) wraps a
// consumer to pin on its first Consume call (the first batch runs before the pin
// takes effect) and reports the outcome through Err and Pinned; the pipeline
// pins the matcher this way when asked (MatcherCPU). Pinning only helps with a
// core to spare per pinned goroutine (isolcpus or a quiet machine); on the
// shared 2-core machines, a pinned spinning consumer takes a core away from
// everything else, including its own producer. A thread stays locked until its
// goroutine exits, and the runtime then discards it, so a narrowed affinity
// never leaks to other goroutines.
package ringbuffer
