// Package simtest is the convergence simulator of sync (SYNC.md §9): a
// deterministic, seeded schedule of devices — each a real SQLite store in
// its own folder, with its own skewed fake clock — writing tasks through
// the task service and syncing through the real sync engine, against the
// real /api/sync handler on a real store, over an in-process transport
// that drops, duplicates and refuses requests, partitions devices and
// restarts the server. After the schedule every device syncs until
// nothing moves, and the oracles check that all replicas equal the
// server, that no acknowledged write was lost or silently refused, that
// nothing leaked out of a team, and that replaying a push changes
// nothing.
//
// The package is test code only; this file holds its documentation.
package simtest
