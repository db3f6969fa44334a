//go:build !simbroken

package merge

// active is the merge every caller gets: the correct one. Only a build
// with the simbroken tag (broken.go) can choose another.
func active() merger { return merger{} }
