package device

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// partitionedImage writes a 64 MiB image with a DOS table, an ext4
// partition 1 (16 MiB at 1 MiB) and an empty partition 2. The filesystem is
// made in the file, so attaching is the only thing that touches devices.
func partitionedImage(t *testing.T) string {
	t.Helper()
	testenv.Root(t, "attaching loop devices")
	testenv.Tools(t, "losetup", "sfdisk", "partx", "mkfs.ext4", "blkid")
	testenv.LoopDevices(t)
	img := filepath.Join(t.TempDir(), "stick.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 64<<20); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sfdisk", "-q", img)
	cmd.Stdin = strings.NewReader("label: dos\nstart=2048, size=32768, type=83\nstart=34816, type=83\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	testenv.Run(t, "mkfs.ext4", "-q", "-F", "-L", "STICK", "-E", "offset=1048576", img, "16M")
	return img
}

func attach(t *testing.T, img string) string {
	t.Helper()
	dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", "-P", img))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	// Some kernels (this project's CI among them) are built without
	// partition table parsers, so -P finds nothing; partx reads the table
	// in user space and adds the partitions with BLKPG.
	if _, err := os.Stat("/sys/class/block/" + filepath.Base(dev) + "p1"); err != nil {
		testenv.Run(t, "partx", "-a", dev)
	}
	return dev
}

// run starts a watcher and returns its events.
func run(t *testing.T, cfg Config) (*Watcher, <-chan Event) {
	t.Helper()
	w, err := NewWatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Event, 16)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	return w, out
}

// next waits for the next event about dev, ignoring other devices (other
// tests may attach loop devices at the same time).
func next(t *testing.T, ch <-chan Event, dev string, wait time.Duration) (Event, bool) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-ch:
			if ev.Drive.Device == dev {
				return ev, true
			}
		case <-timeout:
			return Event{}, false
		}
	}
}

func checkInserted(t *testing.T, ev Event, ok bool, dev string) {
	t.Helper()
	if !ok || ev.Kind != Inserted {
		t.Fatalf("after attaching %s: event %v, %v, want Inserted", dev, ev.Kind, ok)
	}
	p := ev.Drive.Partitions
	if len(p) != 2 || p[0].Device != dev+"p1" || p[0].FSType != "ext4" || p[0].FSLabel != "STICK" || p[1].Number != 2 {
		t.Errorf("Inserted %s partitions = %+v, want p1 ext4 STICK and p2", dev, p)
	}
}

func TestWatchKernelLoop(t *testing.T) {
	img := partitionedImage(t)
	// Three seconds of quiet: partx adds the partitions after losetup
	// returns, where a kernel with partition parsers adds them during the
	// attach. On a loaded 2-core machine one second was seen to be too
	// short for losetup and partx together.
	w, events := run(t, Config{AcceptLoop: true, Settle: 3 * time.Second})
	if w.Source() != "kernel" {
		t.Fatalf("Source() = %s, want kernel", w.Source())
	}
	dev := attach(t, img)
	ev, ok := next(t, events, dev, 10*time.Second)
	checkInserted(t, ev, ok, dev)
	if ev.Drive.Bus != "loop" {
		t.Errorf("Bus = %q, want loop", ev.Drive.Bus)
	}
	// A burst of change events on a present drive reports nothing new.
	for i := 0; i < 5; i++ {
		os.WriteFile("/sys/class/block/"+filepath.Base(dev)+"/uevent", []byte("change"), 0)
	}
	if ev, ok := next(t, events, dev, 1500*time.Millisecond); ok {
		t.Errorf("after a burst of change events: %v, want nothing", ev.Kind)
	}
	testenv.Run(t, "losetup", "-d", dev)
	if ev, ok := next(t, events, dev, 10*time.Second); !ok || ev.Kind != Removed {
		t.Fatalf("after detaching %s: %v, %v, want Removed", dev, ev.Kind, ok)
	}
	// Another test may attach its own image to the freed device at once,
	// so only a second Removed is a duplicate.
	if ev, ok := next(t, events, dev, time.Second); ok && ev.Kind == Removed {
		t.Errorf("after Removed: %v, want nothing", ev.Kind)
	}
}

func TestWatchPresentAtStart(t *testing.T) {
	dev := attach(t, partitionedImage(t))
	_, events := run(t, Config{AcceptLoop: true, Settle: 300 * time.Millisecond})
	ev, ok := next(t, events, dev, 10*time.Second)
	checkInserted(t, ev, ok, dev)
	if ev, ok := next(t, events, dev, time.Second); ok {
		t.Errorf("second event for a drive present at start: %v, want nothing", ev.Kind)
	}
}

// TestWatchUdev runs the real udev path: systemd-udevd with a test-only
// rule that makes loop devices look like a USB stick. AcceptLoop is off,
// so the drive is reported only because udev says ID_BUS=usb.
func TestWatchUdev(t *testing.T) {
	img := partitionedImage(t)
	testenv.Tools(t, "udevadm")
	// nowatch: udevd's watch would re-read the partition table when
	// losetup closes the device, dropping the partitions partx added
	// (this kernel parses no partition tables itself).
	stop, err := testenv.UdevRule("/etc/udev/rules.d/99-sluice-test.rules",
		`SUBSYSTEM=="block", KERNEL=="loop[0-9]*", ENV{ID_BUS}="usb", ENV{ID_SERIAL}="TEST_STICK_0001", OPTIONS+="nowatch"`+"\n")
	t.Cleanup(stop)
	if err != nil {
		testenv.Require(t, "the udev path is not available: "+err.Error())
	}

	w, events := run(t, Config{PreferUdev: true, Settle: 500 * time.Millisecond})
	if w.Source() != "udev" {
		t.Fatalf("Source() = %s, want udev", w.Source())
	}
	dev := attach(t, img)
	ev, ok := next(t, events, dev, 15*time.Second)
	checkInserted(t, ev, ok, dev)
	if ev.Drive.Bus != "usb" || ev.Drive.Serial != "TEST_STICK_0001" {
		t.Errorf("Inserted bus, serial = %q, %q, want usb, TEST_STICK_0001", ev.Drive.Bus, ev.Drive.Serial)
	}
	// The filesystem type came from udev's ID_FS_TYPE, not from blkid.
	cfg := Config{Probe: noProbe}
	if d, err := Identify(cfg, dev); err != nil || len(d.Partitions) == 0 || d.Partitions[0].FSType != "ext4" {
		t.Errorf("Identify(%s) without a probe = %+v, %v, want ext4 from the udev database", dev, d.Partitions, err)
	}
	testenv.Run(t, "losetup", "-d", dev)
	if ev, ok := next(t, events, dev, 15*time.Second); !ok || ev.Kind != Removed {
		t.Fatalf("after detaching %s: %v, %v, want Removed", dev, ev.Kind, ok)
	}
}

// TestWatcherSource: with PreferUdev, the watcher takes udev's events only
// while a udevd listens on the control socket, and falls back to the
// kernel's when the socket is gone or is a file left by a killed udevd.
func TestWatcherSource(t *testing.T) {
	control := filepath.Join(t.TempDir(), "control")
	source := func(prefer bool) string {
		w, err := NewWatcher(Config{PreferUdev: prefer, UdevControl: control, UdevDataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return w.Source()
	}
	if got := source(true); got != "kernel" {
		t.Errorf("Source() with no udevd socket = %s, want kernel", got)
	}
	ln, err := net.Listen("unixpacket", control)
	if err != nil {
		t.Fatal(err)
	}
	if got := source(true); got != "udev" {
		t.Errorf("Source() with a udevd listening = %s, want udev", got)
	}
	if got := source(false); got != "kernel" {
		t.Errorf("Source() without PreferUdev = %s, want kernel", got)
	}
	// A killed udevd leaves its socket file behind, with nobody listening.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(control); err != nil {
		t.Fatalf("the stale socket file is gone: %v", err)
	}
	if got := source(true); got != "kernel" {
		t.Errorf("Source() with a stale socket file = %s, want kernel", got)
	}
}
