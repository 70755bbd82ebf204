package scanner

import (
	"os"

	"golang.org/x/sys/unix"
)

// newMemFile makes an anonymous file in memory (memfd) that allows
// sealing. It has no name anywhere and is freed when closed.
func newMemFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("sluice-spool", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, &spoolError{os.NewSyscallError("memfd_create", err)}
	}
	return os.NewFile(uintptr(fd), unnamed), nil
}

// seal forbids any further change to a memory file's content or size,
// through any descriptor or mapping of it.
func seal(f *os.File) error {
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return os.NewSyscallError("seal", err)
	}
	return nil
}
