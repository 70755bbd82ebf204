package device

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-ot/sluice/internal/usbdesc"
)

var update = flag.Bool("update", false, "rewrite the recorded sysfs trees in testdata/")

// Descriptor builders, byte by byte as USB 2.0 §9.6 lays them out.
func devDesc(class uint8) []byte {
	return []byte{18, usbdesc.TypeDevice, 0x00, 0x02, class, 0, 0, 64, 0x81, 0x07, 0x81, 0x55, 0x00, 0x01, 1, 2, 3, 1}
}

func ifDesc(num, alt, class, sub, proto uint8) []byte {
	return []byte{9, usbdesc.TypeInterface, num, alt, 2, class, sub, proto, 0}
}

func epDesc(addr uint8) []byte { return []byte{7, 0x05, addr, 0x02, 0x00, 0x02, 0} }

func config(value uint8, ifaces ...[]byte) []byte {
	var body []byte
	for _, i := range ifaces {
		body = append(body, i...)
		body = append(body, epDesc(0x81)...)
	}
	total := 9 + len(body)
	c := []byte{9, usbdesc.TypeConfig, byte(total), byte(total >> 8), uint8(len(ifaces)), value, 0, 0x80, 50}
	return append(c, body...)
}

func concat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

var storageIf = ifDesc(0, 0, 0x08, 0x06, 0x50)

// usbDev describes one recorded USB device with a disk behind it.
type usbDev struct {
	path   string // below devices/, the USB device directory
	ids    [2]string
	serial string
	active [][3]string // interface dirs of the active configuration
	desc   []byte
	disk   string // "" when no block device hangs off it
}

var trees = map[string]usbDev{
	// A plain stick behind a hub on port 1-1.2.
	"stick": {path: "pci0000:00/0000:00:14.0/usb1/1-1/1-1.2", ids: [2]string{"0781", "5581"}, serial: "4C530001230101117592",
		active: [][3]string{{"08", "06", "50"}}, desc: concat(devDesc(0), config(1, storageIf)), disk: "sdb"},
	// Storage plus a keyboard: BadUSB.
	"hid": {path: "pci0000:00/0000:00:14.0/usb1/1-3", ids: [2]string{"1234", "5678"}, serial: "EVIL01",
		active: [][3]string{{"08", "06", "50"}, {"03", "01", "01"}}, desc: concat(devDesc(0), config(1, storageIf, ifDesc(1, 0, 0x03, 1, 1))), disk: "sdc"},
	// Storage in configuration 1, CDC ECM hidden in configuration 2.
	"cdc": {path: "pci0000:00/0000:00:14.0/usb1/1-4", ids: [2]string{"1d6b", "0104"}, serial: "GADGET",
		active: [][3]string{{"08", "06", "50"}}, desc: concat(devDesc(0), config(1, storageIf), config(2, ifDesc(0, 0, 0x02, 0x06, 0), ifDesc(1, 0, 0x0a, 0, 0))), disk: "sdd"},
	// A keyboard: no disk at all.
	"keyboard": {path: "pci0000:00/0000:00:14.0/usb1/1-5", ids: [2]string{"046d", "c31c"},
		active: [][3]string{{"03", "01", "01"}}, desc: concat(devDesc(0), config(1, ifDesc(0, 0, 3, 1, 1)))},
	// Descriptors cut short in the middle of an interface.
	"truncated": {path: "pci0000:00/0000:00:14.0/usb1/1-6", ids: [2]string{"dead", "beef"},
		active: [][3]string{{"08", "06", "50"}}, desc: concat(devDesc(0), config(1, storageIf), []byte{9, usbdesc.TypeInterface, 1, 0}), disk: "sde"},
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// writeDisk writes a block disk at sysfs-relative dir with a class/block link.
func writeDisk(t *testing.T, root, dir, name, majmin string, size string, parts int) {
	t.Helper()
	d := filepath.Join(root, dir)
	writeFile(t, filepath.Join(d, "size"), size+"\n")
	writeFile(t, filepath.Join(d, "dev"), majmin+"\n")
	writeFile(t, filepath.Join(d, "device", "vendor"), "SanDisk \n")
	writeFile(t, filepath.Join(d, "device", "model"), "Cruzer Blade    \n")
	rel, _ := filepath.Rel(filepath.Join(root, "class", "block"), d)
	symlink(t, rel, filepath.Join(root, "class", "block", name))
	for i := 1; i <= parts; i++ {
		p := filepath.Join(d, name+string(rune('0'+i)))
		writeFile(t, filepath.Join(p, "partition"), string(rune('0'+i))+"\n")
		writeFile(t, filepath.Join(p, "size"), "2048\n")
		rel, _ := filepath.Rel(filepath.Join(root, "class", "block"), p)
		symlink(t, rel, filepath.Join(root, "class", "block", filepath.Base(p)))
	}
}

// TestGenerateSysfs writes the recorded layouts, one per case, as real
// sysfs has them (USB device, interface dirs, SCSI host/target/lun, block
// disk and partitions), and checks that testdata/sysfs holds exactly
// them; with -update it rewrites testdata/sysfs.
func TestGenerateSysfs(t *testing.T) {
	base := filepath.Join(t.TempDir(), "sysfs")
	if *update {
		base = filepath.Join("testdata", "sysfs")
		if err := os.RemoveAll(base); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		if !*update && !t.Failed() {
			if diff := diffTrees(base, filepath.Join("testdata", "sysfs")); diff != "" {
				t.Errorf("testdata/sysfs is stale (%s); run go test -run TestGenerateSysfs -update", diff)
			}
		}
	}()
	for name, u := range trees {
		root := filepath.Join(base, name)
		ud := filepath.Join(root, "devices", u.path)
		writeFile(t, filepath.Join(ud, "idVendor"), u.ids[0]+"\n")
		writeFile(t, filepath.Join(ud, "idProduct"), u.ids[1]+"\n")
		if u.serial != "" {
			writeFile(t, filepath.Join(ud, "serial"), u.serial+"\n")
		}
		writeFile(t, filepath.Join(ud, "descriptors"), string(u.desc))
		port := filepath.Base(u.path)
		for i, c := range u.active {
			id := filepath.Join(ud, port+":1."+string(rune('0'+i)))
			writeFile(t, filepath.Join(id, "bInterfaceClass"), c[0]+"\n")
			writeFile(t, filepath.Join(id, "bInterfaceSubClass"), c[1]+"\n")
			writeFile(t, filepath.Join(id, "bInterfaceProtocol"), c[2]+"\n")
		}
		if u.disk != "" {
			dir := filepath.Join("devices", u.path, port+":1.0", "host6", "target6:0:0", "6:0:0:0", "block", u.disk)
			writeDisk(t, root, dir, u.disk, "8:16", "30031872", 1)
		}
		// Every tree also holds the station's own SATA disk and a loop device.
		writeDisk(t, root, "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", "sda", "8:0", "1000215216", 2)
		writeDisk(t, root, "devices/virtual/block/loop0", "loop0", "7:0", "0", 0)
	}
}

// diffTrees names the first difference between two trees: a path present
// in one only, a different file content or link target; "" when equal.
func diffTrees(a, b string) string {
	list := func(root string) map[string]string {
		m := map[string]string{}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == root {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(p)
				m[rel] = "link:" + target
			case d.IsDir():
				m[rel] = "dir"
			default:
				data, _ := os.ReadFile(p)
				m[rel] = "file:" + string(data)
			}
			return nil
		})
		return m
	}
	ma, mb := list(a), list(b)
	for p, v := range ma {
		if w, ok := mb[p]; !ok {
			return p + " is missing"
		} else if v != w {
			return p + " differs"
		}
	}
	for p := range mb {
		if _, ok := ma[p]; !ok {
			return p + " is not generated"
		}
	}
	return ""
}
