//go:build !unix

package syncsvc_test

import "time"

// cpuTime is unknown here; the figures then show wall time only.
func cpuTime() time.Duration { return 0 }
