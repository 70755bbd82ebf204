package uevent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func msg(parts ...string) []byte { return []byte(strings.Join(parts, "\x00") + "\x00") }

// A usb_device add, as `udevadm monitor --kernel --property` shows one.
var usbAdd = msg("add@/devices/pci0000:00/0000:00:14.0/usb1/1-2",
	"ACTION=add", "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2", "SUBSYSTEM=usb",
	"MAJOR=189", "MINOR=1", "DEVNAME=bus/usb/001/002", "DEVTYPE=usb_device", "PRODUCT=781/5581/100",
	"TYPE=0/0/0", "BUSNUM=001", "DEVNUM=002", "SEQNUM=4321")

func TestParse(t *testing.T) {
	ev, err := Parse(usbAdd)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != ActionAdd || ev.DevPath != "/devices/pci0000:00/0000:00:14.0/usb1/1-2" || ev.Subsystem != "usb" ||
		ev.DevType != "usb_device" || ev.SeqNum != 4321 || ev.Name() != "1-2" || ev.Env["PRODUCT"] != "781/5581/100" {
		t.Errorf("Parse = %+v", ev)
	}
	// Without the final NUL too.
	if ev2, err := Parse(usbAdd[:len(usbAdd)-1]); err != nil || !cmp.Equal(ev, ev2) {
		t.Errorf("Parse without trailing NUL = %+v, %v", ev2, err)
	}
}

func TestParseRefuses(t *testing.T) {
	big := msg(append([]string{"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb"}, strings.Repeat("A", MaxSize))...)
	many := []string{"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb"}
	for i := 0; i < maxVars; i++ {
		many = append(many, "K"+strings.Repeat("X", i)+"=1")
	}
	tests := map[string][]byte{
		"empty":             nil,
		"udev's own":        msg("libudev", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb"),
		"no header":         msg("ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb"),
		"no ACTION":         msg("add@/devices/x", "DEVPATH=/devices/x", "SUBSYSTEM=usb"),
		"no DEVPATH":        msg("add@/devices/x", "ACTION=add", "SUBSYSTEM=usb"),
		"no SUBSYSTEM":      msg("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x"),
		"header disagrees":  msg("remove@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb"),
		"path disagrees":    msg("add@/devices/y", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb"),
		"dot-dot":           msg("add@/devices/../x", "ACTION=add", "DEVPATH=/devices/../x", "SUBSYSTEM=usb"),
		"relative":          msg("add@devices/x", "ACTION=add", "DEVPATH=devices/x", "SUBSYSTEM=usb"),
		"empty element":     msg("add@/devices//x", "ACTION=add", "DEVPATH=/devices//x", "SUBSYSTEM=usb"),
		"control character": msg("add@/devices/x\n", "ACTION=add", "DEVPATH=/devices/x\n", "SUBSYSTEM=usb"),
		"duplicate key":     msg("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb", "SUBSYSTEM=block"),
		"not KEY=VALUE":     msg("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb", "JUNK"),
		"lower-case key":    msg("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb", "devtype=x"),
		"bad SEQNUM":        msg("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=usb", "SEQNUM=-1"),
		"slash in subsys":   msg("add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SUBSYSTEM=../usb"),
		"too big":           big,
		"too many vars":     msg(many...),
	}
	for what, b := range tests {
		if ev, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Parse = %+v, %v; want ErrMalformed", what, ev, err)
		}
	}
}

// FuzzParse: no input panics, and what Parse accepts keeps its promises.
func FuzzParse(f *testing.F) {
	f.Add(usbAdd)
	f.Add(msg("change@/devices/virtual/block/loop0", "ACTION=change", "DEVPATH=/devices/virtual/block/loop0",
		"SUBSYSTEM=block", "DISK_MEDIA_CHANGE=1", "MAJOR=7", "MINOR=0", "DEVNAME=loop0", "DEVTYPE=disk", "DISKSEQ=9", "SEQNUM=5"))
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.uevent"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Parse(b)
		if err != nil {
			return
		}
		if ev.Action == "" || ev.Subsystem == "" || !strings.HasPrefix(ev.DevPath, "/") || strings.Contains(ev.DevPath, "/../") ||
			strings.ContainsRune(ev.DevPath, 0) || ev.Name() == "" || ev.Name() == ".." || len(ev.Env) > maxVars {
			t.Fatalf("Parse accepted %q as %+v", b, ev)
		}
	})
}
