package scanner

import (
	"os"
	"syscall"
)

// openSource opens a file on the scanned tree without following a symlink
// in its last component and without blocking on a FIFO that replaced a
// regular file since the walk.
func openSource(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
