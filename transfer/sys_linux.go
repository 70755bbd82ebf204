package transfer

import (
	"errors"
	"os"
	"strings"
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
	f, err := openDir(dir)
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
	f, err := openDir(dir)
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

// openDir opens a directory without following a link, for flock, fsync,
// xattrs and fchmod.
func openDir(dir string) (*os.File, error) {
	return os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|noFollow, 0)
}

// clearXattrs removes every extended attribute of f that it can. Files
// are created fresh, but they still inherit attributes from where they
// are made: a default POSIX ACL on the destination becomes
// system.posix_acl_access (and, on directories, system.posix_acl_default),
// granting more than the format's 0644/0755, and a user.* attribute can
// reach a Samba client as an NTFS alternate data stream.
//
// ENOTSUP (no xattrs on this filesystem, or not that one removable) is
// not an error. A security.* attribute that cannot be removed is kept: it
// is the host's mandatory access control label (SELinux refuses to drop
// it, even for root), not something a client of the share sees. Any other
// attribute that stays is an error, since the transfer would not be what
// docs/TRANSFER-FORMAT.md promises.
func clearXattrs(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	err = rc.Control(func(fd uintptr) { opErr = clearFdXattrs(int(fd), f.Name()) })
	if err != nil {
		return err
	}
	return opErr
}

func clearFdXattrs(fd int, path string) error {
	names, err := listXattrs(fd)
	if errors.Is(err, unix.ENOTSUP) {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "listxattr", Path: path, Err: err}
	}
	for _, name := range names {
		err := ignoringEINTR(func() error { return unix.Fremovexattr(fd, name) })
		switch {
		case err == nil, errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
		case strings.HasPrefix(name, "security.") && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)):
		default:
			return &os.PathError{Op: "removexattr " + name, Path: path, Err: err}
		}
	}
	return nil
}

// listXattrs returns the names of fd's extended attributes.
func listXattrs(fd int) ([]string, error) {
	for {
		var size int
		err := ignoringEINTR(func() (err error) { size, err = unix.Flistxattr(fd, nil); return err })
		if err != nil || size == 0 {
			return nil, err
		}
		buf := make([]byte, size)
		err = ignoringEINTR(func() (err error) { size, err = unix.Flistxattr(fd, buf); return err })
		if errors.Is(err, unix.ERANGE) {
			continue // an attribute was added since the first call
		}
		if err != nil {
			return nil, err
		}
		return splitNames(buf[:size]), nil
	}
}

// splitNames splits listxattr's NUL-terminated names.
func splitNames(buf []byte) []string {
	var names []string
	for _, n := range strings.Split(string(buf), "\x00") {
		if n != "" {
			names = append(names, n)
		}
	}
	return names
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
