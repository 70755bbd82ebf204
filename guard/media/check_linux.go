//go:build linux

package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/transfer"
)

// Check judges a mounted folder, a disk image file or a block device,
// changing nothing visible: an image is attached read-only (losetup -r,
// partx) and detached again, a block device's read-only flags are set for
// the check and restored afterwards, and every mount is private, read-only
// and released before Check returns. The error is for when the target
// could not be judged at all; a drive that cannot be read is a blocked
// Result.
func Check(ctx context.Context, target string, opts Options) (Result, error) {
	opts = opts.withDefaults()
	fi, err := os.Stat(target)
	if err != nil {
		return Result{}, fmt.Errorf("check: %w", err)
	}
	switch {
	case fi.IsDir():
		p := Partition{Name: "dir", Device: target}
		vctx := ctx
		if opts.Timeout > 0 {
			var cancel context.CancelFunc
			vctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
		}
		if err := verifyVolume(ctx, vctx, target, opts, &p); err != nil {
			return Result{}, fmt.Errorf("check %s: %w", target, err)
		}
		return judge([]Partition{p}), nil
	case fi.Mode().IsRegular():
		return checkImage(ctx, target, opts)
	case fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0:
		return checkDevice(ctx, target, opts)
	}
	return Result{}, fmt.Errorf("check %s: %w", target, ErrBadTarget)
}

// checkImage attaches img read-only, checks it and detaches it.
func checkImage(ctx context.Context, img string, opts Options) (res Result, err error) {
	dev, err := attachImage(ctx, img)
	if err != nil {
		return Result{}, fmt.Errorf("check %s: %w", img, err)
	}
	defer func() {
		if derr := detachImage(dev); derr != nil {
			opts.Log.Warn("detach image", "image", img, "device", dev, "err", derr)
		}
	}()
	return checkDevice(ctx, dev, opts)
}

// checkDevice checks a block device and puts its read-only flags (and
// those of its partitions) back as they were.
func checkDevice(ctx context.Context, dev string, opts Options) (Result, error) {
	s, err := inspect(ctx, dev, opts, true)
	if err != nil {
		return Result{}, fmt.Errorf("check %s: %w", dev, err)
	}
	res := s.result
	if err := s.release(); err != nil {
		// Verified and unmounted lazily, or worse: the verdict stands, the
		// caller learns the mounts did not go cleanly.
		return res, fmt.Errorf("check %s: %w", dev, err)
	}
	return res, nil
}

// session is one drive being judged: its volumes, their private mounts
// and the verdict.
type session struct {
	opts    Options
	m       *mount.Mounter
	name    string
	dirs    []string // mount point of each partition, "" when not mounted
	result  Result
	restore []string // devices whose read-only flag was off before
}

// inspect finds the volumes of dev, probes them, mounts the ones with a
// filesystem under a private session in WorkDir and verifies them. On
// error nothing is left mounted. With restore, release puts back the
// read-only flags that were off.
func inspect(ctx context.Context, dev string, opts Options, restore bool) (s *session, err error) {
	node, sys, err := blockDevice(dev)
	if err != nil {
		return nil, err
	}
	var vols []volume
	var probes []probe
	if n, ok := isPartition(sys); ok {
		// Check of one partition: judged alone, as its own "drive".
		vols = []volume{{dev: node, name: "p" + fmt.Sprint(n)}}
		probes = []probe{probeDevice(ctx, node)}
	} else {
		parts, err := partitions(ctx, sys)
		if err != nil {
			return nil, err
		}
		whole := probeDevice(ctx, node)
		// The whole disk counts as a volume when it has no partitions (a
		// superfloppy), and also when, beside partitions, it carries a
		// filesystem of its own or cannot be probed: the host could mount
		// it, so it is judged like the rest (fail closed).
		if len(parts) == 0 || whole.fsType != "" || whole.err != nil {
			vols = append(vols, volume{dev: node, name: "disk"})
			probes = append(probes, whole)
		}
		for _, v := range parts {
			vols = append(vols, v)
			probes = append(probes, probeDevice(ctx, v.dev))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	parts := make([]Partition, len(vols))
	var targets []mount.Target
	var index []int // partition index of each target
	for i, v := range vols {
		pr := probes[i]
		p := Partition{Name: v.name, Device: v.dev, FSType: pr.fsType, Label: pr.label, UUID: pr.uuid}
		switch {
		case pr.err != nil:
			p.Problems = append(p.Problems, transfer.Problem{Kind: transfer.ProblemUnreadable, Detail: pr.err.Error()})
		case pr.fsType == "":
			// Nothing a host would mount: not counted (see judge).
		case pr.usage != "filesystem":
			p.Problems = append(p.Problems, transfer.Problem{Kind: ProblemUnsupported, Detail: fmt.Sprintf("%s (%s) cannot be verified", pr.fsType, pr.usage)})
		default:
			targets = append(targets, mount.Target{Device: v.dev, Name: v.name, FSType: pr.fsType})
			index = append(index, i)
		}
		parts[i] = p
	}

	s = &session{opts: opts, dirs: make([]string, len(parts))}
	if restore {
		for _, v := range append([]volume{{dev: node}}, vols...) {
			if ro, err := mount.IsReadOnly(v.dev); err == nil && !ro {
				s.restore = append(s.restore, v.dev)
			}
		}
	}
	if len(targets) > 0 {
		if err := prepareWorkDir(opts.WorkDir); err != nil {
			return nil, err
		}
		s.m = &mount.Mounter{Root: opts.WorkDir, UID: opts.UID, GID: opts.GID, Umask: opts.Umask, Timeout: opts.MountTimeout}
		s.name = "v-" + randomID()
		defer func() {
			if err != nil {
				if rerr := s.release(); rerr != nil {
					opts.Log.Warn("release after failed check", "device", node, "err", rerr)
				}
				s = nil
			}
		}()
		mounted, err := s.m.Mount(ctx, s.name, node, targets)
		if err != nil {
			return s, err
		}
		// A mount cut short because the caller gave up failed for that
		// reason, not because of the drive: no verdict ("unmountable").
		if err := ctx.Err(); err != nil {
			return s, err
		}
		for j, mt := range mounted {
			p := &parts[index[j]]
			if mt.Err != nil {
				kind := ProblemUnmountable
				if errors.Is(mt.Err, mount.ErrNotAllowed) || errors.Is(mt.Err, mount.ErrNoDriver) {
					kind = ProblemUnsupported
				}
				p.Problems = append(p.Problems, transfer.Problem{Kind: kind, Detail: mt.Err.Error()})
				continue
			}
			p.Driver = mt.Driver
			s.dirs[index[j]] = mt.Dir
		}
		// Options.Timeout bounds the verification of the whole drive, not
		// of each volume.
		vctx := ctx
		if opts.Timeout > 0 {
			var cancel context.CancelFunc
			vctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
		}
		for i := range parts {
			if s.dirs[i] == "" {
				continue
			}
			if err := verifyVolume(ctx, vctx, s.dirs[i], opts, &parts[i]); err != nil {
				return s, err
			}
		}
	}
	s.result = judge(parts)
	for _, p := range s.result.Partitions {
		opts.Log.Debug("volume judged", "device", p.Device, "fstype", p.FSType, "reason", p.Reason, "problems", len(p.Problems))
	}
	return s, nil
}

// release unmounts the session's private mounts and restores the
// read-only flags it was asked to.
func (s *session) release() error {
	var errs []error
	if s.m != nil {
		errs = append(errs, s.m.Release(s.name))
		s.m = nil
	}
	for _, dev := range s.restore {
		errs = append(errs, setBlockReadOnly(dev, false))
	}
	s.restore = nil
	return errors.Join(errs...)
}

func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// prepareWorkDir makes WorkDir a private place for verification mounts: a
// directory of mode 0700 on which a small tmpfs (mode 0700) is mounted
// with private propagation. Other users cannot enter it, and mounts below
// it propagate to no other mount namespace, however the host's mounts are
// shared. The tmpfs is made once and stays: unmounting it later would not
// propagate either, which would leave its copies in the namespaces that
// received it when it was made.
func prepareWorkDir(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("work dir %q: not an absolute path", dir)
	}
	workMu.Lock()
	defer workMu.Unlock()
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	unlock, err := lockDir(parent)
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	defer unlock()
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("work dir: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("work dir %s: not a directory", dir)
	}
	if err := privateTmpfs(dir); err != nil {
		return fmt.Errorf("work dir %s: %w", dir, err)
	}
	return nil
}
