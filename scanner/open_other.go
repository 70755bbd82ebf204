//go:build !linux

package scanner

import "os"

// openSource opens a file on the scanned tree. Only Linux gets the
// no-follow, non-blocking open; elsewhere the walk's Lstat is all we have.
func openSource(name string) (*os.File, error) {
	return os.Open(name)
}
