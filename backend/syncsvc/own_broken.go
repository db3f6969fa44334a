//go:build simbroken

package syncsvc

import "fmt"

// This file exists only in builds tagged simbroken, which the convergence
// simulator (sync/simtest) compiles to show that it catches a wrong rule
// for the rows a pull leaves out. A normal build has own_active.go.

var brokenOwnRows ownRows

func activeOwnRows() ownRows { return brokenOwnRows }

// Break makes every pull of this process use a deliberately wrong rule:
// "skipChangedOwn" leaves out a row when any one of its fields was last
// written by the pulling device, though another device changed another
// field since; "" restores the correct rule.
func Break(name string) error {
	switch name {
	case "":
		brokenOwnRows = ownRows{}
	case "skipChangedOwn":
		brokenOwnRows = ownRows{anyField: true}
	default:
		return fmt.Errorf("syncsvc: no broken variant %q", name)
	}
	return nil
}
