//go:build linux

package mount

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// session is what the Mounter keeps of one session.
type session struct {
	dir    string
	mounts []*entry
}

// entry is one live mount.
type entry struct {
	dir    string
	driver string
	helper *helper // nil for a kernel mount
}

const mountFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

// Mount sets disk and each target device read-only, then mounts each
// target under Root/session/Target.Name. It returns an error only when
// nothing could be attempted (bad session name, unusable Root, disk not
// made read-only); one target's failure is in its Mounted.Err and the
// others are still mounted. Whatever happens, Release(session) undoes it.
func (m *Mounter) Mount(ctx context.Context, sess, disk string, targets []Target) ([]Mounted, error) {
	if err := validName(sess); err != nil {
		return nil, fmt.Errorf("mount session: %w", err)
	}
	if err := m.checkRoot(); err != nil {
		return nil, err
	}
	if err := SetReadOnly(disk); err != nil {
		return nil, fmt.Errorf("mount %s: %w", disk, err)
	}
	kernel, err := readFilesystems(m.Filesystems)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", disk, err)
	}
	sdir := filepath.Join(m.Root, sess)
	m.mu.Lock()
	if m.sessions == nil {
		m.sessions = make(map[string]*session)
	}
	if _, ok := m.sessions[sess]; ok {
		m.mu.Unlock()
		return nil, fmt.Errorf("mount session %s: %w", sess, ErrSessionExists)
	}
	// Mkdir, not MkdirAll: it fails on anything already there, symlinks
	// included, so the directory is ours and fresh.
	if err := os.Mkdir(sdir, 0o700); err != nil {
		m.mu.Unlock()
		if errors.Is(err, os.ErrExist) {
			err = fmt.Errorf("%w (run CleanStale or Release first)", ErrSessionExists)
		}
		return nil, fmt.Errorf("mount session %s: %w", sess, err)
	}
	s := &session{dir: sdir}
	m.sessions[sess] = s
	m.mu.Unlock()

	out := make([]Mounted, len(targets))
	for i, t := range targets {
		out[i] = Mounted{Target: t}
		if err := ctx.Err(); err != nil {
			out[i].Err = fmt.Errorf("mount %s: %w", t.Device, err)
			continue
		}
		e, err := m.mountOne(ctx, sdir, disk, t, kernel)
		if err != nil {
			out[i].Err = err
			continue
		}
		m.mu.Lock()
		s.mounts = append(s.mounts, e)
		m.mu.Unlock()
		out[i].Dir, out[i].Driver = e.dir, e.driver
	}
	return out, nil
}

// checkRoot makes sure Root is a real directory (not a symlink), creating
// it if missing. Root itself is trusted configuration.
func (m *Mounter) checkRoot() error {
	if m.Root == "" || !filepath.IsAbs(m.Root) {
		return fmt.Errorf("mount root %q: not an absolute path", m.Root)
	}
	if err := os.MkdirAll(m.Root, 0o700); err != nil {
		return fmt.Errorf("mount root: %w", err)
	}
	fi, err := os.Lstat(m.Root)
	if err != nil {
		return fmt.Errorf("mount root: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("mount root %s: not a directory", m.Root)
	}
	return nil
}

func (m *Mounter) mountOne(ctx context.Context, sdir, disk string, t Target, kernel map[string]bool) (*entry, error) {
	if err := validName(t.Name); err != nil {
		return nil, fmt.Errorf("mount %s: %w", t.Device, err)
	}
	fstype := strings.ToLower(t.FSType)
	if !m.allowed(fstype) {
		return nil, fmt.Errorf("mount %s: %q: %w", t.Device, t.FSType, ErrNotAllowed)
	}
	dir := filepath.Join(sdir, t.Name)
	p, err := m.planFor(fstype, t.Device, dir, kernel)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", t.Device, err)
	}
	if t.Device != disk {
		if err := SetReadOnly(t.Device); err != nil {
			return nil, fmt.Errorf("mount %s: %w", t.Device, err)
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mount %s: %w", t.Device, err)
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout())
	defer cancel()
	e := &entry{dir: dir, driver: p.driver}
	if p.driver == DriverKernel {
		err = mountKernel(ctx, t.Device, dir, p)
	} else {
		e.helper, err = startHelper(ctx, p, dir)
	}
	if err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("mount %s (%s %s): %w", t.Device, p.driver, fstype, err)
	}
	return e, nil
}

// mountKernel runs mount(2) with a deadline. A crafted filesystem can keep
// the syscall in the kernel, where nothing interrupts it; the caller gets
// ErrTimeout and a goroutine stays to take the mount down if it ever
// completes.
func mountKernel(ctx context.Context, dev, dir string, p plan) error {
	done := make(chan error, 1)
	go func() { done <- unix.Mount(dev, dir, p.fstype, mountFlags, p.data) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				unmountAll(dir, nil)
				os.Remove(dir)
			}
		}()
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}

// readFilesystems returns the filesystem types the kernel has.
func readFilesystems(path string) (map[string]bool, error) {
	if path == "" {
		path = "/proc/filesystems"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kernel filesystems: %w", err)
	}
	fs := make(map[string]bool)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		// "nodev" filesystems (tmpfs, fuse, ...) need no block device.
		if len(f) == 1 {
			fs[f[0]] = true
		}
	}
	return fs, nil
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	all, err := parseMountinfo(f)
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	var out []string
	for i := len(all) - 1; i >= 0; i-- { // later lines are mounted on top
		if under(all[i].Point, dir) {
			out = append(out, all[i].Point)
		}
	}
	return out, nil
}

// unmountAll unmounts dir until nothing is mounted there, retrying a busy
// mount a few times before detaching it lazily. kill, if set, is called
// when an unmount hangs (a FUSE helper that stopped answering).
func unmountAll(dir string, kill func()) (lazy bool, err error) {
	for range 8 {
		switch err := unmountHang(dir, 0, kill); {
		case err == nil:
			continue // another mount may be stacked on the same dir
		case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
			return lazy, nil // not (or no longer) a mount point
		case errors.Is(err, unix.EBUSY):
			if !retryBusy(dir) {
				if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
					return lazy, fmt.Errorf("unmount %s: %w", dir, err)
				}
				lazy = true
			}
		default:
			return lazy, fmt.Errorf("unmount %s: %w", dir, err)
		}
	}
	return lazy, nil
}

// retryBusy retries a plain unmount of a busy dir for about a second.
func retryBusy(dir string) bool {
	for range 5 {
		time.Sleep(200 * time.Millisecond)
		if err := unix.Unmount(dir, 0); err == nil || errors.Is(err, unix.EINVAL) {
			return true
		} else if !errors.Is(err, unix.EBUSY) {
			return false
		}
	}
	return false
}

// unmountHang is umount2 with a deadline: unmounting a FUSE block mount
// waits for the helper to answer, so a helper that hangs would hang us.
func unmountHang(dir string, flags int, kill func()) error {
	done := make(chan error, 1)
	go func() { done <- unix.Unmount(dir, flags) }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
	}
	if kill != nil {
		kill() // aborts the FUSE connection, which releases the unmount
	}
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%w: unmount hangs", ErrTimeout)
	}
}
