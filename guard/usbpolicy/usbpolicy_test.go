package usbpolicy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/internal/usbdesc/usbdesctest"
)

var all = []usbDev{rootHub1, rootHub2, stick, keyboard, composite, hiddenCDC, modem, hub, behindHub, bootKeyboard, truncated, noDesc}

func TestReadDevices(t *testing.T) {
	root := writeSysfs(t, all...)
	devs, err := ReadDevices(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]Device{}
	for _, d := range devs {
		names = append(names, d.Name)
		byName[d.Name] = d
	}
	want := []string{"1-1", "1-2", "1-3", "1-4", "1-5", "1-6", "1-7", "2-1", "2-1.3", "2-2", "usb1", "usb2"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("ReadDevices names (-want +got):\n%s", diff)
	}
	if got := byName["1-4"].Interfaces; !cmp.Equal(got, []Interface{{8, 6, 0x50}, {2, 6, 0}, {0x0a, 0, 0}}) {
		t.Errorf("1-4 interfaces = %v, want storage then CDC from configuration 2", got)
	}
	if got := byName["1-7"].Interfaces; !cmp.Equal(got, []Interface{{8, 6, 0x50}}) {
		t.Errorf("1-7 interfaces (no descriptors file) = %v, want storage from the interface dirs", got)
	}
	if u := byName["1-6"].Unreadable; !strings.Contains(u, ErrMalformed.Error()) {
		t.Errorf("1-6 Unreadable = %q, want malformed", u)
	}
	for n, hub := range map[string]bool{"usb1": true, "usb2": true, "2-1": true, "1-1": false, "2-2": false} {
		if byName[n].Hub != hub {
			t.Errorf("%s Hub = %v, want %v", n, byName[n].Hub, hub)
		}
	}
	if d := byName["1-1"]; d.VendorID != "0781" || d.ProductID != "5581" || d.Serial != "4C530001230101117592" || d.Port != "1-1" || d.Authorized {
		t.Errorf("1-1 = %+v", d)
	}
	if !byName["2-2"].Authorized {
		t.Errorf("2-2 Authorized = false, want true")
	}
	if !strings.HasSuffix(byName["2-1.3"].SysPath, filepath.FromSlash("usb2/2-1/2-1.3")) {
		t.Errorf("2-1.3 SysPath = %s", byName["2-1.3"].SysPath)
	}
}

func TestReadDeviceErrors(t *testing.T) {
	root := writeSysfs(t, rootHub1, stick)
	for _, name := range []string{"1-0:1.0", "../usb1", "", ".."} {
		if _, err := ReadDevice(root, name); !errors.Is(err, ErrNotDevice) {
			t.Errorf("ReadDevice(%q) error = %v, want ErrNotDevice", name, err)
		}
	}
	if _, err := ReadDevice(root, "3-9"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadDevice(3-9) error = %v, want fs.ErrNotExist", err)
	}
}

func TestDecide(t *testing.T) {
	root := writeSysfs(t, all...)
	strict := DefaultPolicy()
	strict.KeepPresentInput = false
	allowKbd := DefaultPolicy()
	allowKbd.AllowHID = []Match{{VendorID: "046D", ProductID: "C31C"}}
	wrongSerial := DefaultPolicy()
	wrongSerial.AllowHID = []Match{{VendorID: "046d", ProductID: "c31c", Serial: "X"}}
	wrongPort := DefaultPolicy()
	wrongPort.AllowHID = []Match{{VendorID: "046d", ProductID: "c31c", Port: "1-3"}}
	rightPort := DefaultPolicy()
	rightPort.AllowHID = []Match{{VendorID: "046d", ProductID: "c31c", Port: "1-2"}}
	allowCDC := DefaultPolicy()
	allowCDC.AllowClasses = []uint8{ClassCDC, ClassCDCData}
	allowCDC.DenyClasses = nil
	denyHub := DefaultPolicy()
	denyHub.DenyClasses = append(denyHub.DenyClasses, ClassHub)

	tests := []struct {
		what   string
		name   string
		p      Policy
		atBoot bool
		action string
		reason string
	}{
		{"storage-only stick", "1-1", DefaultPolicy(), false, ActionVerifyMedia, "media"},
		{"storage-only stick at boot", "1-1", DefaultPolicy(), true, ActionVerifyMedia, "media"},
		{"stick without descriptors file", "1-7", DefaultPolicy(), false, ActionVerifyMedia, "media"},
		{"new keyboard", "1-2", DefaultPolicy(), false, ActionDeny, "not allowlisted"},
		{"allowlisted keyboard", "1-2", allowKbd, false, ActionAuthorize, "allowlisted"},
		{"allowlisted VID:PID, other serial", "1-2", wrongSerial, false, ActionDeny, "not allowlisted"},
		{"allowlisted VID:PID, other port", "1-2", wrongPort, false, ActionDeny, "not allowlisted"},
		{"allowlisted VID:PID on its port", "1-2", rightPort, false, ActionAuthorize, "allowlisted"},
		{"storage+HID composite", "1-3", allowKbd, true, ActionDeny, "BadUSB"},
		{"storage with CDC in configuration 2", "1-4", DefaultPolicy(), false, ActionDeny, "BadUSB"},
		{"CDC modem", "1-5", DefaultPolicy(), false, ActionDeny, "denied"},
		{"CDC modem, class allowed", "1-5", allowCDC, false, ActionAuthorize, "allowed"},
		{"CDC modem, class unlisted", "1-5", Policy{}, false, ActionDeny, "not allowed"},
		{"root hub", "usb1", DefaultPolicy(), true, ActionAuthorize, "hub"},
		{"external hub", "2-1", DefaultPolicy(), false, ActionAuthorize, "hub"},
		{"hub class denied", "2-1", denyHub, false, ActionDeny, "hub"},
		{"stick behind a hub", "2-1.3", DefaultPolicy(), false, ActionVerifyMedia, "media"},
		{"keyboard present at boot, kept", "2-2", DefaultPolicy(), true, ActionAuthorize, "keep_present_input"},
		{"keyboard present at boot, not kept", "2-2", strict, true, ActionDeny, "not allowlisted"},
		{"keyboard plugged later", "2-2", DefaultPolicy(), false, ActionDeny, "not allowlisted"},
		{"malformed descriptors", "1-6", DefaultPolicy(), true, ActionDeny, "malformed"},
	}
	for _, tt := range tests {
		d, err := ReadDevice(root, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		got := tt.p.Decide(d, tt.atBoot)
		if got.Action != tt.action || got.Allow != (tt.action == ActionAuthorize) || !strings.Contains(got.Reason, tt.reason) {
			t.Errorf("%s: Decide(%s) = %+v, want %s with %q in the reason", tt.what, tt.name, got, tt.action, tt.reason)
		}
	}
}

func TestDecideInterfaces(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		what   string
		ifs    []Interface
		atBoot bool
		action string
	}{
		{"no interfaces", nil, true, ActionDeny},
		{"storage + audio", []Interface{{8, 6, 0x50}, {1, 1, 0}}, false, ActionDeny},
		{"storage + RNDIS", []Interface{{8, 6, 0x50}, {0xef, 4, 1}}, false, ActionDeny},
		{"storage + wireless", []Interface{{8, 6, 0x50}, {0xe0, 1, 1}}, false, ActionDeny},
		{"storage + vendor", []Interface{{8, 6, 0x50}, {0xff, 0, 0}}, false, ActionDeny},
		{"boot keyboard + vendor", []Interface{{3, 1, 1}, {0xff, 0, 0}}, true, ActionDeny},
		{"boot keyboard + mouse", []Interface{{3, 1, 1}, {3, 1, 2}}, true, ActionAuthorize},
		{"hub + storage", []Interface{{9, 0, 0}, {8, 6, 0x50}}, false, ActionDeny},
		{"hub + HID", []Interface{{9, 0, 0}, {3, 1, 1}}, false, ActionDeny},
	}
	for _, tt := range tests {
		d := Device{Name: "1-1", VendorID: "1234", ProductID: "5678", Interfaces: tt.ifs}
		if got := p.Decide(d, tt.atBoot); got.Action != tt.action {
			t.Errorf("%s: Decide = %+v, want %s", tt.what, got, tt.action)
		}
	}
}

func TestEnforce(t *testing.T) {
	root := writeSysfs(t, all...)
	e := &Enforcer{SysfsRoot: root}
	if err := e.SetDefault(0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"usb1", "usb2"} {
		b, err := os.ReadFile(filepath.Join(root, "bus", "usb", "devices", c, "authorized_default"))
		if err != nil || string(b) != "0" {
			t.Errorf("%s authorized_default = %q, %v, want 0", c, b, err)
		}
	}

	p := DefaultPolicy()
	atBoot := map[string]bool{"usb1": true, "usb2": true, "2-2": true, "1-6": true}
	want := map[string]string{
		"usb1": "1", "usb2": "1", "2-1": "1", // hubs
		"1-1": "0", "1-7": "0", "2-1.3": "0", // storage, until verified
		"1-2": "0", "1-3": "0", "1-4": "0", "1-5": "0",
		"2-2": "1", // keyboard kept at boot
		"1-6": "0", // malformed, was authorized: deauthorized
	}
	wantChanged := map[string]bool{"2-1": true, "1-6": true}
	devs, err := ReadDevices(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		changed, err := e.Apply(d, p.Decide(d, atBoot[d.Name]))
		if err != nil {
			t.Fatal(err)
		}
		if changed != wantChanged[d.Name] {
			t.Errorf("Apply(%s) changed = %v, want %v", d.Name, changed, wantChanged[d.Name])
		}
		if got := readAuthorized(t, root, d.Name); got != want[d.Name] {
			t.Errorf("%s authorized = %s, want %s", d.Name, got, want[d.Name])
		}
	}

	// The second pass, as after the kernel's change events, writes nothing.
	devs, _ = ReadDevices(root)
	for _, d := range devs {
		changed, err := e.Apply(d, p.Decide(d, atBoot[d.Name]))
		if err != nil || changed {
			t.Errorf("second Apply(%s) = %v, %v, want no write", d.Name, changed, err)
		}
	}

	// The echo of the guard's own writes.
	if !e.OwnWrite("2-1", 1) || !e.OwnWrite("1-6", 0) {
		t.Errorf("OwnWrite does not recognise the guard's writes to 2-1 and 1-6")
	}
	if e.OwnWrite("1-6", 1) {
		t.Errorf("OwnWrite(1-6, 1) = true after the guard wrote 0")
	}
	if e.OwnWrite("1-1", 0) {
		t.Errorf("OwnWrite(1-1, 0) = true, but the guard never wrote to 1-1")
	}
	// Another device plugged into the same port has another devnum.
	writeFile(t, filepath.Join(root, "bus", "usb", "devices", "2-1", "devnum"), "42\n")
	if e.OwnWrite("2-1", 1) {
		t.Errorf("OwnWrite(2-1, 1) = true for a new plug-in on the same port")
	}
	e.Forget("1-6")
	if e.OwnWrite("1-6", 0) {
		t.Errorf("OwnWrite(1-6, 0) = true after Forget")
	}
}

func TestSetDefaultNoControllers(t *testing.T) {
	root := writeSysfs(t)
	e := &Enforcer{SysfsRoot: root}
	if err := e.SetDefault(0); !errors.Is(err, ErrNoControllers) {
		t.Errorf("SetDefault on an empty bus = %v, want ErrNoControllers", err)
	}
}

func TestParseDescriptors(t *testing.T) {
	tests := []struct {
		what string
		b    []byte
		want []Interface
		bad  bool
	}{
		{"stick", usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)), []Interface{{8, 6, 0x50}}, false},
		{"alternate setting", usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage, usbdesctest.Interface(0, 1, 3, 1, 1))), []Interface{{8, 6, 0x50}, {3, 1, 1}}, false},
		{"empty", nil, nil, true},
		{"no device descriptor", usbdesctest.Config(1, usbdesctest.Storage), nil, true},
		{"interface before any configuration", usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Storage), nil, true},
		{"configuration too long", usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)[:20]), nil, true},
		{"zero length", usbdesctest.Concat(usbdesctest.Device(0), []byte{0, 4}), nil, true},
		{"second device descriptor", usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Device(0)), nil, true},
	}
	for _, tt := range tests {
		got, err := parseDescriptors(tt.b)
		if (err != nil) != tt.bad || (err != nil && !errors.Is(err, ErrMalformed)) {
			t.Errorf("%s: parseDescriptors error = %v, want malformed %v", tt.what, err, tt.bad)
		}
		if !tt.bad && !cmp.Equal(got, tt.want) {
			t.Errorf("%s: parseDescriptors = %v, want %v", tt.what, got, tt.want)
		}
	}
}

func FuzzParseDescriptors(f *testing.F) {
	f.Add(usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)))
	f.Add(hiddenCDC.desc)
	f.Add(truncated.desc)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ifs, err := parseDescriptors(b)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v is not ErrMalformed", err)
		}
		seen := map[Interface]bool{}
		for _, i := range ifs {
			if seen[i] {
				t.Fatalf("interface %v returned twice", i)
			}
			seen[i] = true
		}
		// Decide must not panic on whatever was read, and must never
		// authorize a device whose descriptors failed to parse.
		d := Device{Name: "1-1", Interfaces: ifs}
		if err != nil {
			d.Unreadable = err.Error()
		}
		if dec := DefaultPolicy().Decide(d, true); err != nil && dec.Action != ActionDeny {
			t.Fatalf("Decide on malformed descriptors = %+v", dec)
		}
	})
}
