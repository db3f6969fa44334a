//go:build !simbroken

package syncsvc

// activeOwnRows is the rule every server uses: the correct one. Only a
// build with the simbroken tag (own_broken.go) can choose another.
func activeOwnRows() ownRows { return ownRows{} }
