//go:build linux

package mount

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// EnterPrivateNamespace moves the calling OS thread into a new mount
// namespace whose mounts are slaves of the host's: host mounts still
// appear, but nothing mounted here propagates back.
//
// It locks the goroutine to its thread for good, because only that thread
// changed namespace; the Go runtime retires the thread when the goroutine
// ends rather than reusing it. The intended use is in main, before any
// other work: EnterPrivateNamespace, then syscall.Exec of the daemon's own
// binary with a marker in its environment, so that the whole new process
// lives in the namespace. Under systemd, PrivateMounts=yes does this
// instead and the daemon need not call it. See the package documentation.
func EnterPrivateNamespace() error {
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("enter mount namespace: unshare: %w", err)
	}
	// rslave, not rprivate: a USB stick the host mounts later still shows
	// up (harmless), while our mounts never reach the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fmt.Errorf("enter mount namespace: make / rslave: %w", err)
	}
	return nil
}
