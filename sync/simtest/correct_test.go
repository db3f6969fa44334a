//go:build !simbroken

package simtest

import "fmt"

// breakBuild refuses the merge's broken variants: they exist only in a
// build with the simbroken tag.
func breakBuild(name string) error {
	switch name {
	case "", "cursorFirst", "keepTeam":
		return nil
	}
	return fmt.Errorf("SIMTEST_BROKEN=%s needs a build with -tags simbroken", name)
}
