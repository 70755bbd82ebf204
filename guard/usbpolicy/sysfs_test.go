package usbpolicy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/usbdesc"
	"github.com/sluice-ot/sluice/internal/usbdesc/usbdesctest"
)

// Descriptor builders, byte by byte as USB 2.0 §9.6 lays them out.

// usbDev is one recorded USB device: its directory below devices/, as
// real sysfs lays it out, and what it holds.
type usbDev struct {
	path       string
	ids        [2]string
	serial     string
	class      string // bDeviceClass
	active     [][3]string
	desc       []byte // nil: no descriptors file
	authorized string
}

const pci = "pci0000:00/0000:00:14.0/"

var (
	rootHub1 = usbDev{path: pci + "usb1", ids: [2]string{"1d6b", "0002"}, class: "09", active: [][3]string{{"09", "00", "00"}},
		desc: usbdesctest.Concat(usbdesctest.Device(9), usbdesctest.Config(1, usbdesctest.Hub)), authorized: "1"}
	rootHub2 = usbDev{path: pci + "usb2", ids: [2]string{"1d6b", "0003"}, class: "09", active: [][3]string{{"09", "00", "00"}},
		desc: usbdesctest.Concat(usbdesctest.Device(9), usbdesctest.Config(1, usbdesctest.Hub)), authorized: "1"}
	stick = usbDev{path: pci + "usb1/1-1", ids: [2]string{"0781", "5581"}, serial: "4C530001230101117592",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)), authorized: "0"}
	keyboard = usbDev{path: pci + "usb1/1-2", ids: [2]string{"046d", "c31c"},
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Keyboard)), authorized: "0"}
	composite = usbDev{path: pci + "usb1/1-3", ids: [2]string{"1234", "5678"}, serial: "EVIL01",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage, usbdesctest.Interface(1, 0, 0x03, 1, 1))), authorized: "0"}
	// Storage in configuration 1, CDC ECM hidden in configuration 2.
	hiddenCDC = usbDev{path: pci + "usb1/1-4", ids: [2]string{"1d6b", "0104"}, serial: "GADGET",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage), usbdesctest.Config(2, usbdesctest.Interface(0, 0, 0x02, 0x06, 0), usbdesctest.Interface(1, 0, 0x0a, 0, 0))), authorized: "0"}
	modem = usbDev{path: pci + "usb1/1-5", ids: [2]string{"1bc7", "1201"},
		desc: usbdesctest.Concat(usbdesctest.Device(2), usbdesctest.Config(1, usbdesctest.Interface(0, 0, 0x02, 0x02, 0x01), usbdesctest.Interface(1, 0, 0x0a, 0, 0))), authorized: "0"}
	hub = usbDev{path: pci + "usb2/2-1", ids: [2]string{"05e3", "0610"}, class: "09",
		desc: usbdesctest.Concat(usbdesctest.Device(9), usbdesctest.Config(1, usbdesctest.Hub)), authorized: "0"}
	behindHub = usbDev{path: pci + "usb2/2-1/2-1.3", ids: [2]string{"0781", "5581"}, serial: "BEHIND",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)), authorized: "0"}
	bootKeyboard = usbDev{path: pci + "usb2/2-2", ids: [2]string{"413c", "2113"},
		active: [][3]string{{"03", "01", "01"}}, desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Keyboard)), authorized: "1"}
	// Descriptors cut short in the middle of an interface.
	truncated = usbDev{path: pci + "usb1/1-6", ids: [2]string{"dead", "beef"},
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage), []byte{9, usbdesc.TypeInterface, 1, 0}), authorized: "1"}
	// No descriptors file: the active interfaces are read instead.
	noDesc = usbDev{path: pci + "usb1/1-7", ids: [2]string{"0781", "5581"},
		active: [][3]string{{"08", "06", "50"}}, authorized: "0"}
)

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSysfs records devs under a new sysfs root in t.TempDir() (not
// committed: sysfs names contain ':'), with the bus/usb/devices links and
// an interface directory per active interface, and returns the root.
func writeSysfs(t *testing.T, devs ...usbDev) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "sys")
	links := filepath.Join(root, "bus", "usb", "devices")
	if err := os.MkdirAll(links, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, u := range devs {
		dir := filepath.Join(root, "devices", u.path)
		name := filepath.Base(u.path)
		writeFile(t, filepath.Join(dir, "idVendor"), u.ids[0]+"\n")
		writeFile(t, filepath.Join(dir, "idProduct"), u.ids[1]+"\n")
		writeFile(t, filepath.Join(dir, "authorized"), u.authorized+"\n")
		writeFile(t, filepath.Join(dir, "devnum"), string(rune('2'+n))+"\n")
		if u.class == "" {
			u.class = "00"
		}
		writeFile(t, filepath.Join(dir, "bDeviceClass"), u.class+"\n")
		if strings.HasPrefix(name, "usb") {
			writeFile(t, filepath.Join(dir, "authorized_default"), "1\n")
		}
		if u.serial != "" {
			writeFile(t, filepath.Join(dir, "serial"), u.serial+"\n")
		}
		if u.desc != nil {
			writeFile(t, filepath.Join(dir, "descriptors"), string(u.desc))
		}
		ifPrefix := name
		if strings.HasPrefix(name, "usb") {
			ifPrefix = name[3:] + "-0"
		}
		for i, c := range u.active {
			id := filepath.Join(dir, ifPrefix+":1."+string(rune('0'+i)))
			writeFile(t, filepath.Join(id, "bInterfaceClass"), c[0]+"\n")
			writeFile(t, filepath.Join(id, "bInterfaceSubClass"), c[1]+"\n")
			writeFile(t, filepath.Join(id, "bInterfaceProtocol"), c[2]+"\n")
			rel, _ := filepath.Rel(links, id)
			if err := os.Symlink(rel, filepath.Join(links, filepath.Base(id))); err != nil {
				t.Fatal(err)
			}
		}
		rel, _ := filepath.Rel(links, dir)
		if err := os.Symlink(rel, filepath.Join(links, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func readAuthorized(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "bus", "usb", "devices", name, "authorized"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
