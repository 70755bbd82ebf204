package guard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/guard/uevent"
	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/transfer"
)

// publishTransfer writes a signed transfer of files into dir, as a
// station's `sluice scan --out` does, and returns the station's key file.
func publishTransfer(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "station")
	if err := transfer.GenerateKeyFiles(prefix); err != nil {
		t.Fatal(err)
	}
	key, err := transfer.LoadPrivateKey(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	s, err := transfer.Begin(dest, transfer.Options{StationID: "station-1", Expires: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		sum := sha256.Sum256([]byte(data))
		if _, err := s.Add(name, bytes.NewReader([]byte(data)), int64(len(data)), hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
	published, err := s.Publish(key, transfer.Info{Operator: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(published, dir); err != nil {
		t.Fatal(err)
	}
	return prefix + ".pub"
}

// fatLoop images src as FAT32 labelled label on a loop device.
func fatLoop(t *testing.T, src, label string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "stick.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 40<<20); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, "mkfs.vfat", "-F", "32", "-S", "512", "-s", "1", "-n", label, img)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		testenv.Run(t, "mcopy", "-s", "-i", img, filepath.Join(src, e.Name()), "::/")
	}
	dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", img))
	t.Cleanup(func() {
		exec.Command("blockdev", "--setrw", dev).Run() // Attach leaves BLKROSET set
		exec.Command("losetup", "-d", dev).Run()
	})
	return dev
}

// blockBelow records dev as the disk of the USB device u in the tree, where
// usb-storage puts it: <usb>/<usb>:1.0/hostN/targetN:0:0/N:0:0:0/block/<name>.
func blockBelow(t *testing.T, root string, u usbDev, dev string) {
	t.Helper()
	name := filepath.Base(dev)
	size, err := os.ReadFile(filepath.Join("/sys/block", name, "size"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "devices", u.path, u.name()+":1.0", "host9", "target9:0:0", "9:0:0:0", "block", name)
	writeFile(t, filepath.Join(dir, "size"), string(size))
	writeFile(t, filepath.Join(dir, "uevent"), fmt.Sprintf("MAJOR=7\nMINOR=0\nDEVNAME=%s\nDEVTYPE=disk\n", name))
	writeFile(t, filepath.Join(dir, name+"p1", "partition"), "1\n") // a partition: must not be listed
}

func mountedAt(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

// TestStorageOnLoopDevice runs the guard's storage path for real: a
// recorded USB stick whose block device is a real loop device holding a
// FAT32 image, found through sysfs, verified and exposed by guard/media,
// and released when the stick leaves.
func TestStorageOnLoopDevice(t *testing.T) {
	testenv.Root(t, "mounting loop devices")
	testenv.Tools(t, "losetup", "mkfs.vfat", "mcopy", "blkid", "blockdev", "fusefat")
	testenv.LoopDevices(t)

	for _, tt := range []struct {
		name   string
		edit   func(dir string) error
		allow  bool
		reason string
	}{
		{name: "valid", allow: true, reason: "valid"},
		{name: "one file modified", edit: func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "readme-first.txt"), []byte("HELLO\n"), 0o644)
		},
			reason: "changed-file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "drive")
			pub := publishTransfer(t, src, map[string]string{"readme-first.txt": "hello\n", "documents/report-2026.txt": "world\n"})
			if tt.edit != nil {
				if err := tt.edit(src); err != nil {
					t.Fatal(err)
				}
			}
			dev := fatLoop(t, src, "PLANTDATA")
			root := writeSysfs(t, rootHub1, rootHub2, stick)
			blockBelow(t, root, stick, dev)

			sysPath, _ := filepath.EvalSymlinks(filepath.Join(root, "bus", "usb", "devices", "1-1"))
			if disks, err := sysfsDisks("/dev")(sysPath); err != nil || len(disks) != 1 || disks[0] != dev {
				t.Fatalf("sysfsDisks = %v, %v; want [%s]", disks, err, dev)
			}

			cfg := testConfig(t, root)
			base := t.TempDir()
			cfg.WorkDir, cfg.ExposeDir = filepath.Join(base, "verify"), filepath.Join(base, "media")
			t.Cleanup(func() {
				for range 8 {
					if unix.Unmount(cfg.WorkDir, 0) != nil {
						break
					}
				}
			})
			keys, err := transfer.LoadPublicKeys(pub)
			if err != nil {
				t.Fatal(err)
			}
			tg := newTestGuard(t, cfg, nil, nil)
			tg.media = nil
			tg.Guard.media = newMediaVerifier(cfg, keys, slog.New(slog.DiscardHandler))
			tg.Guard.disks = sysfsDisks("/dev")
			tg.start(t)

			want := DecisionMediaBlocked
			if tt.allow {
				want = DecisionMediaAllowed
			}
			r, next := tg.log.waitFor(t, 0, decisionFor("1-1", ""))
			for r.attrs["trigger"] != "media" {
				r, next = tg.log.waitFor(t, next, decisionFor("1-1", ""))
			}
			if r.attrs["decision"] != want || !strings.Contains(r.attrs["reason"], tt.reason) {
				t.Fatalf("media verdict = %v, want %s (%s)", r.attrs, want, tt.reason)
			}
			exposed := filepath.Join(cfg.ExposeDir, "PLANTDATA")
			if !tt.allow {
				if got := attr(t, root, "1-1", "authorized"); got != "0" {
					t.Errorf("authorized = %s, want 0", got)
				}
				if mountedAt(t, exposed) {
					t.Errorf("%s is mounted", exposed)
				}
				return
			}
			if got := attr(t, root, "1-1", "authorized"); got != "1" {
				t.Errorf("authorized = %s, want 1", got)
			}
			if b, err := os.ReadFile(filepath.Join(exposed, "documents", "report-2026.txt")); err != nil || string(b) != "world\n" {
				t.Errorf("exposed documents/report-2026.txt = %q, %v", b, err)
			}
			if err := os.WriteFile(filepath.Join(exposed, "new.txt"), nil, 0o644); err == nil {
				t.Errorf("the exposed drive is writable")
			}
			unplug(t, root, stick)
			tg.src.ch <- usbEvent(uevent.ActionRemove, stick)
			tg.log.waitFor(t, next, msgIs("usb device removed"))
			if mountedAt(t, exposed) {
				t.Errorf("%s still mounted after the stick left", exposed)
			}
		})
	}
}
