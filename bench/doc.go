// Package bench is the latency lab's harness: it measures latency
// distributions honestly, records them in HdrHistograms, and reports,
// compares and plots them. It does not print; commands (cmd/bench) decide
// where output goes.
//
// # Recording
//
// Every latency is recorded in nanoseconds into an HdrHistogram with range
// 1 ns .. 1 min and 3 significant digits (NewHistogram): any reported value is
// within 0.1% of a value that was recorded. A Run carries the histogram with
// its name, settings, the machine (CPU model, cores, GOMAXPROCS, Go version,
// GOOS/GOARCH), the op count, the measured duration and the throughput
// (count / duration).
//
// # Outputs
//
// The table (WriteTable) has one row per run:
//
//   - count: latencies in the histogram (completed ops).
//   - throughput: count per second of the run's duration.
//   - p50 .. p99.99: the latency that that fraction of ops did not exceed
//     (HdrHistogram's ValueAtQuantile: the highest value equivalent to the
//     smallest recorded value with at least that fraction at or below it).
//   - max: the largest latency recorded (to 3 digits).
//
// Lines starting with '#' follow: the machine, settings, the open-loop
// counters (below), and warnings: lost ops, or too few samples above p99.99
// (with n samples, only n*(1-p) lie above percentile p, so p99.99 of 20000 ops
// is decided by 2 of them).
//
// JSON (WriteJSON, ReadJSON) holds a list of runs. Each carries its
// percentiles for people and jq, and the full histogram in HdrHistogram's V2
// compressed base64 encoding, from which compare and plot recompute
// everything. Runs with the same name in one file are repeats of the same
// benchmark.
//
// The -hdr file (WriteHdrLog) is an HdrHistogram interval log (.hlog, format
// 1.3), one tagged interval per run: the lossless format read by the
// HdrHistogram tools (HistogramLogProcessor, HistogramLogAnalyzer, the Go and
// C log readers). A name ending in .hgrm gets instead the percentile
// distribution text of one run, in µs, for the online HdrHistogram plotter.
//
// # Coordinated omission
//
// A closed-loop client (send, wait for the answer, send the next) stops
// sending while the system stalls, so the few requests it sends during a
// stall record the stall once and the requests it should have sent are never
// measured: the histogram omits precisely the bad part. Load runs an open
// loop instead: op i is due at start + i/rate, fixed in advance. The sender
// waits for each due time (on Linux sleeping with nanosleep on a thread whose
// timer slack is 1 ns, ~30-50 µs late on our VMs, optionally yielding in a loop
// for the last LoadConfig.SpinWindow; elsewhere time.Sleep, which overshoots by
// about a millisecond, only while more than 2 ms remain, then yielding),
// calls send(i), and goes on; completions arrive asynchronously
// through Done(i) or DoneAt(i, t), which store the completion time in a
// preallocated per-op slot without allocating or locking. Latency is
// completion time minus due time. If the sender itself falls behind (send
// blocked, the machine was busy), later ops go out late but are still
// measured from their due times, so the delay is charged to every op it
// affected. The uncorrected service times (completion - actual send) are
// kept beside the corrected ones in LoadResult.Service to show the
// difference, and the sender's own lateness (actual - due send time) in
// LoadResult.SendLag: when it is a large part of the latency, the load
// generator, not the system under test, is the bottleneck.
//
// The open-loop counters: scheduled ops; sent (handed to send); completed;
// lost (sent but not completed within the grace period after the last send;
// they are not in the histogram, so a run with lost ops is optimistic);
// late (sent more than LateAfter, by default one interval, after their due
// time: the offered rate fell short there); the worst send lag; spurious
// completions (duplicate, unknown, unsent, or after the end: ignored); and
// clamped latencies (outside the histogram's range, recorded at its bound).
//
// LoadConfig.InFlight closes the loop on purpose, for comparison with
// published "N orders in flight" figures: op i waits for op i-N's completion
// and is measured from it (or from its schedule, if later), so the sender's
// own delay still counts, but a stall is charged once per op in flight, not
// to the ops an open loop would have sent meanwhile. Rate then caps the pace
// and Duration ends the sending; an op unanswered within Grace ends it too
// (LoadStats.Stalled).
//
// # Comparing and noise
//
// Compare matches runs by name and, for each of p50 .. max, reports A, B, the
// difference and its percentage, and a verdict (lower is better). A
// difference is called noise when:
//
//  1. the two values are equal to HdrHistogram's precision (differ by at
//     most 10^-3 of the larger), whatever else holds; else,
//  2. if both files hold at least two repeats of the run, the values
//     compared are the medians of the repeats, and the difference is noise
//     when the ranges [min, max] of the two sides' repeats overlap: the
//     change is then no larger than what re-running the same code
//     produced. Disjoint ranges give "better" or "worse". Else (no repeats),
//  3. if fewer than 10 samples lie above the percentile in the smaller run,
//     the verdict is "?": one run's extreme tail cannot be judged (max is
//     always one sample);
//  4. otherwise the difference is noise when below a threshold, 5% by
//     default (CompareOptions.Threshold, flag -threshold): an assumption,
//     said so in the output, since a single run cannot measure its noise.
//
// Repeats are the honest way: run each side three or more times into one
// file.
//
// # Plots
//
// WriteSVG and WriteHTML draw the classic HdrHistogram percentile spectrum:
// x is 1/(1-p) on a log scale, labelled 0%, 90%, 99%, 99.9%, ..., up to the
// decade the largest run's count reaches (at most 99.9999%); y is latency,
// linear or log; one line per run ending at its max, and a legend naming
// each run with its p99 and max. The SVG is generated here, with no script;
// the HTML page embeds it above the percentile table.
//
// # Progress
//
// While a Load runs, a Progress, if enabled, rewrites one terminal line at
// most four times a second: ops sent, the send rate since the last line, ops
// completed, and the p99 over ops due in the last second, where an
// outstanding op counts with its age so far (so a stall shows while it
// lasts). TerminalProgress enables it only when the output is a terminal.
package bench
