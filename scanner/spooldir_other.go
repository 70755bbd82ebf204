//go:build !unix

package scanner

import (
	"fmt"
	"os"
)

const spoolPrefix = "sluice-spool-"

// openSpoolDir makes a scan's private spool folder. Without flock, a
// live scan's folder cannot be told from a stale one.
func openSpoolDir(parent string) (string, func(), error) {
	dir, err := os.MkdirTemp(parent, spoolPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("spool directory: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// CleanSpool removes nothing where folders cannot be locked.
func CleanSpool(parent string) ([]string, error) { return nil, nil }
