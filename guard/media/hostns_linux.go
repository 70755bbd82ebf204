//go:build linux

package media

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/kiosk/mount"
)

// exposeAttrs are the attributes of an exposure carried into the host
// namespace, whatever the verified mount had.
const exposeAttrs = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC

// inNamespace runs f in the mount namespace ns, or right here when ns is
// nil. With ns, f runs on an OS thread of its own that has joined ns;
// that thread is never unlocked, so the Go runtime ends it with the
// goroutine and nothing else ever runs in ns.
func inNamespace(ns *os.File, f func() error) error {
	if ns == nil {
		return f()
	}
	errc := make(chan error, 1)
	onMain := make(chan struct{}, 1)
	run := func() {
		runtime.LockOSThread()
		// Never the main thread: Go parks it rather than end it when a
		// goroutine exits locked to it, and /proc/self is the main
		// thread's view, which kiosk/mount reads for this process's
		// mounts. Nothing has changed yet, so it can be handed back.
		if unix.Gettid() == unix.Getpid() {
			runtime.UnlockOSThread()
			onMain <- struct{}{}
			return
		}
		// setns(CLONE_NEWNS) refuses a thread that shares its root and
		// working directory (fs_struct) with others, as Go's threads do.
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("host namespace: unshare CLONE_FS: %w", err)
			return
		}
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNS); err != nil {
			errc <- fmt.Errorf("host namespace: setns: %w", err)
			return
		}
		errc <- f()
	}
	for {
		go run()
		select {
		case err := <-errc:
			runtime.KeepAlive(ns)
			return err
		case <-onMain:
			runtime.Gosched()
		}
	}
}

// exposeInto carries a clone of the verified mount src into the mount
// namespace ns, read-only, at a fresh folder of dir named after base, and
// returns the folder. Like expose's bind, the clone is the very mount
// that was verified (for FUSE, the same helper process), not a new mount
// of the device; but no verification mount point is ever seen in ns.
func exposeInto(ns *os.File, src, dir, base string, gid int, umask os.FileMode) (string, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, src, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		return "", fmt.Errorf("expose %s: open_tree: %w", src, err)
	}
	// A clone that was never attached is dissolved when its fd closes.
	defer unix.Close(fd)
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: exposeAttrs}); err != nil {
		return "", fmt.Errorf("expose %s: mount_setattr: %w", src, err)
	}
	var point string
	err = inNamespace(ns, func() error {
		if err := prepareExposeDir(dir, gid, umask); err != nil {
			return err
		}
		p, err := freeFolder(dir, base)
		if err != nil {
			return err
		}
		if err := unix.MoveMount(fd, "", unix.AT_FDCWD, p, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			os.Remove(p)
			return fmt.Errorf("expose %s: move_mount: %w", p, err)
		}
		point = p
		return nil
	})
	return point, err
}

// cleanExposeDir takes down every mount strictly below dir in the calling
// thread's namespace, deepest first, and removes the empty folders left
// in dir. It returns the paths cleaned.
func cleanExposeDir(dir string) ([]string, error) {
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("clean %s: %w", dir, err)
	}
	pts, err := mount.PointsBelow(f, dir)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("clean %s: read mountinfo: %w", dir, err)
	}
	var cleaned []string
	var errs []error
	for _, p := range pts {
		if err := unmount(p); err != nil {
			errs = append(errs, err)
			continue
		}
		cleaned = append(cleaned, p)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		errs = append(errs, fmt.Errorf("clean %s: %w", dir, err))
	}
	for _, de := range ents {
		p := filepath.Join(dir, de.Name())
		if !de.IsDir() {
			continue
		}
		if err := os.Remove(p); err != nil {
			errs = append(errs, fmt.Errorf("clean %s: %w", p, err))
		} else if !slices.Contains(cleaned, p) {
			cleaned = append(cleaned, p)
		}
	}
	return cleaned, errors.Join(errs...)
}
