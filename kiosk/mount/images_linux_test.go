//go:build linux

package mount

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// longName is a name FAT keeps only as a long (VFAT) entry.
const longName = "A rather long file name, with spaces.txt"

// testFiles is what every test filesystem holds.
var testFiles = map[string]string{
	"readme.txt": "hello from the drive\n",
	longName:     "long names survive\n",
}

func requireLoop(t *testing.T, tools ...string) {
	t.Helper()
	testenv.Root(t, "mounting loop devices")
	testenv.Tools(t, append([]string{"losetup", "sfdisk", "umount", "blockdev"}, tools...)...)
	testenv.LoopDevices(t)
}

// newDisk creates a sizeMiB image, partitions it with the sfdisk script
// (none if empty), attaches it with partition scanning and returns the
// image path and the loop device. Cleanup detaches it.
func newDisk(t *testing.T, sizeMiB int64, script string) (img, dev string) {
	t.Helper()
	img = filepath.Join(t.TempDir(), "drive.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, sizeMiB<<20); err != nil {
		t.Fatal(err)
	}
	if script != "" {
		cmd := exec.Command("sfdisk", "-q", img)
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sfdisk: %v\n%s", err, out)
		}
	}
	dev = strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", "-P", img))
	attachCleanup(t, dev)
	if script != "" {
		// The test kernel has no partition-table parsers
		// (CONFIG_MSDOS_PARTITION and CONFIG_EFI_PARTITION unset), so -P
		// finds nothing; partx reads the table in user space and adds the
		// partitions with BLKPG.
		testenv.Tools(t, "partx")
		testenv.Run(t, "partx", "-a", dev)
	}
	return img, dev
}

// part waits for partition n of dev to appear and returns its path.
func part(t *testing.T, dev string, n int) string {
	t.Helper()
	p := dev + "p" + string(rune('0'+n))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("partition %s did not appear", p)
	return ""
}

// mkfs builds a filesystem of fstype on dev holding testFiles.
func mkfs(t *testing.T, fstype, dev string) {
	t.Helper()
	src := t.TempDir()
	for name, body := range testFiles {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	switch fstype {
	case "ext4":
		testenv.Run(t, "mkfs.ext4", "-q", "-F", "-d", src, dev)
	case "vfat":
		testenv.Run(t, "mkfs.vfat", "-F", "32", "-S", "512", "-s", "1", dev)
		for name := range testFiles {
			testenv.Run(t, "mcopy", "-i", dev, filepath.Join(src, name), "::"+name)
		}
	case "exfat", "ntfs", "xfs":
		switch fstype {
		case "exfat":
			testenv.Run(t, "mkfs.exfat", dev)
		case "ntfs":
			testenv.Run(t, "mkntfs", "-Q", "-F", dev)
		case "xfs":
			testenv.Run(t, "mkfs.xfs", "-q", "-f", dev)
		}
		// Filled through a read-write mount, before the test sets
		// anything read-only.
		dir := t.TempDir()
		switch fstype {
		case "exfat":
			testenv.Run(t, "mount.exfat-fuse", dev, dir)
		case "ntfs":
			testenv.Run(t, "ntfs-3g", dev, dir)
		default:
			testenv.Run(t, "mount", "-t", fstype, dev, dir)
		}
		for name, body := range testFiles {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		testenv.Run(t, "umount", dir)
		waitNoMount(t, dir)
	default:
		t.Fatalf("mkfs: no recipe for %s", fstype)
	}
	// Write the device's cache through to the image now. Closing the
	// device does that only on its last close, and a udevd probing it
	// (a watch on block devices) may still hold it open; a test then hashed
	// the image before its filesystem had reached it.
	testenv.Run(t, "blockdev", "--flushbufs", dev)
}

// waitNoMount waits for a FUSE helper to let go of dir's mount.
func waitNoMount(t *testing.T, dir string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !mounted(dir) {
			return
		}
	}
	t.Fatalf("%s still mounted", dir)
}

func hashFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func newMounter(t *testing.T) *Mounter {
	t.Helper()
	return &Mounter{Root: filepath.Join(t.TempDir(), "media"), UID: 1000, GID: 1000, Timeout: 20 * time.Second}
}

// mustMount mounts and registers Release as cleanup.
func mustMount(t *testing.T, m *Mounter, sess, disk string, targets ...Target) []Mounted {
	t.Helper()
	start := time.Now()
	got, err := m.Mount(t.Context(), sess, disk, targets)
	if err != nil {
		t.Fatalf("Mount(%s) = %v", sess, err)
	}
	t.Logf("mounted %d target(s) in %v", len(targets), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() { m.Release(sess) })
	return got
}

// checkClean fails if anything of m is still mounted, running or present.
func checkClean(t *testing.T, m *Mounter, pids []int) {
	t.Helper()
	pts, err := mountsUnder(m.Root)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) > 0 {
		t.Errorf("still mounted under %s: %v", m.Root, pts)
	}
	ents, _ := os.ReadDir(m.Root)
	for _, e := range ents {
		t.Errorf("left behind: %s", filepath.Join(m.Root, e.Name()))
	}
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("FUSE helper %d still exists (running or zombie)", pid)
		}
	}
}

// helperPids lists the FUSE helper pids of a session.
func helperPids(m *Mounter, sess string) []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var pids []int
	if s := m.sessions[sess]; s != nil {
		for _, e := range s.mounts {
			if e.helper != nil {
				pids = append(pids, e.helper.cmd.Process.Pid)
			}
		}
	}
	return pids
}

// newDiskFrom attaches an existing image.
func newDiskFrom(t *testing.T, img string) (string, string) {
	t.Helper()
	testenv.LoopDevices(t)
	dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", "-P", img))
	attachCleanup(t, dev)
	return img, dev
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// attachCleanup clears the read-only flags the test set on dev and its
// partitions (they outlive the detach and would break the next user of
// the loop device), then detaches it.
func attachCleanup(t *testing.T, dev string) {
	t.Helper()
	// A free loop device may still carry the flag from a crashed run.
	setReadOnly(dev, false)
	t.Cleanup(func() {
		parts, _ := filepath.Glob(dev + "p*")
		for _, p := range parts {
			setReadOnly(p, false)
		}
		setReadOnly(dev, false)
		exec.Command("losetup", "-d", dev).Run()
		setReadOnly(dev, false) // a yanked device detached itself already
	})
}
