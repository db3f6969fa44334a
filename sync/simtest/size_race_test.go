//go:build race

package simtest

// defaultSchedules under the race detector, which makes each schedule
// several times slower; make test runs the full count without it.
const defaultSchedules = 15

const raceEnabled = true

// defaultKillSchedules under the race detector: one, to show the mode
// runs there; the default run without it does the rest.
const defaultKillSchedules = 1
