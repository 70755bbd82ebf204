package device

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Interface is one USB interface (any configuration, any alternate setting).
type Interface struct{ Class, SubClass, Protocol uint8 }

func (i Interface) String() string {
	return fmt.Sprintf("%02x/%02x/%02x", i.Class, i.SubClass, i.Protocol)
}

// Partition is one partition of a drive. For a superfloppy (a filesystem
// on the whole disk) the drive has one Partition whose Device is the disk.
type Partition struct {
	Device                  string
	Number                  int
	FSType, FSUUID, FSLabel string
	Size                    int64
}

// Drive is a whole removable disk as the station sees it.
type Drive struct {
	Device                string // /dev/sdb, /dev/loop3 (whole disk)
	SysPath               string
	Bus                   string // "usb" or "loop"; "" for the station's own disks
	Vendor, Model, Serial string
	VendorID, ProductID   string // USB idVendor/idProduct when known
	Size                  int64
	// Interfaces lists every interface of every configuration of the USB
	// device the disk hangs off.
	Interfaces []Interface
	// DescriptorsErr is set when the raw USB descriptors could not be
	// fully parsed; Refusal fails closed on it.
	DescriptorsErr string
	Partitions     []Partition
	// PartitionTable is the type of the table found on a disk that shows
	// no partitions ("dos", "gpt"): an empty table, or partitions the
	// kernel has yet to add.
	PartitionTable string
}

// USB interface classes Refusal cares about.
const (
	classCDC         = 0x02
	classHID         = 0x03
	classMassStorage = 0x08
	classCDCData     = 0x0a
	classMisc        = 0xef
	classWireless    = 0xe0
	classVendor      = 0xff
)

// Refusal says whether the station must refuse the drive, and why in
// plain words. Storage that also offers a keyboard, a network adapter, a
// modem, a radio or a vendor-defined interface is the BadUSB pattern.
// A USB drive whose interfaces can't be read is refused too: fail closed.
func (d Drive) Refusal() (refused bool, reason string) {
	if d.Bus != "usb" {
		return false, ""
	}
	if d.DescriptorsErr != "" {
		return true, "the drive's USB descriptors are malformed"
	}
	if len(d.Interfaces) == 0 {
		return true, "the drive's USB interfaces could not be read"
	}
	var why []string
	storage := false
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			why = append(why, s)
		}
	}
	for _, i := range d.Interfaces {
		switch {
		case i.Class == classMassStorage:
			storage = true
		case i.Class == classHID:
			add("a keyboard or mouse (HID)")
		case i.Class == classCDC, i.Class == classCDCData:
			add("a network adapter or modem (CDC)")
		case i.Class == classWireless:
			add("a wireless controller")
		case i.Class == classMisc && i.SubClass == 0x04:
			add("a network adapter (RNDIS)")
		case i.Class == classVendor:
			add("a vendor-specific interface")
		}
	}
	if len(why) > 0 {
		return true, "the drive also acts as " + strings.Join(why, ", ") + "; this is how BadUSB attacks work"
	}
	if !storage {
		return true, "the drive does not declare itself as USB storage"
	}
	return false, ""
}

// EventKind says what happened to a drive.
type EventKind int

const (
	Inserted EventKind = iota + 1
	Removed
)

func (k EventKind) String() string {
	switch k {
	case Inserted:
		return "inserted"
	case Removed:
		return "removed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one insertion or removal. For Removed, Drive holds what was
// known at insertion.
type Event struct {
	Kind  EventKind
	Drive Drive
}

// Probe reads filesystem properties (TYPE, UUID, LABEL) of a block device.
type Probe func(dev string) (map[string]string, error)

// Config configures Identify and the Watcher. The zero value is usable.
type Config struct {
	SysfsRoot   string // default /sys
	DevRoot     string // default /dev
	UdevDataDir string // default /run/udev/data, read only while udevd answers
	UdevControl string // udevd's control socket, default /run/udev/control
	AcceptLoop  bool   // report loop devices (tests, demo)
	// PreferUdev uses the "udev" netlink source when systemd-udevd runs;
	// otherwise, or without udevd, the "kernel" source is used.
	PreferUdev bool
	// Settle is how long a disk must be quiet before it is identified, so
	// that its partitions and udev properties are in place. Default 400ms.
	Settle time.Duration
	// Probe defaults to `blkid -p` when no udev properties give the type.
	Probe Probe
	// ReadOnly, when set, is called on the whole disk of a drive the
	// station takes (USB, or loop with AcceptLoop) before anything reads
	// it, probes included: the station's BLKROSET. When it fails, nothing
	// is probed and the drive is reported without its filesystems.
	ReadOnly func(dev string) error
	Log      *slog.Logger // default discards
}

func (c Config) withDefaults() Config {
	if c.SysfsRoot == "" {
		c.SysfsRoot = "/sys"
	}
	if c.DevRoot == "" {
		c.DevRoot = "/dev"
	}
	if c.UdevDataDir == "" && udevAlive(c.UdevControl) {
		// A database left by a udevd that is gone is stale: ignore it.
		c.UdevDataDir = "/run/udev/data"
	}
	if c.Settle <= 0 {
		c.Settle = 400 * time.Millisecond
	}
	if c.Probe == nil {
		c.Probe = blkidProbe
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}
