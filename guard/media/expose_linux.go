//go:build linux

package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/kiosk/mount"
)

// Exposure is a drive made available to users. Release takes it down.
type Exposure struct {
	mu     sync.Mutex
	s      *session
	hostNS *os.File // Options.HostNS: where points are, nil for here
	points []string // exposed mount points, in the order made
}

// Points lists the folders the drive is exposed at.
func (e *Exposure) Points() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.points...)
}

// Verified is a drive whose every volume holds a valid transfer, mounted
// only privately: nothing of it is exposed yet. Expose makes it available;
// Release drops it. A caller judging a device of several disks verifies
// them all before exposing any, so that a bad disk blocks the good ones
// without their ever having been visible.
type Verified struct {
	s    *session
	dev  string
	opts Options
	res  Result
}

// Verify sets the whole disk dev and its partitions read-only (BLKROSET,
// left set) and verifies every volume in private mounts under WorkDir.
// When the drive is allowed it stays mounted there, held by the returned
// Verified; when it is blocked, or on error, nothing stays mounted and the
// Verified is nil.
func Verify(ctx context.Context, dev string, opts Options) (*Verified, Result, error) {
	opts = opts.withDefaults()
	_, sys, err := blockDevice(dev)
	if err != nil {
		return nil, Result{}, fmt.Errorf("verify %s: %w", dev, err)
	}
	if _, ok := isPartition(sys); ok {
		return nil, Result{}, fmt.Errorf("verify %s: %w", dev, ErrNotWholeDisk)
	}
	s, err := inspect(ctx, dev, opts, false)
	if err != nil {
		return nil, Result{}, fmt.Errorf("verify %s: %w", dev, err)
	}
	if !s.result.Allowed {
		if err := s.release(); err != nil {
			return nil, s.result, fmt.Errorf("verify %s: %w", dev, err)
		}
		return nil, s.result, nil
	}
	return &Verified{s: s, dev: dev, opts: opts, res: s.result}, s.result, nil
}

// Release unmounts a verified drive that will not be exposed.
func (v *Verified) Release() error {
	if v == nil || v.s == nil {
		return nil
	}
	err := v.s.release()
	v.s = nil
	return err
}

// Expose binds each valid volume of v read-only (ro,nosuid,nodev,noexec)
// at ExposeDir/<name>, the name being the volume's cleaned label, else its
// UUID, else its device name, made unique with -2, -3... The Exposure
// takes over v's mounts. On error nothing stays mounted or exposed, the
// Exposure is nil and the result says "expose-failed".
//
// Without Options.HostNS, Expose must run in the mount namespace users
// see. With it, the verification runs in a private namespace of its own
// and Expose carries a read-only clone of each valid volume's mount into
// HostNS (see the package documentation).
func (v *Verified) Expose(ctx context.Context) (*Exposure, Result, error) {
	s, opts, res, dev := v.s, v.opts, v.res, v.dev
	v.s = nil
	if s == nil {
		return nil, res, fmt.Errorf("expose %s: already exposed or released", dev)
	}
	// A caller that gave up after the verdict gets nothing exposed: it
	// would not be there to release it.
	err := ctx.Err()
	if err == nil {
		err = inNamespace(opts.HostNS, func() error { return prepareExposeDir(opts.ExposeDir, opts.GID, opts.Umask) })
	}
	if err != nil {
		return nil, Result{}, fmt.Errorf("expose %s: %w", dev, errors.Join(err, s.release()))
	}
	e := &Exposure{s: s, hostNS: opts.HostNS}
	for i := range res.Partitions {
		p := &res.Partitions[i]
		if !p.Valid || s.dirs[i] == "" {
			continue
		}
		name := exposeName(p.Label, p.UUID, filepath.Base(p.Device))
		var point string
		if opts.HostNS != nil {
			point, err = exposeInto(opts.HostNS, s.dirs[i], opts.ExposeDir, name, opts.GID, opts.Umask)
		} else {
			point, err = expose(s.dirs[i], opts.ExposeDir, name)
		}
		if err != nil {
			rerr := e.Release()
			res.Allowed, res.Reason = false, ReasonExposeFailed
			for j := range res.Partitions {
				res.Partitions[j].Exposed = ""
			}
			return nil, res, fmt.Errorf("expose %s: %w", dev, errors.Join(err, rerr))
		}
		p.Exposed = point
		e.points = append(e.points, point)
		opts.Log.Info("volume exposed", "device", p.Device, "transfer", p.Transfer, "at", point)
	}
	return e, res, nil
}

// Attach verifies the whole disk dev and, when it is allowed, exposes it:
// Verify, then Expose. When the drive is blocked, or on error, nothing
// stays mounted and the Exposure is nil.
func Attach(ctx context.Context, dev string, opts Options) (*Exposure, Result, error) {
	v, res, err := Verify(ctx, dev, opts)
	if v == nil {
		return nil, res, err
	}
	return v.Expose(ctx)
}

// exposeFlags are the flags of an exposed mount, whatever the private one
// had.
const exposeFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

// exposeDirMode is ExposeDir's mode under umask: what the umask leaves,
// always rwx for its owner (root, who makes the exposures) and never
// writable by anyone else.
func exposeDirMode(umask os.FileMode) os.FileMode {
	return (os.ModePerm&^umask&^0o022 | 0o700) & os.ModePerm
}

// prepareExposeDir makes dir (created if missing) the one way in to every
// exposure: a real directory, not a link, owned by root and group gid,
// of mode exposeDirMode(umask). A filesystem with permissions of its own
// (ext4) keeps the owners and modes the drive gives its files, which no
// signature covers; only this gate keeps users outside gid away from
// them. The guard owns dir, so its owner and mode are set every time.
func prepareExposeDir(dir string, gid int, umask os.FileMode) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("expose dir: %w", err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("expose dir %s: %w", dir, err)
	}
	defer unix.Close(fd)
	if err := unix.Fchown(fd, 0, gid); err != nil {
		return fmt.Errorf("expose dir %s: chown: %w", dir, err)
	}
	if err := unix.Fchmod(fd, uint32(exposeDirMode(umask))); err != nil {
		return fmt.Errorf("expose dir %s: chmod: %w", dir, err)
	}
	return nil
}

// expose binds the verified mount src at a fresh folder of dir (made
// ready by prepareExposeDir) named after base, read-only, and returns the
// folder. The bind is the very mount that was verified (for FUSE, the
// same helper process), not a new mount of the device.
func expose(src, dir, base string) (string, error) {
	point, err := freeFolder(dir, base)
	if err != nil {
		return "", err
	}
	if err := unix.Mount(src, point, "", unix.MS_BIND, ""); err != nil {
		os.Remove(point)
		return "", fmt.Errorf("expose %s: bind: %w", point, err)
	}
	if err := unix.Mount("", point, "", unix.MS_REMOUNT|unix.MS_BIND|exposeFlags, ""); err != nil {
		unmount(point)
		os.Remove(point)
		return "", fmt.Errorf("expose %s: remount read-only: %w", point, err)
	}
	return point, nil
}

// freeFolder makes a fresh folder of dir named after base, made unique
// with -2, -3..., and returns it.
func freeFolder(dir, base string) (string, error) {
	for i := range 100 {
		p := filepath.Join(dir, candidate(base, i))
		// Mkdir, not MkdirAll: it fails on anything already there, links
		// included, so the folder is fresh and ours.
		err := os.Mkdir(p, 0o755)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("expose: %w", err)
		}
		return p, nil
	}
	return "", fmt.Errorf("expose %s: no free name in %s", base, dir)
}

// Release takes the exposed mounts down (lazily if a user holds a file
// open: they vanish from the namespace at once), in Options.HostNS when
// Attach was given one, removes their folders,
// then releases the private mounts. The block device keeps its read-only
// flag. Calling it again does nothing.
func (e *Exposure) Release() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	errs = append(errs, inNamespace(e.hostNS, func() error {
		var errs []error
		for i := len(e.points) - 1; i >= 0; i-- {
			if err := unmount(e.points[i]); err != nil {
				errs = append(errs, err)
				continue
			}
			if err := os.Remove(e.points[i]); err != nil {
				errs = append(errs, fmt.Errorf("release %s: %w", e.points[i], err))
			}
		}
		return errors.Join(errs...)
	}))
	e.points = nil
	if e.s != nil {
		errs = append(errs, e.s.release())
		e.s = nil
	}
	return errors.Join(errs...)
}

// unmount unmounts dir until nothing is mounted there, retrying a busy
// mount for about a second before detaching it lazily.
func unmount(dir string) error {
	for range 8 {
		err := unix.Unmount(dir, unix.UMOUNT_NOFOLLOW)
		switch {
		case err == nil:
			continue // something may be stacked on the same point
		case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EBUSY):
			busy := true
			for range 5 {
				time.Sleep(200 * time.Millisecond)
				if err := unix.Unmount(dir, unix.UMOUNT_NOFOLLOW); err == nil || errors.Is(err, unix.EINVAL) {
					busy = false
					break
				}
			}
			if busy {
				if err := unix.Unmount(dir, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW); err != nil && !errors.Is(err, unix.EINVAL) {
					return fmt.Errorf("unmount %s: %w", dir, err)
				}
			}
		default:
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
	}
	return nil
}

// CleanStale takes down what a killed guard left: every mount below
// WorkDir (but not WorkDir's own tmpfs) and below ExposeDir, deepest
// first, and the empty folders that held them. ExposeDir belongs to the
// guard: whatever is mounted below it is an exposure. With
// Options.HostNS, ExposeDir is cleaned in HostNS, where the exposures
// are (they outlive a killed guard: they are mounts of that namespace),
// and WorkDir in the caller's own. It returns the paths cleaned. The
// daemon calls it at start, before judging drives.
func CleanStale(opts Options) ([]string, error) {
	opts = opts.withDefaults()
	var all []string
	var errs []error
	if opts.HostNS != nil {
		err := inNamespace(opts.HostNS, func() error {
			if err := prepareExposeDir(opts.ExposeDir, opts.GID, opts.Umask); err != nil {
				return err
			}
			cleaned, err := cleanExposeDir(opts.ExposeDir)
			all = append(all, cleaned...)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("clean stale: %w", err))
		}
	} else if err := prepareExposeDir(opts.ExposeDir, opts.GID, opts.Umask); err != nil {
		return nil, fmt.Errorf("clean stale: %w", err)
	}
	roots := []string{opts.WorkDir, opts.ExposeDir}
	if opts.HostNS != nil {
		roots = roots[:1]
	}
	for _, root := range roots {
		if _, err := os.Lstat(root); errors.Is(err, os.ErrNotExist) {
			continue
		}
		m := &mount.Mounter{Root: root}
		cleaned, err := m.CleanStale()
		all = append(all, cleaned...)
		errs = append(errs, err)
	}
	return all, errors.Join(errs...)
}
