package mount

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Drivers named in Mounted.Driver.
const (
	DriverKernel    = "kernel"
	DriverFusefat   = "fusefat"
	DriverExfatFuse = "exfat-fuse"
	DriverNTFS3G    = "ntfs-3g"
)

// Errors callers branch on, with errors.Is.
var (
	// ErrNotAllowed: the filesystem type is not on the allowlist; nothing
	// was attempted.
	ErrNotAllowed = errors.New("filesystem type not allowed")
	// ErrNoDriver: neither the kernel nor a known FUSE helper reads it.
	ErrNoDriver = errors.New("no driver for filesystem type")
	// ErrBadName: a session or mount name that is not a single path element.
	ErrBadName = errors.New("name is not a single path element")
	// ErrTimeout: the mount did not finish in Mounter.Timeout.
	ErrTimeout = errors.New("mount timed out")
	// ErrLazyUnmount: a busy mount was detached lazily (MNT_DETACH). It is
	// gone from the namespace and its directory removed, so callers may
	// treat it as a warning; the kernel frees it when the last user closes.
	ErrLazyUnmount = errors.New("busy mount detached lazily")
	// ErrSessionExists: Mount was called for a session that is still mounted.
	ErrSessionExists = errors.New("session already mounted")
	// ErrNotSupported: this platform has no implementation.
	ErrNotSupported = errors.New("not supported on this platform")
)

// DefaultAllowed is the allowlist used when Mounter.Allowed is nil.
var DefaultAllowed = []string{
	"ext2", "ext3", "ext4", "vfat", "exfat", "ntfs", "xfs", "btrfs",
	"iso9660", "udf", "squashfs",
}

// DefaultUmask is Mounter.Umask's default: FAT, exFAT and NTFS files are
// readable by Mounter.UID only.
const DefaultUmask os.FileMode = 0o077

// DefaultTimeout bounds one mount when Mounter.Timeout is zero.
const DefaultTimeout = 20 * time.Second

// Target is one filesystem found by the device layer.
type Target struct {
	Device string // /dev/sdb1, /dev/loop3p1, or the whole disk for a superfloppy
	Name   string // mount directory name: "p1", "disk"
	FSType string // from udev/blkid: ext4, vfat, exfat, ntfs, ...
}

// Mounted is the outcome for one Target.
type Mounted struct {
	Target Target
	Dir    string // where it is mounted; empty when Err is set
	Driver string // DriverKernel, DriverFusefat, DriverExfatFuse or DriverNTFS3G
	Err    error  // why this target could not be mounted
}

// Mounter mounts sessions under Root. The zero value of every field but
// Root is usable. A Mounter must not be copied after first use.
type Mounter struct {
	Root string // trusted directory, e.g. <state>/media; created 0700 if missing

	// UID and GID own the files of FAT, exFAT and NTFS mounts, whose
	// modes are 0777 masked by Umask.
	UID, GID int
	// Umask masks the modes of FAT, exFAT and NTFS files; zero means
	// DefaultUmask (077, the owner only, as the station wants). A umask
	// that leaves the group or others anything also lets other users past
	// a FUSE driver (allow_other), with the kernel checking the modes
	// (default_permissions): without them FUSE serves its mounting user
	// only, and fusefat checks no mode at all.
	Umask os.FileMode
	// Allowed lists the filesystem types that may be mounted; nil means
	// DefaultAllowed.
	Allowed []string
	// Timeout bounds each mount; zero means DefaultTimeout.
	Timeout time.Duration
	// Filesystems is the kernel's filesystem list; empty means
	// /proc/filesystems. Tests point it elsewhere to force FUSE.
	Filesystems string

	mu       sync.Mutex
	sessions map[string]*session
}

func (m *Mounter) timeout() time.Duration {
	if m.Timeout > 0 {
		return m.Timeout
	}
	return DefaultTimeout
}

func (m *Mounter) umask() os.FileMode {
	if m.Umask != 0 {
		return m.Umask & os.ModePerm
	}
	return DefaultUmask
}

func (m *Mounter) allowed(fstype string) bool {
	list := m.Allowed
	if list == nil {
		list = DefaultAllowed
	}
	return slices.Contains(list, fstype)
}

// validName accepts a single, plain path element.
func validName(s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\x00") || strings.Contains(s, "..") {
		return fmt.Errorf("%q: %w", s, ErrBadName)
	}
	return nil
}

// plan is how one filesystem is mounted.
type plan struct {
	driver string
	fstype string   // kernel filesystem type
	data   string   // kernel mount data
	prog   string   // FUSE helper
	args   []string // FUSE helper arguments
}

// Flags every mount gets, as FUSE options.
const fuseBase = "ro,nosuid,nodev,noexec"

// planFor picks the driver and options for fstype, given the kernel's
// filesystems. It is pure so that the option table is tested without root.
func (m *Mounter) planFor(fstype, dev, dir string, kernel map[string]bool) (plan, error) {
	umask := m.umask()
	owner := fmt.Sprintf("uid=%d,gid=%d,umask=%03o", m.UID, m.GID, umask)
	fuseOwner := owner
	if umask&0o077 != 0o077 {
		// Shared beyond the owner. exfat-fuse and ntfs-3g add these two
		// themselves when run by root; fusefat does not.
		fuseOwner += ",allow_other,default_permissions"
	}
	kern := func(t, data string) (plan, error) { return plan{driver: DriverKernel, fstype: t, data: data}, nil }
	switch fstype {
	case "ext2", "ext3", "ext4":
		// noload even for ext2: the type came from the drive, and a
		// journal it does not admit to must not be replayed either.
		if kernel[fstype] {
			return kern(fstype, "noload")
		}
		if kernel["ext4"] {
			return kern("ext4", "noload")
		}
	case "xfs":
		if kernel["xfs"] {
			return kern("xfs", "norecovery")
		}
	case "btrfs":
		if kernel["btrfs"] {
			return kern("btrfs", "rescue=nologreplay")
		}
	case "vfat", "msdos":
		if kernel["vfat"] {
			return kern("vfat", owner)
		}
		return plan{driver: DriverFusefat, prog: "fusefat",
			args: []string{"-f", "-o", fuseBase + "," + fuseOwner, dev, dir}}, nil
	case "exfat":
		if kernel["exfat"] {
			return kern("exfat", owner)
		}
		// exfat-fuse has no plain foreground flag: -d keeps it in the
		// foreground (its debug output is discarded).
		return plan{driver: DriverExfatFuse, prog: "mount.exfat-fuse",
			args: []string{"-d", "-o", fuseBase + "," + fuseOwner, dev, dir}}, nil
	case "ntfs":
		if kernel["ntfs3"] {
			return kern("ntfs3", owner)
		}
		return plan{driver: DriverNTFS3G, prog: "ntfs-3g",
			args: []string{"-o", fuseBase + ",no_detach," + fuseOwner, dev, dir}}, nil
	case "iso9660", "udf", "squashfs":
		if kernel[fstype] {
			return kern(fstype, "")
		}
	}
	return plan{}, fmt.Errorf("%q: %w", fstype, ErrNoDriver)
}
