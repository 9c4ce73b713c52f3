// Package marketdata derives FIX market data (MarketDataSnapshotFullRefresh W
// and MarketDataIncrementalRefresh X) from the engine's events, and fans it out
// to subscribed sessions.
//
// Market data is built only from engine.Events, never by reading the engine's
// book from another goroutine, so it is deterministic and a replay of the
// journal reproduces it. The Feed is a pipeline.Reporter of its own: the
// pipeline runs it as an extra consumer of the outbound (event) ring, in
// parallel with the releaser, and hands it each event once its command is
// durable.
//
//	events --Deliver--> Book (market by price, every symbol; orders tracked by OrderID)
//	                     | at each command's Last event: Flush -> full-depth X per symbol touched
//	                     v
//	                    top-N views (one per symbol and distinct depth subscribed): diff -> X
//	                     |  filtered per entry-type set, shared by every subscriber of the same view
//	                     v
//	                    per-client bounded queue --> sender goroutine --> Client.Send
//	                                                                 (or BatchClient.SendBatch)
//
// # Decisions
//
//   - One Refresh per symbol and command: a request for several symbols gets
//     one W per symbol, and an X per command and symbol that changed its view.
//   - One X may cover several commands (and symbols): under backlog the feed
//     packs consecutive updates of one subscription into one message. When a
//     client's sender wakes and finds several X of the same ReqID next in its
//     queue, it hands up to MaxBatchRefreshes of them (MaxBatchEntries entries)
//     to BatchClient.SendBatch at once, in queue order; the gateway sends them
//     as ONE MarketDataIncrementalRefresh whose entries are those of every
//     refresh in order, each with its Symbol. Entries are never reordered,
//     merged or dropped, so applying them in order yields the book after the
//     last command covered, exactly as the separate X would. A W always goes
//     alone, refreshes of different ReqIDs are never mixed, and a client with
//     no backlog gets one X per command and symbol as before. Stats.Refreshes
//     counts refreshes, Stats.Messages the messages (batches count once). A
//     Client that is not a BatchClient gets every refresh by Send.
//   - An X carries the command's trades first, in match order (one entry per
//     match, at the resting order's price, for the matched quantity; Orders 0),
//     then the level changes, bids then offers, each best first. A level's New
//     and Change carry its total size and order count after the command
//     (market by price); Delete carries no size. A level that appears and
//     disappears within one command, or ends with the size and count it started
//     with, yields nothing; a command that changes nothing visible yields no X.
//   - A top-N subscription sees the diff of the top N levels a side: a level
//     pushed out of the top N is deleted from it, one that moves in is new.
//   - A W never holds trades; a trades-only subscription's W has no entries (it
//     still says which Seq the stream continues from). Recent trades are only
//     in View (operators).
//   - A W is taken at a command boundary: Deliver holds the feed's mutex from a
//     command's first event to its Last one. Seq 0 means nothing has been
//     applied yet.
//   - A client is never waited for: its refreshes queue up to Options.QueueLimit;
//     an X that would exceed it drops the queue and queues a fresh W per
//     subscription and symbol instead (a resync, counted in Stats.Resyncs and
//     logged at warn once per episode, an episode ending when the queue runs
//     empty). A W (a subscription's first, a resync's) is queued regardless of
//     the limit, so the limit should exceed a client's subscribed symbols.
//     Answers to snapshot-only requests survive a resync.
//   - Unsubscribe drops the subscription's queued refreshes; Disconnect drops
//     the client's queue and stops its sender.
//   - After a restart the book is Loaded from the recovered engine's resting
//     orders; the recent trades before the restart are not known.
package marketdata
