package guard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// MediaResult is the verdict on one drive (the shape of guard/media's
// Result, kept here so the event loop and its tests depend only on it).
type MediaResult struct {
	Allowed    bool
	Reason     string
	Partitions []PartitionResult
}

// PartitionResult is the verdict on one partition.
type PartitionResult struct {
	Name, FSType, Label, Transfer string
	Valid                         bool
	Problems                      []string
}

// mediaVerifier checks a whole-disk block device. When its media is
// valid the drive is held, verified but not yet exposed.
type mediaVerifier interface {
	Verify(ctx context.Context, dev string) (held heldMedia, res MediaResult, err error)
}

// heldMedia is a verified drive, not yet exposed: Expose makes it
// available read-only (release undoes that), Release drops it unexposed.
type heldMedia interface {
	Expose(ctx context.Context) (release func() error, err error)
	Release() error
}

// ErrNoMediaVerifier is the verdict while the guard is built without
// media verification: every drive stays blocked.
var ErrNoMediaVerifier = errors.New("media verification is not available in this build")

// noMedia refuses every drive: the fail-closed stand-in for a verifier.
type noMedia struct{}

func (noMedia) Verify(context.Context, string) (heldMedia, MediaResult, error) {
	return nil, MediaResult{}, ErrNoMediaVerifier
}

// diskFinder lists the whole-disk block devices (device node paths)
// that the USB device at sysfs directory usbSysPath provides.
type diskFinder func(usbSysPath string) ([]string, error)

// sysfsDisks is the real diskFinder: below a USB device's sysfs directory
// the storage driver adds .../hostN/targetN:0:0/N:0:0:L/block/sdX, one per
// logical unit; partitions are subfolders of the disk and are left out.
// A disk counts once it has media (size > 0). Its device node is devDir
// joined with the DEVNAME of the disk's uevent file.
func sysfsDisks(devDir string) diskFinder {
	return func(usbSysPath string) ([]string, error) {
		var out []string
		err := filepath.WalkDir(usbSysPath, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
					return nil // a folder that came and went while walking
				}
				return err
			}
			if !d.IsDir() || filepath.Base(filepath.Dir(p)) != "block" {
				return nil
			}
			if size, _ := readTrim(filepath.Join(p, "size")); size == "" || size == "0" {
				return fs.SkipDir
			}
			name := ueventDevName(filepath.Join(p, "uevent"))
			if name == "" || strings.Contains(name, "..") {
				return fs.SkipDir
			}
			out = append(out, filepath.Join(devDir, name))
			return fs.SkipDir
		})
		if err != nil {
			return nil, fmt.Errorf("find disks below %s: %w", usbSysPath, err)
		}
		sort.Strings(out)
		return out, nil
	}
}

// ueventDevName reads DEVNAME= from a sysfs uevent file.
func ueventDevName(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "DEVNAME="); ok {
			return v
		}
	}
	return ""
}

func readTrim(p string) (string, error) {
	b, err := os.ReadFile(p)
	return strings.TrimSpace(string(b)), err
}

// waitDisks polls find until it lists a disk, ctx is done or timeout
// passes. The block device appears a moment after authorization, once
// the storage driver has probed the device.
func waitDisks(ctx context.Context, find diskFinder, usbSysPath string, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		disks, err := find(usbSysPath)
		if err != nil || len(disks) > 0 {
			return disks, err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("no block device with media appeared within %s", timeout)
			}
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// verifyDisks judges every disk of a device before exposing any: the
// device is allowed only when there is a disk and every one is valid, so
// a bad disk (a second logical unit, a card reader's other slot) blocks
// the good ones without their ever having been visible. releases undo
// whatever is held or exposed, whatever the verdict.
func verifyDisks(ctx context.Context, m mediaVerifier, disks []string) (releases []func() error, res MediaResult) {
	res.Allowed = len(disks) > 0
	var reasons []string
	type heldDisk struct {
		disk string
		heldMedia
	}
	var held []heldDisk
	for _, disk := range disks {
		h, r, err := m.Verify(ctx, disk)
		if h != nil {
			held = append(held, heldDisk{disk, h})
		}
		switch {
		case err != nil:
			res.Allowed = false
			reasons = append(reasons, fmt.Sprintf("check %s: %v", disk, err))
		case !r.Allowed:
			res.Allowed = false
			reasons = append(reasons, fmt.Sprintf("%s: %s", disk, r.Reason))
		default:
			reasons = append(reasons, fmt.Sprintf("%s: %s", disk, r.Reason))
		}
		res.Partitions = append(res.Partitions, r.Partitions...)
	}
	for _, h := range held {
		if !res.Allowed {
			releases = append(releases, h.Release)
			continue
		}
		release, err := h.Expose(ctx)
		if err != nil {
			res.Allowed = false
			reasons = append(reasons, fmt.Sprintf("expose %s: %v", h.disk, err))
			continue
		}
		releases = append(releases, release)
	}
	res.Reason = strings.Join(reasons, "; ")
	return releases, res
}
