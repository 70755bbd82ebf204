package uevent

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// TestKernelEvents reads real uevents: attaching an image to a loop
// device makes the kernel announce a `change` of that block device, and
// writing "change" to its sysfs uevent file makes it send another.
func TestKernelEvents(t *testing.T) {
	testenv.Root(t, "attaching loop devices and writing sysfs uevent files")
	testenv.Tools(t, "losetup")
	testenv.LoopDevices(t)

	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan Event, 1024)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, func(ev Event) { events <- ev }, func() { t.Error("events lost") }) }()

	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", img))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	name := filepath.Base(dev)
	devpath := "/devices/virtual/block/" + name

	// waitFor returns the first event for the loop device with action,
	// skipping the machine's other events.
	waitFor := func(action string, match func(Event) bool) Event {
		t.Helper()
		for ev := range events {
			if ev.DevPath == devpath && ev.Action == action && match(ev) {
				return ev
			}
		}
		t.Fatalf("no %s event for %s", action, devpath)
		return Event{}
	}
	ev := waitFor(ActionChange, func(Event) bool { return true })
	if ev.Subsystem != "block" || ev.DevType != "disk" || ev.Env["DEVNAME"] != name || ev.SeqNum == 0 {
		t.Errorf("attach event = %+v", ev)
	}
	// A synthetic event carries the UUID written after the action.
	const uuid = "5c1ce000-0000-4000-8000-000000000007"
	if err := os.WriteFile(filepath.Join("/sys/block", name, "uevent"), []byte("change "+uuid), 0); err != nil {
		t.Fatal(err)
	}
	ev2 := waitFor(ActionChange, func(e Event) bool { return e.Env["SYNTH_UUID"] == uuid })
	if ev2.SeqNum <= ev.SeqNum {
		t.Errorf("SEQNUM %d after %d: not increasing", ev2.SeqNum, ev.SeqNum)
	}

	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}
}

// TestRunCancelledIdle: Run returns on cancel even when no event comes.
func TestRunCancelledIdle(t *testing.T) {
	c, err := Open()
	if err != nil {
		testenv.Require(t, "cannot open a uevent socket here: "+err.Error())
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Run(ctx, func(Event) {}, nil); err != context.Canceled {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}
