//go:build unix

package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// spoolPrefix names the private spool folder of each scan.
const spoolPrefix = "sluice-spool-"

// openSpoolDir makes a scan's private spool folder in parent and locks it
// for the life of the scan, so that CleanSpool can tell a live scan's
// folder from one a killed process left behind.
func openSpoolDir(parent string) (dir string, release func(), err error) {
	dir, err = os.MkdirTemp(parent, spoolPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("spool directory: %w", err)
	}
	f, err := os.Open(dir)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("spool directory: lock: %w", err)
	}
	return dir, func() {
		os.RemoveAll(dir)
		f.Close()
	}, nil
}

// CleanSpool removes the spool folders in parent that no running scan
// holds: what a killed scan left behind, copies of untrusted files
// included. A folder another process is scanning with is left alone, so
// it is safe with a shared spool directory. It returns what it removed.
func CleanSpool(parent string) ([]string, error) {
	dirs, err := filepath.Glob(filepath.Join(parent, spoolPrefix+"*"))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range dirs {
		fi, err := os.Lstat(d)
		if err != nil || !fi.IsDir() {
			continue
		}
		f, err := os.Open(d)
		if err != nil {
			return removed, fmt.Errorf("clean spool: %w", err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // a live scan holds it
			continue
		}
		err = os.RemoveAll(d)
		f.Close()
		if err != nil {
			return removed, fmt.Errorf("clean spool: %w", err)
		}
		removed = append(removed, d)
	}
	return removed, nil
}
