package scanner

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// newSpoolFile makes an unnamed file in dir (O_TMPFILE): it has no
// directory entry, so nothing can open it by name, and the kernel frees it
// when it is closed, even if the station crashes. Filesystems without
// O_TMPFILE get a named temporary file, unlinked when discarded.
func newSpoolFile(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	switch {
	case err == nil:
		return os.NewFile(uintptr(fd), filepath.Join(dir, unnamed)), nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL):
		return newNamedSpoolFile(dir)
	}
	return nil, &spoolError{&os.PathError{Op: "open", Path: dir, Err: err}}
}
