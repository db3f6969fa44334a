package syncsvc

import "strings"

// A device's pull leaves out the rows only it wrote. Right after a push
// the log holds the device's own rows, and sending them back costs the
// server, the wire and the device (which reads each, merges it over its
// own and finds nothing new) up to a third of a sync's processor time.
//
// A row may be left out when every field clock it has is this device's
// ("…@<device id>"): the device wrote each of those values with that
// clock, committed it before it pushed, and its own clocks for a field
// only ever move forward (its edits and merges never lower one, and a row
// rebuilt after a refusal is rebuilt from the server's row), so it holds
// that clock or a later one and the entry would merge as a no-op. One
// field another device wrote — even a field this device never touched —
// and the whole row goes, as before.
//
// It is never done while a scope is downloaded whole (a new scope, a new
// database or epoch, a device behind the horizon): at the end of such a
// download the device drops the rows the download did not bring.

// ownRows decides which rows a pull may leave out; a build with the
// simbroken tag can swap in a wrong rule (own_broken.go) to show that the
// convergence simulator catches it.
type ownRows struct {
	// anyField leaves a row out when any one of its clocks is the
	// device's (wrong: a field another device wrote since is lost).
	anyField bool
}

// onlyWrittenBy reports whether every clock of a row was written by the
// device.
func (o ownRows) onlyWrittenBy(deviceID string, clocks map[string]string) bool {
	if deviceID == "" || len(clocks) == 0 {
		return false
	}
	suffix := "@" + deviceID
	for _, c := range clocks {
		mine := strings.HasSuffix(c, suffix)
		if o.anyField && mine {
			return true
		}
		if !mine && !o.anyField {
			return false
		}
	}
	return !o.anyField
}
