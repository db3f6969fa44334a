//go:build !race

package simtest

// defaultSchedules is what make test runs.
const defaultSchedules = 1000

const raceEnabled = false
