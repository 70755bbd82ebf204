// End-to-end tests of the station daemon: the real sluiced binary, run as
// a subprocess with a generated configuration, driven with real loop
// images through the real udev path, and followed through its API.
//
// Isolation. A daemon with accept_loop_devices = true takes every loop
// device on the machine: it would set other tests' loop devices read-only
// and mount them (go test ./... runs packages side by side, and kiosk/mount
// and kiosk/device attach loop devices). So these daemons run with
// accept_loop_devices = false, and a test-only udev rule gives USB identity
// (ID_BUS=usb, a serial, a mass-storage interface) to this suite's images
// only, matched by their backing file. That is the production path: a
// drive is taken because udev says it is USB storage. make demo covers
// accept_loop_devices = true on the kernel uevent source.
//
// A drive that is not only storage (BadUSB) is covered through udev too
// (TestRefusedDrive): loop devices expose no USB interfaces, so a second
// test rule gives one image the ID_USB_INTERFACES of a stick that is also a
// keyboard. kiosk/device tests the raw-descriptor path (Identify and
// Refusal on recorded sysfs trees).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// bins holds the binaries TestMain built, or why it could not.
var bins struct {
	sluiced, sluice string
	err             error
}

// udev is the udevd and test rule the suite set up, on first use.
var udev struct {
	once sync.Once
	err  error  // why the udev path is unavailable
	stop func() // undoes the setup; nil until set up
}

const (
	udevRule = "/etc/udev/rules.d/99-sluiced-e2e.rules"
	// imagePrefix starts the name of every drive image of this suite, in
	// a directory whose name starts with workPrefix; the udev rule
	// matches both, and nothing else.
	workPrefix  = "sluiced-e2e-"
	imagePrefix = "drive-"
	testSerial  = "TEST_STICK_0001"
)

// rule makes this suite's loop images look like a USB stick with one
// mass-storage interface (class 08, SCSI, bulk-only), as usb_id would
// describe a real one; without the interface the station refuses it.
//
// It also stops udevd from watching loop devices, all of them, while the
// suite runs. The watch re-reads a disk's partition table (BLKRRPART)
// when a tool closes it after opening it for writing, as losetup does on
// attach and detach. This kernel has no partition-table parsers, so that
// drops the partitions partx added, at a random moment: about one attach
// in 25 here lost its partitions before the station saw them. A loop
// device may be reused at once, so the watch cannot be limited to this
// suite's images.
var rule = `SUBSYSTEM=="block", KERNEL=="loop[0-9]*", ENV{DEVTYPE}=="disk", ` +
	`ATTR{loop/backing_file}=="*/` + workPrefix + `*/` + imagePrefix + `*", ` +
	`ENV{ID_BUS}="usb", ENV{ID_SERIAL}="` + testSerial + `", ENV{ID_VENDOR}="Sluice", ENV{ID_MODEL}="E2E_Stick", ` +
	`ENV{ID_USB_INTERFACES}=":080650:"` + "\n" +
	`SUBSYSTEM=="block", KERNEL=="loop[0-9]*", OPTIONS+="nowatch"` + "\n"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sluiced-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bins.err = build(dir)
	defer func() {
		if udev.stop != nil {
			udev.stop()
		}
	}()
	return m.Run()
}

// build compiles sluiced and sluice once for every test. Under -race the
// daemon is built with the race detector too, so that the end-to-end runs
// check it.
func build(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go tool is not in PATH: %w", err)
	}
	args := []string{"build", "-o", dir + "/",
		"-ldflags", "-X main.Version=e2e-test -X github.com/sluice-ot/sluice/cmd/sluice/cli.Version=e2e-test"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "github.com/sluice-ot/sluice/cmd/sluiced", "github.com/sluice-ot/sluice/cmd/sluice")
	out, err := exec.Command(goBin, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	bins.sluiced, bins.sluice = filepath.Join(dir, "sluiced"), filepath.Join(dir, "sluice")
	return nil
}

// requireStation checks what every test here needs: root, the tools that
// build images, the binaries and a running udevd with the test rule.
func requireStation(t *testing.T) {
	t.Helper()
	testenv.Root(t, "running sluiced on loop devices")
	testenv.Tools(t, "losetup", "partx", "sfdisk", "blkid", "mkfs.ext4", "mformat", "mcopy", "fusefat", "udevadm")
	// Before the test udev rule and udevd: no other test process may use
	// loop devices while this one runs.
	testenv.LoopDevices(t)
	if bins.err != nil {
		t.Fatalf("building the binaries: %v", bins.err)
	}
	udev.once.Do(func() { udev.stop, udev.err = testenv.UdevRule(udevRule, rule) })
	if udev.err != nil {
		testenv.Require(t, "the udev path is not available: "+udev.err.Error())
	}
	if !testenv.UdevAnswers() {
		// Another package's test may have stopped a udevd it started.
		t.Fatal("systemd-udevd stopped answering during the suite")
	}
}
