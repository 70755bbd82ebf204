//go:build linux

package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// workMu serialises the preparation of work directories within this
// process; lockDir does it across processes (the daemon and a check).
var workMu sync.Mutex

// lockDir takes an exclusive flock on a directory.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// privateTmpfs mounts a tmpfs on dir unless dir is already a mount point,
// then makes dir's mount private.
func privateTmpfs(dir string) error {
	root, err := isMountRoot(dir)
	if err != nil {
		return err
	}
	if !root {
		// Small: it holds only empty mount-point directories.
		if err := unix.Mount("sluice-guard", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0700,size=1m,nr_inodes=16384"); err != nil {
			return fmt.Errorf("mount tmpfs: %w", err)
		}
	}
	if err := unix.Mount("", dir, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make private: %w", err)
	}
	return os.Chmod(dir, 0o700)
}

// isMountRoot reports whether dir is the root of a mount.
func isMountRoot(dir string) (bool, error) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, dir, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BASIC_STATS, &st); err != nil {
		return false, fmt.Errorf("statx %s: %w", dir, err)
	}
	if st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return false, fmt.Errorf("statx %s: kernel does not report mount roots", dir)
	}
	return st.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
}

// setBlockReadOnly sets or clears the kernel's read-only flag of a block
// device without checking BLKROGET afterwards (a partition of a read-only
// disk stays read-only whatever its own flag). kiosk/mount clears flags
// only on loop devices; a check must restore a real stick too.
func setBlockReadOnly(dev string, on bool) error {
	f, err := os.OpenFile(dev, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("read-only flag %s: %w", dev, err)
	}
	defer f.Close()
	v := 0
	if on {
		v = 1
	}
	if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.BLKROSET, v); err != nil {
		return fmt.Errorf("read-only flag %s: BLKROSET: %w", dev, err)
	}
	return nil
}

// run runs a system tool with a bounded time and a minimal environment.
func run(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// attachImage attaches img to a free loop device, read-only, with the
// kernel's partition scan (-P), so that the image's partitions are what a
// host would see. A kernel without partition parsers finds none; then
// partx adds those libblkid finds. On error nothing stays attached.
func attachImage(ctx context.Context, img string) (string, error) {
	dev, err := run(ctx, "losetup", "--read-only", "--partscan", "--find", "--show", "--", img)
	if err != nil {
		return "", fmt.Errorf("attach image: %w", err)
	}
	if !strings.HasPrefix(dev, "/dev/loop") || strings.ContainsAny(dev, " \n") {
		return "", fmt.Errorf("attach image: losetup printed %q", dev)
	}
	if parts, err := partitionNodes(dev); err == nil && len(parts) == 0 {
		if p := probeDevice(ctx, dev); p.ptType != "" {
			if _, err := run(ctx, "partx", "--add", "--", dev); err != nil {
				detachImage(dev)
				return "", fmt.Errorf("attach image: %w", err)
			}
		}
	}
	return dev, nil
}

// detachImage removes the partitions partx added, detaches the loop device
// and clears the read-only flags the check set, which outlive a detach.
func detachImage(dev string) error {
	var errs []error
	ctx := context.Background()
	parts, _ := partitionNodes(dev)
	for _, p := range parts {
		setBlockReadOnly(p, false)
	}
	if len(parts) > 0 {
		if _, err := run(ctx, "partx", "--delete", "--", dev); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := run(ctx, "losetup", "--detach", dev); err != nil {
		errs = append(errs, err)
	}
	// BLKROSET belongs to the block device, not to the attached file:
	// cleared so that the next user of this loop device can write. (The
	// disk-level flag of losetup -r is the loop driver's business.)
	errs = append(errs, setBlockReadOnly(dev, false))
	return errors.Join(errs...)
}

// partitionNodes lists the /dev nodes of the partitions sysfs shows for
// the whole disk dev.
func partitionNodes(dev string) ([]string, error) {
	_, sys, err := blockDevice(dev)
	if err != nil {
		return nil, err
	}
	vols, err := partitions(context.Background(), sys)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(vols))
	for i, v := range vols {
		out[i] = v.dev
	}
	return out, nil
}
