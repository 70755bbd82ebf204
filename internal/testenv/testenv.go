// Package testenv is for tests that need something of the machine: root,
// a system tool, loop devices, or the real-world rule sets kept beside the
// repository. Such a test skips with the reason when the thing is missing,
// except under CI (SLUICE_REQUIRE_INTEGRATION=1), where the skip would hide
// a check that never ran, so it fails instead.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Require skips t with reason, or fails it under SLUICE_REQUIRE_INTEGRATION=1.
func Require(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("SLUICE_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("SLUICE_REQUIRE_INTEGRATION=1 but %s", reason)
	}
	t.Skip(reason)
}

// Root requires that the test runs as root.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Require(t, why+" needs root")
	}
}

// Tools requires commands on PATH (make deps installs them).
func Tools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			Require(t, n+" is not installed (make deps installs it)")
		}
	}
}

// SharedDir is the real-world material beside the repository:
// $SLUICE_SHARED, or ../shared from the module root.
func SharedDir() string {
	if d := os.Getenv("SLUICE_SHARED"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0) // .../internal/testenv/testenv.go
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
}

// SharedPath returns a path below SharedDir, requiring that it exists.
func SharedPath(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(SharedDir(), rel)
	if _, err := os.Stat(p); err != nil {
		Require(t, "shared material not available: "+err.Error())
	}
	return p
}

// Run runs a command and returns its combined output, failing t on error.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var (
	loopOnce sync.Once
	loopErr  error
	loopLock *os.File
)

// LoopDevices serialises tests that attach loop devices, across every
// test process on the machine (go test runs packages in parallel). Loop
// devices are a shared, global resource: a station daemon under test
// takes any loop device as a drive and sets it read-only, and a test udev
// rule relabels them all. The first call in a process takes an exclusive
// lock that the process holds until it exits, so nested and repeated
// calls cannot deadlock.
func LoopDevices(t testing.TB) {
	t.Helper()
	loopOnce.Do(func() {
		f, err := os.OpenFile(filepath.Join(os.TempDir(), "sluice-loop-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			loopErr = err
			return
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			loopErr = err
			return
		}
		loopLock = f // held open, and locked, for the life of the process
	})
	if loopErr != nil {
		t.Fatalf("loop device lock: %v", loopErr)
	}
	// loopLock is a package variable so that the file, and the lock with
	// it, is never finalized; this read only tells linters it is used.
	runtime.KeepAlive(loopLock)
}

// LoopExt4 mounts a fresh ext4 filesystem of sizeMiB on a loop device,
// with mount options opts, and returns its mount point. Cleanup unmounts it
// and detaches the loop device.
func LoopExt4(t testing.TB, sizeMiB int64, opts string) string {
	t.Helper()
	Root(t, "a loop-device filesystem")
	Tools(t, "losetup", "mkfs.ext4", "mount", "umount", "blockdev")
	LoopDevices(t)
	img := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, sizeMiB<<20); err != nil {
		t.Fatal(err)
	}
	Run(t, "mkfs.ext4", "-q", "-F", "-m", "0", img)
	dev := strings.TrimSpace(Run(t, "losetup", "-f", "--show", img))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	// A station session may have left this loop device's read-only flag
	// set (it outlives a detach); this filesystem must be writable.
	Run(t, "blockdev", "--setrw", dev)
	mnt := t.TempDir()
	Run(t, "mount", "-t", "ext4", "-o", opts, dev, mnt)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", mnt, err, out)
		}
	})
	return mnt
}
