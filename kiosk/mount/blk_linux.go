//go:build linux

package mount

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// SetReadOnly sets the kernel's read-only flag on the block device dev
// (BLKROSET) and checks it took (BLKROGET). Call it on the whole disk and
// on each partition before anything reads them: with the flag set the
// block layer refuses writes from any filesystem driver.
func SetReadOnly(dev string) error { return setReadOnly(dev, true) }

// ClearLoopReadOnly clears the flag on a loop device once a session is
// over. The flag outlives the loop device's detach (it belongs to the
// block device, not to the attached file), so without this the next user
// of /dev/loop0 could not write to it. A real stick's block device goes
// away when it is pulled, so only loop devices need this; it refuses
// anything else.
func ClearLoopReadOnly(dev string) error {
	if !strings.HasPrefix(filepath.Base(dev), "loop") {
		return fmt.Errorf("clear read-only %s: not a loop device", dev)
	}
	return setReadOnly(dev, false)
}

// setReadOnly sets or clears the flag.
func setReadOnly(dev string, on bool) error {
	// Opening a block device reads nothing; O_RDONLY because a writable
	// open is exactly what the flag is about to forbid.
	f, err := os.OpenFile(dev, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("set read-only %s: %w", dev, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("set read-only %s: %w", dev, err)
	}
	if fi.Mode()&os.ModeDevice == 0 || fi.Mode()&os.ModeCharDevice != 0 {
		return fmt.Errorf("set read-only %s: not a block device", dev)
	}
	fd := int(f.Fd())
	want := 0
	if on {
		want = 1
	}
	if err := unix.IoctlSetPointerInt(fd, unix.BLKROSET, want); err != nil {
		return fmt.Errorf("set read-only %s: BLKROSET: %w", dev, err)
	}
	ro, err := unix.IoctlGetInt(fd, unix.BLKROGET)
	if err != nil {
		return fmt.Errorf("set read-only %s: BLKROGET: %w", dev, err)
	}
	if ro != want {
		return fmt.Errorf("set read-only %s: BLKROGET reports %d after BLKROSET %d", dev, ro, want)
	}
	return nil
}

// IsReadOnly reports the kernel's read-only flag of the block device dev.
func IsReadOnly(dev string) (bool, error) {
	f, err := os.OpenFile(dev, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("read-only flag %s: %w", dev, err)
	}
	defer f.Close()
	ro, err := unix.IoctlGetInt(int(f.Fd()), unix.BLKROGET)
	if err != nil {
		return false, fmt.Errorf("read-only flag %s: BLKROGET: %w", dev, err)
	}
	return ro == 1, nil
}
