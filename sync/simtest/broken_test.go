//go:build simbroken

package simtest

import (
	"sentry/backend/syncsvc"
	"sentry/sync/merge"
)

// breakBuild switches this process's merge, or the server's rule for the
// rows a pull leaves out, to a broken variant.
func breakBuild(name string) error {
	switch name {
	case "cursorFirst", "ackEarly", "keepTeam":
		return nil // the harness's own
	case "skipChangedOwn":
		return syncsvc.Break(name)
	}
	return merge.Break(name)
}
