//go:build !linux

package transfer

import (
	"os"
)

// Publishing is meant for the Linux station; elsewhere (the guard on other
// systems) these portable stand-ins keep Verify and the rest working.
const (
	noFollow = 0
	nonBlock = 0
)

func lockDir(string) (func(), error) { return func() {}, nil }

func tryLockDir(string) (func(), error) { return func() {}, nil }

// syncDir is best effort: not every system can sync a directory.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	f.Sync()
	return nil
}

func renameNoReplace(oldpath, newpath string) error {
	if _, err := os.Lstat(newpath); err == nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: os.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}

func openDir(dir string) (*os.File, error) { return os.Open(dir) }

// clearXattrs does nothing here: the station that publishes runs Linux,
// where it removes the extended attributes a new file inherits.
func clearXattrs(*os.File) error { return nil }
