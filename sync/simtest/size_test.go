//go:build !race

package simtest

// defaultSchedules is what make test runs.
const defaultSchedules = 1000

const raceEnabled = false

// defaultKillSchedules is what the default run of the kill mode runs.
const defaultKillSchedules = 12
