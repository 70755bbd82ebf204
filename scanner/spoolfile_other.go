//go:build !linux

package scanner

import "os"

// newSpoolFile makes a named temporary file in dir, unlinked when
// discarded. Only Linux has unnamed spool files.
func newSpoolFile(dir string) (*os.File, error) { return newNamedSpoolFile(dir) }
