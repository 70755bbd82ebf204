package device

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func noProbe(string) (map[string]string, error) { return nil, errors.New("no probe in tests") }

func testCfg(tree string) Config {
	return Config{SysfsRoot: filepath.Join("testdata", "sysfs", tree), UdevDataDir: "testdata/none", Probe: noProbe}
}

func TestIdentifyRecorded(t *testing.T) {
	tests := []struct {
		tree, dev  string
		bus        string
		ifs        []Interface
		refused    bool
		reasonHas  string
		serial, id string
	}{
		{"stick", "sdb", "usb", []Interface{{8, 6, 0x50}}, false, "", "4C530001230101117592", "0781:5581"},
		{"hid", "sdc", "usb", []Interface{{8, 6, 0x50}, {3, 1, 1}}, true, "keyboard", "EVIL01", "1234:5678"},
		{"cdc", "sdd", "usb", []Interface{{8, 6, 0x50}, {2, 6, 0}, {0x0a, 0, 0}}, true, "CDC", "GADGET", "1d6b:0104"},
		{"truncated", "sde", "usb", []Interface{{8, 6, 0x50}}, true, "malformed", "", "dead:beef"},
		{"stick", "sda", "", nil, false, "", "", ":"},
	}
	for _, tt := range tests {
		d, err := Identify(testCfg(tt.tree), "/dev/"+tt.dev)
		if err != nil {
			t.Fatalf("Identify(%s, %s) = %v", tt.tree, tt.dev, err)
		}
		if d.Bus != tt.bus || d.Serial != tt.serial || d.VendorID+":"+d.ProductID != tt.id {
			t.Errorf("Identify(%s, %s) bus, serial, ids = %q, %q, %s:%s, want %q, %q, %s", tt.tree, tt.dev, d.Bus, d.Serial, d.VendorID, d.ProductID, tt.bus, tt.serial, tt.id)
		}
		if diff := cmp.Diff(tt.ifs, d.Interfaces); diff != "" {
			t.Errorf("Identify(%s, %s) interfaces (-want +got):\n%s", tt.tree, tt.dev, diff)
		}
		refused, reason := d.Refusal()
		if refused != tt.refused || !strings.Contains(reason, tt.reasonHas) {
			t.Errorf("%s %s: Refusal() = %v, %q, want %v with %q", tt.tree, tt.dev, refused, reason, tt.refused, tt.reasonHas)
		}
		if d.Device != "/dev/"+tt.dev || d.Size == 0 || len(d.Partitions) == 0 {
			t.Errorf("Identify(%s, %s) = %+v, want device, size and partitions", tt.tree, tt.dev, d)
		}
	}
}

func TestIdentifyRecordedRejects(t *testing.T) {
	if _, err := Identify(testCfg("stick"), "sdb1"); !errors.Is(err, ErrNotBlock) {
		t.Errorf("Identify(sdb1) = %v, want ErrNotBlock", err)
	}
	if _, err := Identify(testCfg("keyboard"), "sdz"); err == nil {
		t.Errorf("Identify(keyboard, sdz) = nil error, want one")
	}
	// The tracker's initial scan ignores the keyboard (no disk), the SATA
	// disk and the empty loop device; it keeps only the stick.
	for tree, want := range map[string]int{"keyboard": 0, "stick": 1, "hid": 1} {
		tr := newTracker(testCfg(tree).withDefaults())
		tr.cfg.AcceptLoop = true
		n := 0
		for _, name := range tr.disks() {
			evs, _ := tr.settle(name)
			n += len(evs)
		}
		if n != want {
			t.Errorf("initial scan of %s: %d events, want %d", tree, n, want)
		}
	}
}

func TestUdevProperties(t *testing.T) {
	cfg := testCfg("stick")
	cfg.UdevDataDir = t.TempDir()
	db := "S:disk/by-id/usb-x\nE:ID_BUS=usb\nE:ID_SERIAL=From_Udev\nE:ID_USB_INTERFACES=:080650:e00101:\nE:ID_FS_TYPE=vfat\n"
	if err := os.WriteFile(filepath.Join(cfg.UdevDataDir, "b8:16"), []byte(db), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Identify(cfg, "sdb")
	if err != nil {
		t.Fatal(err)
	}
	if refused, reason := d.Refusal(); !refused || !strings.Contains(reason, "wireless") {
		t.Errorf("Refusal() with ID_USB_INTERFACES wireless = %v, %q, want refused", refused, reason)
	}
	if d.Serial != "4C530001230101117592" {
		t.Errorf("Serial = %q, want the USB serial from sysfs first", d.Serial)
	}
}

func TestDiskOf(t *testing.T) {
	for _, tt := range []struct{ path, typ, disk string }{
		{"/devices/virtual/block/loop3/loop3p1", "partition", "loop3"},
		{"/devices/virtual/block/loop3", "disk", "loop3"},
		{"/devices/pci0000:00/x/block/sdb/sdb2", "partition", "sdb"},
	} {
		if got, _ := diskOf(tt.path, tt.typ); got != tt.disk {
			t.Errorf("diskOf(%s) = %s, want %s", tt.path, got, tt.disk)
		}
	}
}

// TestSettleAwaitsAnnouncement: a medium that sysfs shows before any of
// its events arrived (its DISKSEQ is newer than every one announced) is
// put off for one more quiet period, and identified once its event comes,
// or after that period all the same.
func TestSettleAwaitsAnnouncement(t *testing.T) {
	root := copyTree(t, "stick")
	setSeq := func(seq string) {
		if err := os.WriteFile(filepath.Join(root, "class", "block", "sdb", "diskseq"), []byte(seq+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testCfg("stick")
	cfg.SysfsRoot = root
	settle := func(tr *tracker) (int, bool) {
		evs, again := tr.settle("sdb")
		return len(evs), again
	}

	tr := newTracker(cfg.withDefaults())
	setSeq("41")
	tr.announce("sdb", "40") // the last event named the medium before
	if n, again := settle(tr); n != 0 || !again {
		t.Fatalf("settle with diskseq 41 after events up to 40 = %d events, again %v; want none, again", n, again)
	}
	tr.announce("sdb", "41")
	if n, again := settle(tr); n != 1 || again {
		t.Errorf("settle once 41 was announced = %d events, again %v; want the insertion", n, again)
	}

	tr = newTracker(cfg.withDefaults())
	tr.announce("sdb", "40")
	tr.announce("sdb", "not a number") // ignored
	settle(tr)
	if n, again := settle(tr); n != 1 || again {
		t.Errorf("second settle of a medium never announced = %d events, again %v; want the insertion", n, again)
	}

	tr = newTracker(cfg.withDefaults())
	tr.announce("sdb", "41")
	if n, again := settle(tr); n != 1 || again {
		t.Errorf("settle of an announced medium = %d events, again %v; want the insertion at once", n, again)
	}
}

// TestSettleAwaitsPartitions: a disk whose partition table shows no
// partitions yet (a loop device before partx) is given a few more quiet
// periods for them to appear, then reported as it is.
func TestSettleAwaitsPartitions(t *testing.T) {
	root := copyTree(t, "stick")
	sdb, err := filepath.EvalSymlinks(filepath.Join(root, "class", "block", "sdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(sdb, "sdb1")); err != nil {
		t.Fatal(err)
	}
	cfg := testCfg("stick")
	cfg.SysfsRoot = root
	cfg.Probe = func(string) (map[string]string, error) { return map[string]string{"PTTYPE": "dos"}, nil }
	cfg.DevRoot = t.TempDir() // the probe runs only on a device node that exists
	if err := os.WriteFile(filepath.Join(cfg.DevRoot, "sdb"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tr := newTracker(cfg.withDefaults())
	for i := range maxTableWaits {
		if evs, again := tr.settle("sdb"); len(evs) != 0 || !again {
			t.Fatalf("settle %d of a table without partitions = %d events, again %v; want none, again", i+1, len(evs), again)
		}
	}
	evs, again := tr.settle("sdb")
	if len(evs) != 1 || again || evs[0].Drive.PartitionTable != "dos" || len(evs[0].Drive.Partitions) != 0 {
		t.Fatalf("settle after %d waits = %+v, again %v; want the insertion of a drive with an empty dos table", maxTableWaits, evs, again)
	}

	// A partition that appears while the disk waits ends the wait.
	root = copyTree(t, "stick")
	cfg.SysfsRoot = root
	tr = newTracker(cfg.withDefaults())
	evs, again = tr.settle("sdb")
	if len(evs) != 1 || again || len(evs[0].Drive.Partitions) != 1 {
		t.Errorf("settle of a disk with its partition = %+v, again %v; want the insertion at once", evs, again)
	}
}

// copyTree copies the recorded sysfs tree name to a temporary folder.
func copyTree(t *testing.T, name string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "sysfs")
	if out, err := exec.Command("cp", "-a", filepath.Join("testdata", "sysfs", name), root).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	return root
}

// TestReadOnlyBeforeProbe: a drive the station takes is set read-only
// before it is probed, and not probed at all when that fails; the
// station's own disks are neither.
func TestReadOnlyBeforeProbe(t *testing.T) {
	root := copyTree(t, "stick")
	sdb, err := filepath.EvalSymlinks(filepath.Join(root, "class", "block", "sdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(sdb, "sdb1")); err != nil { // a superfloppy: the disk is probed
		t.Fatal(err)
	}
	var calls []string
	cfg := testCfg("stick")
	cfg.SysfsRoot, cfg.DevRoot = root, t.TempDir()
	for _, n := range []string{"sda", "sdb"} {
		if err := os.WriteFile(filepath.Join(cfg.DevRoot, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Probe = func(dev string) (map[string]string, error) {
		calls = append(calls, "probe "+filepath.Base(dev))
		return map[string]string{"TYPE": "vfat"}, nil
	}
	roErr := error(nil)
	cfg.ReadOnly = func(dev string) error {
		calls = append(calls, "read-only "+filepath.Base(dev))
		return roErr
	}
	d, err := Identify(cfg, "sdb")
	if err != nil || len(d.Partitions) != 1 || d.Partitions[0].FSType != "vfat" {
		t.Fatalf("Identify(sdb) = %+v, %v; want one vfat volume", d, err)
	}
	if want := []string{"read-only sdb", "probe sdb"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}

	calls, roErr = nil, errors.New("BLKROSET: no")
	if d, err := Identify(cfg, "sdb"); err != nil || len(d.Partitions) != 0 {
		t.Errorf("Identify(sdb) when read-only fails = %+v, %v; want the drive without volumes", d, err)
	}
	if want := []string{"read-only sdb"}; !slices.Equal(calls, want) {
		t.Errorf("calls when read-only fails = %q, want %q (no probe)", calls, want)
	}

	calls = nil
	if _, err := Identify(cfg, "sda"); err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if strings.HasPrefix(c, "read-only") {
			t.Errorf("the station's own disk sda was set read-only: %q", calls)
		}
	}
}
