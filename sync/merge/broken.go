//go:build simbroken

package merge

import "fmt"

// This file exists only in builds tagged simbroken, which the convergence
// simulator (sync/simtest) compiles to show that it catches a broken
// merge. A normal build has active.go instead and cannot be broken.

var broken merger

func active() merger { return broken }

// Break makes every Merge of this process use a deliberately broken
// variant: "lastPushWins", "noTieBreak" or "arrivalConflicts"; "" restores
// the correct merge.
func Break(name string) error {
	switch name {
	case "":
		broken = merger{}
	case "lastPushWins":
		broken = merger{lastPushWins: true}
	case "noTieBreak":
		broken = merger{noTieBreak: true}
	case "arrivalConflicts":
		broken = merger{arrivalConflicts: true}
	default:
		return fmt.Errorf("merge: no broken variant %q", name)
	}
	return nil
}
