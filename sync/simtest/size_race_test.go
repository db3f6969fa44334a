//go:build race

package simtest

// defaultSchedules under the race detector, which makes each schedule
// several times slower.
const defaultSchedules = 200
