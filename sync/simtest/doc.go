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
// # The kill mode
//
// TestKillConvergence runs the same world as processes, so a kill is a
// real SIGKILL: the test binary runs itself again ($SIMTEST_CHILD, see
// TestMain) as the team server — the real handler on its SQLite file, or
// on PostgreSQL with SIMTEST_STORE=postgres under scripts/with-postgres,
// on a port of 127.0.0.1 — and as 2–4 devices, each on its own SQLite
// file with its refresh token in a file beside it and its clock a few
// minutes off real time. The parent reaches the server through a proxy
// of its own (the address the devices know stays while the server
// process changes; a server that is down answers 503), which notes the
// pushes the server answered and the changes it refused.
//
// From the seed, the parent sends 20–40 operations to the devices, one at
// a time over their standard input (create a task, a team task, edit,
// delete, restore, sync), and plans kills: a device killed after a
// delay into an operation (0.5–10 ms for a write, 1–40 ms for a sync),
// or the moment it says a request leaves or its answer arrives (push>,
// push<, pull>, pull<) or that a write is committed; the server killed
// after a delay or when a device's push or pull leaves, and kept down
// for 0–2 operations. In about one sync in eight the team's owner removes
// the second person from the team through the API, or adds them back,
// while that device syncs: as it begins, with its push or pull in flight,
// or once its pull's answer is in (drawn from a stream of its own, so a
// seed's operations and kills are those it had before). A killed device
// is started again before its next operation. A device says "ack" for a
// write only after its commit, in one write to its standard output for
// all the writes of an operation; what it said before it died counts.
// Then every process is up, the devices sync round by round until
// nothing moves (five rounds at most), the processes stop, and
// TestConvergence's oracles run on what they left: each replica equals
// the server, no acknowledged write lost (a write the parent never heard
// of, because its device died between commit and acknowledgement, is
// accounted for by the base its push names and by the device's own later
// clocks of that field), no silent rejection, the server equals the
// merge of its committed patches, replays change nothing, and no device
// of someone outside the team at the end holds any of its rows.
//
// The operations and the kill plan follow the seed; where a kill falls
// is real time, so the trace a failure prints says, for each kill, what
// the process had said last and how long into the operation it came:
// go test ./sync/simtest -run TestKillConvergence -kill-seed=0x… runs
// the same plan again. The default run does 12 schedules (1, of at most
// 8 operations, under -race); -kill-schedules or SIMTEST_KILL_SCHEDULES
// run more. TestKillCatchesBugs builds the package with -tags simbroken
// and sees the mode fail on a device that acknowledges a new task before
// its commit (ackEarly), on a server whose merge lets the last push win
// (lastPushWins), and on a device that keeps a team's rows after its
// person was removed (keepTeam: caught as a scope leak, which the
// schedules without membership changes never showed).
//
// A device killed between the server's rotation of its refresh token and
// its keeping the new one must stay signed in: the server takes the old
// token back for a minute after the rotation, as long as the new one was
// never used. Before that grace this mode found such sign-outs in 9 of
// 100 schedules; a sign-out now fails the run. SIMTEST_KILL_SIGNIN=tolerate
// has the device sign in again with its password instead, as a person
// would with sentry sync connect, and the run counts it.
//
// The package is test code only; this file holds its documentation.
package simtest
