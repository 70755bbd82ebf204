package usbpolicy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotDevice reports a name that is not a USB device in sysfs (an
// interface entry such as 1-1:1.0, or a path).
var ErrNotDevice = errors.New("not a usb device")

// Device is one USB device as sysfs shows it.
type Device struct {
	SysPath string // resolved directory below the sysfs root
	Name    string // kernel name: "1-2.3", or "usb1" for a root hub
	// VendorID and ProductID are lowercase hex ("046d"); Serial is the
	// device's own serial string, which a device can forge.
	VendorID, ProductID, Serial string
	// Port is where the device is plugged: the bus and port chain, which
	// for USB devices is the kernel name.
	Port string
	// Interfaces lists every interface of every configuration and
	// alternate setting, from the raw descriptors, or from the active
	// configuration's interface directories when there is no descriptors
	// file.
	Interfaces []Interface
	// Unreadable says why the device could not be fully read (malformed
	// descriptors, a missing attribute); Decide denies such a device.
	Unreadable string
	Authorized bool
	Hub        bool
}

func (d Device) String() string {
	return fmt.Sprintf("%s %s:%s serial %q", d.Name, d.VendorID, d.ProductID, d.Serial)
}

func devicesDir(root string) string { return filepath.Join(root, "bus", "usb", "devices") }

// validName accepts a kernel USB device name and rejects interfaces and
// anything that could leave the devices directory.
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, ":/\\") && !strings.ContainsRune(name, 0)
}

// ReadDevices reads every USB device (not interface) under
// sysfsRoot/bus/usb/devices, sorted by name. A device that vanishes while
// it is read is left out; other errors are joined and returned with the
// devices that could be read.
func ReadDevices(sysfsRoot string) ([]Device, error) {
	ents, err := os.ReadDir(devicesDir(sysfsRoot))
	if err != nil {
		return nil, fmt.Errorf("read usb devices: %w", err)
	}
	var out []Device
	var errs []error
	for _, e := range ents {
		if !validName(e.Name()) {
			continue
		}
		d, err := ReadDevice(sysfsRoot, e.Name())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
}

// ReadDevice reads the USB device name ("1-2.3", "usb1"). It fails only
// when the device is not there (fs.ErrNotExist) or name is not a device
// (ErrNotDevice); what cannot be read of a present device is reported in
// Device.Unreadable, so the caller can still deny it.
func ReadDevice(sysfsRoot, name string) (Device, error) {
	if !validName(name) {
		return Device{}, fmt.Errorf("read usb device %q: %w", name, ErrNotDevice)
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(devicesDir(sysfsRoot), name))
	if err != nil {
		return Device{}, fmt.Errorf("read usb device %s: %w", name, err)
	}
	d := Device{SysPath: dir, Name: name, Port: name}
	var problems []string
	attr := func(a string) string {
		b, err := os.ReadFile(filepath.Join(dir, a))
		if err != nil {
			problems = append(problems, fmt.Sprintf("read %s: %v", a, err))
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	d.VendorID = strings.ToLower(attr("idVendor"))
	d.ProductID = strings.ToLower(attr("idProduct"))
	if d.VendorID == "" && d.ProductID == "" {
		return Device{}, fmt.Errorf("read usb device %s: no idVendor or idProduct: %w", name, ErrNotDevice)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "serial")); err == nil {
		d.Serial = strings.TrimSpace(string(b))
	}
	d.Authorized = attr("authorized") == "1"
	d.Hub = strings.HasPrefix(name, "usb")
	if c, err := os.ReadFile(filepath.Join(dir, "bDeviceClass")); err == nil && strings.TrimSpace(string(c)) == "09" {
		d.Hub = true
	}
	raw, err := os.ReadFile(filepath.Join(dir, "descriptors"))
	switch {
	case err == nil:
		ifs, perr := parseDescriptors(raw)
		d.Interfaces = ifs
		if perr != nil {
			problems = append(problems, perr.Error())
		}
	case errors.Is(err, fs.ErrNotExist):
		ifs, ierr := activeInterfaces(dir, name)
		d.Interfaces = ifs
		if ierr != nil {
			problems = append(problems, ierr.Error())
		}
	default:
		problems = append(problems, fmt.Sprintf("read descriptors: %v", err))
	}
	d.Unreadable = strings.Join(problems, "; ")
	return d, nil
}

// activeInterfaces reads bInterfaceClass/SubClass/Protocol of the
// interface directories (name:C.I) of the active configuration.
func activeInterfaces(dir, name string) ([]Interface, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read interfaces: %w", err)
	}
	var out []Interface
	seen := map[Interface]bool{}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), name+":") {
			continue
		}
		var v [3]uint8
		for k, a := range []string{"bInterfaceClass", "bInterfaceSubClass", "bInterfaceProtocol"} {
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), a))
			if err != nil {
				return out, fmt.Errorf("read interface %s: %w", e.Name(), err)
			}
			n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 16, 8)
			if err != nil {
				return out, fmt.Errorf("read interface %s %s: %w", e.Name(), a, err)
			}
			v[k] = uint8(n)
		}
		i := Interface{v[0], v[1], v[2]}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out, nil
}
