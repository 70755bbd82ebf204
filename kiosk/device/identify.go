package device

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotBlock reports a name that is not a whole block disk in sysfs.
var ErrNotBlock = errors.New("not a whole block disk")

// Identify describes the whole disk devName ("sdb", "loop3" or "/dev/sdb")
// from sysfs, completed by the udev database when udevd has one.
func Identify(cfg Config, devName string) (Drive, error) {
	return identify(cfg.withDefaults(), strings.TrimPrefix(filepath.Base(devName), "/"))
}

func identify(cfg Config, name string) (Drive, error) {
	link := filepath.Join(cfg.SysfsRoot, "class", "block", name)
	dir, err := filepath.EvalSymlinks(link)
	if err != nil {
		return Drive{}, fmt.Errorf("identify %s: %w", name, err)
	}
	if fileExists(filepath.Join(dir, "partition")) {
		return Drive{}, fmt.Errorf("identify %s: a partition: %w", name, ErrNotBlock)
	}
	d := Drive{
		Device:  filepath.Join(cfg.DevRoot, name),
		SysPath: dir,
		Size:    sectors(dir),
		Vendor:  readAttr(filepath.Join(dir, "device", "vendor")),
		Model:   readAttr(filepath.Join(dir, "device", "model")),
	}
	if strings.HasPrefix(name, "loop") && strings.Contains(dir, "/devices/virtual/block/") {
		d.Bus = "loop"
	}
	if usb := usbAncestor(cfg.SysfsRoot, dir); usb != "" {
		d.Bus = "usb"
		readUSB(&d, usb)
	}
	props := udevProps(cfg, dir)
	applyUdev(&d, props)
	if cfg.ReadOnly != nil && takes(cfg, d) {
		if err := cfg.ReadOnly(d.Device); err != nil {
			cfg.Log.Warn("set read-only before identifying", "device", d.Device, "err", err)
			cfg.Probe = refuseProbe
		}
	}

	parts, err := os.ReadDir(dir)
	if err != nil {
		return Drive{}, fmt.Errorf("identify %s: %w", name, err)
	}
	for _, e := range parts {
		pdir := filepath.Join(dir, e.Name())
		num, err := strconv.Atoi(readAttr(filepath.Join(pdir, "partition")))
		if err != nil {
			continue
		}
		p := Partition{Device: filepath.Join(cfg.DevRoot, e.Name()), Number: num, Size: sectors(pdir)}
		fsProps(cfg, &p, udevProps(cfg, pdir))
		d.Partitions = append(d.Partitions, p)
	}
	sort.Slice(d.Partitions, func(i, j int) bool { return d.Partitions[i].Number < d.Partitions[j].Number })
	if len(d.Partitions) == 0 && d.Size > 0 {
		// A superfloppy, or no table at all: the whole disk is the volume.
		p := Partition{Device: d.Device, Size: d.Size}
		props = fsProps(cfg, &p, props)
		if p.FSType != "" {
			d.Partitions = []Partition{p}
		} else {
			d.PartitionTable = props["ID_PART_TABLE_TYPE"]
		}
	}
	return d, nil
}

// fsProps fills the filesystem fields from udev properties, or else from
// the probe, and returns the properties it used. Partition tables are not
// filesystems.
func fsProps(cfg Config, p *Partition, props map[string]string) map[string]string {
	if props["ID_FS_TYPE"] == "" && fileExists(p.Device) {
		probed, err := cfg.Probe(p.Device)
		if err != nil {
			cfg.Log.Debug("probe filesystem", "device", p.Device, "err", err)
		}
		props = map[string]string{"ID_FS_TYPE": probed["TYPE"], "ID_FS_UUID": probed["UUID"], "ID_FS_LABEL": probed["LABEL"],
			"ID_PART_TABLE_TYPE": probed["PTTYPE"]}
	}
	p.FSType, p.FSUUID, p.FSLabel = props["ID_FS_TYPE"], props["ID_FS_UUID"], props["ID_FS_LABEL"]
	return props
}

func applyUdev(d *Drive, props map[string]string) {
	if v := props["ID_BUS"]; v != "" {
		d.Bus = v
	}
	if v := props["ID_SERIAL_SHORT"]; v != "" && d.Serial == "" {
		d.Serial = v
	}
	if v := props["ID_SERIAL"]; v != "" && d.Serial == "" {
		d.Serial = v
	}
	if d.Vendor == "" {
		d.Vendor = props["ID_VENDOR"]
	}
	if d.Model == "" {
		d.Model = props["ID_MODEL"]
	}
	if d.VendorID == "" {
		d.VendorID = props["ID_VENDOR_ID"]
	}
	if d.ProductID == "" {
		d.ProductID = props["ID_MODEL_ID"]
	}
	// ":080650:030101:" lists the active configuration only; add what the
	// raw descriptors did not already give.
	for _, f := range strings.Split(props["ID_USB_INTERFACES"], ":") {
		if len(f) != 6 {
			continue
		}
		v, err := strconv.ParseUint(f, 16, 32)
		if err != nil {
			continue
		}
		addInterface(d, Interface{uint8(v >> 16), uint8(v >> 8), uint8(v)})
	}
}

func addInterface(d *Drive, i Interface) {
	for _, have := range d.Interfaces {
		if have == i {
			return
		}
	}
	d.Interfaces = append(d.Interfaces, i)
}

// usbAncestor walks up from a block device to the USB device it hangs off:
// the first directory with an idVendor file, never above sysfs/devices.
func usbAncestor(root, dir string) string {
	stop := filepath.Join(root, "devices")
	for p := filepath.Dir(dir); strings.HasPrefix(p, stop+"/"); p = filepath.Dir(p) {
		if fileExists(filepath.Join(p, "idVendor")) {
			return p
		}
	}
	return ""
}

func readUSB(d *Drive, usb string) {
	d.VendorID = readAttr(filepath.Join(usb, "idVendor"))
	d.ProductID = readAttr(filepath.Join(usb, "idProduct"))
	d.Serial = readAttr(filepath.Join(usb, "serial"))
	if v := readAttr(filepath.Join(usb, "manufacturer")); v != "" && d.Vendor == "" {
		d.Vendor = v
	}
	if v := readAttr(filepath.Join(usb, "product")); v != "" && d.Model == "" {
		d.Model = v
	}
	// The descriptors file covers every configuration and alternate
	// setting, including ones not active, which a device could switch to.
	if raw, err := os.ReadFile(filepath.Join(usb, "descriptors")); err == nil {
		ifs, err := ParseDescriptors(raw)
		for _, i := range ifs {
			addInterface(d, i)
		}
		if err != nil {
			d.DescriptorsErr = err.Error()
		}
	}
	// The interface directories of the active configuration ("1-1:1.0").
	ents, _ := os.ReadDir(usb)
	for _, e := range ents {
		p := filepath.Join(usb, e.Name())
		c, ok1 := hexAttr(filepath.Join(p, "bInterfaceClass"))
		s, ok2 := hexAttr(filepath.Join(p, "bInterfaceSubClass"))
		pr, ok3 := hexAttr(filepath.Join(p, "bInterfaceProtocol"))
		if ok1 && ok2 && ok3 {
			addInterface(d, Interface{c, s, pr})
		}
	}
}

// udevProps reads the udev database entry of the block device at dir:
// <UdevDataDir>/b<major>:<minor>, lines "E:KEY=VALUE".
func udevProps(cfg Config, dir string) map[string]string {
	props := map[string]string{}
	dev := readAttr(filepath.Join(dir, "dev"))
	if dev == "" || cfg.UdevDataDir == "" {
		return props
	}
	f, err := os.Open(filepath.Join(cfg.UdevDataDir, "b"+dev))
	if err != nil {
		return props
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "E:"), "="); ok && strings.HasPrefix(sc.Text(), "E:") {
			props[k] = v
		}
	}
	return props
}

func sectors(dir string) int64 {
	n, err := strconv.ParseInt(readAttr(filepath.Join(dir, "size")), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n * 512
}

func hexAttr(p string) (uint8, bool) {
	v, err := strconv.ParseUint(readAttr(p), 16, 8)
	return uint8(v), err == nil
}

func readAttr(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// refuseProbe stands in for the probe on a drive that could not be set
// read-only: nothing reads it.
func refuseProbe(dev string) (map[string]string, error) {
	return nil, fmt.Errorf("probe %s: not read-only, so not read", dev)
}

// takes reports whether the station takes drive d: a USB disk, or a loop
// device when configured; never its own disks, never an empty device.
func takes(cfg Config, d Drive) bool {
	if d.Size <= 0 {
		return false
	}
	switch d.Bus {
	case "usb":
		return true
	case "loop":
		return cfg.AcceptLoop
	}
	return false
}
