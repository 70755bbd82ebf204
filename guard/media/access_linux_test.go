//go:build linux

package media

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/transfer"
)

// The plant users' group of the access tests, and two users: one in that
// group, one outside it. Numbers only: setpriv needs no account.
const (
	plantGID  = 4242
	plantUID  = 65534
	outsider  = 65533
	plantFile = "Report 2024.txt"
)

// ntfsImage makes an NTFS image holding the content of src, written
// through ntfs-3g (the kernel here has no NTFS driver that writes). The
// helper runs in the foreground, so that once it has exited everything
// it wrote is in the image.
func ntfsImage(t *testing.T, src, label string) string {
	t.Helper()
	testenv.Tools(t, "mkntfs", "ntfs-3g", "umount")
	img := filepath.Join(t.TempDir(), "ntfs.img")
	sized(t, img, fatMiB)
	testenv.Run(t, "mkntfs", "-Q", "-F", "-L", label, img)
	dir := t.TempDir()
	cmd := exec.Command("ntfs-3g", "-o", "no_detach", img, dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !slices.Contains(mountsBelow(t, dir, dir), dir); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("ntfs-3g %s did not mount: %s", img, out.String())
		}
	}
	copyTree(t, src, dir)
	testenv.Run(t, "umount", dir)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ntfs-3g: %v: %s", err, out.String())
	}
	return img
}

// ext4Image makes an ext4 image from src with mkfs.ext4 -d, which keeps
// the owners and modes src has, and makes an empty lost+found.
func ext4Image(t *testing.T, src, label string) string {
	t.Helper()
	testenv.Tools(t, "mkfs.ext4")
	img := filepath.Join(t.TempDir(), "ext4.img")
	sized(t, img, fatMiB)
	testenv.Run(t, "mkfs.ext4", "-q", "-F", "-L", label, "-d", src, img)
	return img
}

// An ext4 drive's empty lost+found, which mkfs makes, does not block it;
// a file in it (what fsck leaves) does, as any extra file.
func TestExt4LostFound(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	tr := scanTo(t, st, driveFiles)
	res, err := Check(t.Context(), attachLoop(t, ext4Image(t, tr, "PLANT")), testOptions(t, st.pub))
	if err != nil || !res.Allowed {
		t.Fatalf("Check(ext4 with an empty lost+found) = %v %q %v %+v, want allowed", res.Allowed, res.Reason, err, res.Partitions)
	}

	withFile := t.TempDir()
	copyTree(t, tr, withFile)
	writeTree(t, withFile, map[string]string{"lost+found/#1234": "recovered"})
	res, err = Check(t.Context(), attachLoop(t, ext4Image(t, withFile, "PLANT")), testOptions(t, st.pub))
	if err != nil || res.Allowed || res.Reason != "extra-file" {
		t.Errorf("Check(ext4 with a file in lost+found) = %v %q %v, want blocked: extra-file", res.Allowed, res.Reason, err)
	}
}

// as runs a command as uid with gid as its only group.
func as(uid, gid int, name string, args ...string) (string, error) {
	out, err := exec.Command("setpriv", append([]string{"--reuid=" + strconv.Itoa(uid), "--regid=" + strconv.Itoa(gid), "--clear-groups", "--", name}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// openUp lets every user traverse the folders above dir, up to the
// system's temporary folder: t.TempDir makes them 0700.
func openUp(t *testing.T, dir string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for d := filepath.Clean(dir); d != tmp && d != "/" && strings.HasPrefix(d, tmp+"/"); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExposureAccess: with expose_gid set and the default umask, a valid
// transfer is exposed so that a user of that group reads it, a user
// outside it reads nothing, and nobody writes: on FAT32 and NTFS (owners
// and modes given by the mount) and on ext4 (the drive's own modes,
// behind ExposeDir).
func TestExposureAccess(t *testing.T) {
	requireDrives(t)
	testenv.Tools(t, "setpriv")
	st := newStation(t)
	tr := scanTo(t, st, driveFiles)
	// On ext4 a file the drive marks 0600 stays hidden from the group: the
	// drive's modes apply (they are not signed, and need not be).
	private := t.TempDir()
	copyTree(t, tr, private)
	if err := os.Chmod(filepath.Join(private, "Recipe-Batch7.Json"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		img    func(t *testing.T) string
		hidden string // a file the group must not read, if any
	}{
		{"fat32", func(t *testing.T) string { return fatImage(t, tr, "PLANT") }, ""},
		{"ntfs", func(t *testing.T) string { return ntfsImage(t, tr, "PLANT") }, ""},
		{"ext4", func(t *testing.T) string { return ext4Image(t, private, "PLANT") }, "Recipe-Batch7.Json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dev := attachLoop(t, tt.img(t))
			opts := testOptions(t, st.pub)
			opts.GID = plantGID
			openUp(t, filepath.Dir(opts.ExposeDir))
			e, res, err := Attach(t.Context(), dev, opts)
			if err != nil || e == nil {
				t.Fatalf("Attach = %v %q %v %+v, want exposed", res.Allowed, res.Reason, err, res.Partitions)
			}
			t.Cleanup(func() { e.Release() })
			t.Logf("driver %s", res.Partitions[0].Driver)
			point := e.Points()[0]

			var st unix.Stat_t
			if err := unix.Lstat(opts.ExposeDir, &st); err != nil {
				t.Fatal(err)
			}
			if st.Mode&0o7777 != 0o750 || st.Uid != 0 || st.Gid != plantGID {
				t.Errorf("expose dir = %04o %d:%d, want 0750 0:%d", st.Mode&0o7777, st.Uid, st.Gid, plantGID)
			}

			file := filepath.Join(point, plantFile)
			if out, err := as(plantUID, plantGID, "cat", file); err != nil || out+"\n" != driveFiles[plantFile] {
				t.Errorf("cat as %d:%d = %q %v, want the file", plantUID, plantGID, out, err)
			}
			if out, err := as(plantUID, plantGID, "ls", filepath.Join(point, "Sub Folder")); err != nil || out != "Values Table.csv" {
				t.Errorf("ls as %d:%d = %q %v, want Values Table.csv", plantUID, plantGID, out, err)
			}
			if tt.hidden != "" {
				if out, err := as(plantUID, plantGID, "cat", filepath.Join(point, tt.hidden)); err == nil {
					t.Errorf("cat %s (0600 on the drive) as %d:%d = %q, want refused", tt.hidden, plantUID, plantGID, out)
				}
			}
			for _, p := range []string{file, point, opts.ExposeDir} {
				if out, err := as(outsider, outsider, "ls", p); err == nil || !strings.Contains(out, "Permission denied") {
					t.Errorf("ls %s as %d:%d = %q %v, want permission denied", p, outsider, outsider, out, err)
				}
			}
			if out, err := as(outsider, outsider, "cat", file); err == nil {
				t.Errorf("cat as %d:%d = %q, want refused", outsider, outsider, out)
			}

			// Writes fail for everyone: the group, the owner (root), root.
			for _, who := range [][2]int{{plantUID, plantGID}, {0, 0}} {
				for _, sh := range []string{`echo x >> "$1/` + plantFile + `"`, `echo x > "$1/new.txt"`, `mkdir "$1/new"`, `rm -f "$1/` + plantFile + `"`} {
					if out, err := as(who[0], who[1], "sh", "-c", sh, "sh", point); err == nil {
						t.Errorf("as %d:%d, %s succeeded (%q)", who[0], who[1], sh, out)
					}
				}
			}
			if f, err := os.OpenFile(file, os.O_WRONLY, 0); err == nil {
				f.Close()
				t.Errorf("opened the exposed file for writing")
			} else if !errors.Is(err, unix.EROFS) {
				t.Errorf("open for writing = %v, want EROFS", err)
			}
			if b, _ := os.ReadFile(file); string(b) != driveFiles[plantFile] {
				t.Errorf("file after the writes = %q", b)
			}
		})
	}
}

// TestCheckNTFS: a valid transfer on NTFS (read through ntfs-3g where the
// kernel has no NTFS driver) is allowed, the same with one file changed
// is blocked.
func TestCheckNTFS(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	tr := scanTo(t, st, driveFiles)
	tampered := t.TempDir()
	copyTree(t, tr, tampered)
	writeTree(t, tampered, map[string]string{plantFile: "pressure readings, line 4\n"}) // same size

	for _, tt := range []struct {
		name    string
		src     string
		allowed bool
		reason  string
	}{
		{"valid", tr, true, ReasonValid},
		{"one file changed", tampered, false, ReasonChangedFile},
	} {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			img := ntfsImage(t, tt.src, "CELL 7")
			res, err := Check(t.Context(), img, testOptions(t, st.pub))
			if err != nil {
				t.Fatalf("Check = %v", err)
			}
			if len(res.Partitions) != 1 {
				t.Fatalf("Check found %d volumes, want 1", len(res.Partitions))
			}
			p := res.Partitions[0]
			t.Logf("driver %s: %v %q %v", p.Driver, res.Allowed, res.Reason, p.Problems)
			if res.Allowed != tt.allowed || res.Reason != tt.reason || p.FSType != "ntfs" || p.Label != "CELL 7" {
				t.Errorf("Check = %v %q (%s %q), want %v %q (ntfs \"CELL 7\")", res.Allowed, res.Reason, p.FSType, p.Label, tt.allowed, tt.reason)
			}
			if !tt.allowed && !slices.Contains(kinds(p), transfer.ProblemChangedFile) {
				t.Errorf("problems = %v, want %s", p.Problems, transfer.ProblemChangedFile)
			}
			if l := loopsOf(t, img); l != "" {
				t.Errorf("image still attached: %s", l)
			}
		})
	}
}
