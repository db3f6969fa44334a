//go:build simbroken

package simtest

import "sentry/sync/merge"

// breakBuild switches this process's merge to a broken variant.
func breakBuild(name string) error {
	switch name {
	case "cursorFirst", "ackEarly", "keepTeam":
		return nil // the harness's own
	}
	return merge.Break(name)
}
