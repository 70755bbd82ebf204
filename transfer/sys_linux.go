package transfer

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	noFollow = syscall.O_NOFOLLOW
	nonBlock = syscall.O_NONBLOCK
)

// lockDir takes an exclusive flock on a directory; CleanStale skips the
// directories it cannot lock, since a live Staging holds them.
func lockDir(dir string) (func(), error) { return flockDir(dir) }

func tryLockDir(dir string) (func(), error) { return flockDir(dir) }

func flockDir(dir string) (func(), error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|noFollow, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, &os.PathError{Op: "flock", Path: dir, Err: err}
	}
	return func() { f.Close() }, nil
}

func syncDir(dir string) error {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|noFollow, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// renameNoReplace renames a directory, failing if newpath exists, even as
// an empty directory that a plain rename would replace.
func renameNoReplace(oldpath, newpath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		// The filesystem (some FUSE ones, older NFS) lacks the flag. A
		// plain rename can still replace an empty directory made at
		// newpath between the check and the rename, and fails on a
		// non-empty one (ENOTEMPTY). Transfer ids are random, so only a
		// writer racing for the same unguessable name loses, and it loses
		// nothing but an empty directory: no transfer is ever replaced.
		if _, serr := os.Lstat(newpath); serr == nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: os.ErrExist}
		}
		return os.Rename(oldpath, newpath)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}
