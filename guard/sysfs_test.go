package guard

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/usbdesc/usbdesctest"
)

// Recorded sysfs trees, built like guard/usbpolicy's: descriptors byte by
// byte as USB 2.0 §9.6 lays them out, devices where real sysfs puts them.

type usbDev struct {
	path       string
	ids        [2]string
	serial     string
	class      string
	desc       []byte
	authorized string
	devnum     int
}

const pci = "pci0000:00/0000:00:14.0/"

// The devices of issue 7's tests. Authorized is what the kernel gives
// them with usbcore.authorized_default=0: 0, root hubs excepted.
var (
	rootHub1 = usbDev{path: pci + "usb1", ids: [2]string{"1d6b", "0002"}, class: "09",
		desc: usbdesctest.Concat(usbdesctest.Device(9), usbdesctest.Config(1, usbdesctest.Hub)), authorized: "1", devnum: 1}
	rootHub2 = usbDev{path: pci + "usb2", ids: [2]string{"1d6b", "0003"}, class: "09",
		desc: usbdesctest.Concat(usbdesctest.Device(9), usbdesctest.Config(1, usbdesctest.Hub)), authorized: "1", devnum: 1}
	stick = usbDev{path: pci + "usb1/1-1", ids: [2]string{"0781", "5581"}, serial: "4C530001230101117592",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)), authorized: "0", devnum: 2}
	keyboard = usbDev{path: pci + "usb1/1-2", ids: [2]string{"046d", "c31c"},
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Keyboard)), authorized: "0", devnum: 3}
	composite = usbDev{path: pci + "usb1/1-3", ids: [2]string{"1234", "5678"}, serial: "EVIL01",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage, usbdesctest.Interface(1, 0, 0x03, 1, 1))), authorized: "0", devnum: 4}
	modem = usbDev{path: pci + "usb1/1-5", ids: [2]string{"1bc7", "1201"},
		desc: usbdesctest.Concat(usbdesctest.Device(2), usbdesctest.Config(1, usbdesctest.Interface(0, 0, 0x02, 0x02, 0x01), usbdesctest.Interface(1, 0, 0x0a, 0, 0))), authorized: "0", devnum: 5}
	allowedMouse = usbDev{path: pci + "usb1/1-8", ids: [2]string{"04d9", "1603"}, serial: "M1",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Interface(0, 0, 0x03, 0x01, 0x02))), authorized: "0", devnum: 6}
	hub = usbDev{path: pci + "usb2/2-1", ids: [2]string{"05e3", "0610"}, class: "09",
		desc: usbdesctest.Concat(usbdesctest.Device(9), usbdesctest.Config(1, usbdesctest.Hub)), authorized: "0", devnum: 2}
	behindHub = usbDev{path: pci + "usb2/2-1/2-1.3", ids: [2]string{"0781", "5581"}, serial: "BEHIND",
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)), authorized: "0", devnum: 3}
	bootKeyboard = usbDev{path: pci + "usb2/2-2", ids: [2]string{"413c", "2113"},
		desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Keyboard)), authorized: "0", devnum: 4}
)

func writeFile(t testing.TB, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSysfs records devs under a new sysfs root and returns it.
func writeSysfs(t testing.TB, devs ...usbDev) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "sys")
	if err := os.MkdirAll(filepath.Join(root, "bus", "usb", "devices"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, u := range devs {
		plug(t, root, u)
	}
	return root
}

// plug adds u to the tree at root, as the kernel does on attach.
func plug(t testing.TB, root string, u usbDev) {
	t.Helper()
	links := filepath.Join(root, "bus", "usb", "devices")
	dir := filepath.Join(root, "devices", u.path)
	name := filepath.Base(u.path)
	writeFile(t, filepath.Join(dir, "idVendor"), u.ids[0]+"\n")
	writeFile(t, filepath.Join(dir, "idProduct"), u.ids[1]+"\n")
	writeFile(t, filepath.Join(dir, "authorized"), u.authorized+"\n")
	writeFile(t, filepath.Join(dir, "devnum"), fmt.Sprint(u.devnum)+"\n")
	class := u.class
	if class == "" {
		class = "00"
	}
	writeFile(t, filepath.Join(dir, "bDeviceClass"), class+"\n")
	if strings.HasPrefix(name, "usb") {
		writeFile(t, filepath.Join(dir, "authorized_default"), "1\n")
	}
	if u.serial != "" {
		writeFile(t, filepath.Join(dir, "serial"), u.serial+"\n")
	}
	writeFile(t, filepath.Join(dir, "descriptors"), string(u.desc))
	rel, _ := filepath.Rel(links, dir)
	if err := os.Symlink(rel, filepath.Join(links, name)); err != nil {
		t.Fatal(err)
	}
}

// unplug removes u from the tree.
func unplug(t testing.TB, root string, u usbDev) {
	t.Helper()
	if err := os.Remove(filepath.Join(root, "bus", "usb", "devices", filepath.Base(u.path))); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "devices", u.path)); err != nil {
		t.Fatal(err)
	}
}

func attr(t testing.TB, root, name, a string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "bus", "usb", "devices", name, a))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (u usbDev) name() string { return filepath.Base(u.path) }

func (u usbDev) devpath() string { return "/devices/" + u.path }
