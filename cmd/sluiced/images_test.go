package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/internal/testenv"
)

// volume is one filesystem of a drive image.
type volume struct {
	// fs is ext4, vfat (FAT32), exfat or ntfs; broken-ext4 is an ext4
	// whose group descriptors are wiped (blkid still says ext4, mount
	// fails); garbage holds no filesystem at all.
	fs    string
	label string
	mib   int64
	files []corpus.File
}

// image is a drive image file and what it holds.
type image struct {
	path  string
	table bool // an MBR partition table, one partition per volume
	vols  []volume
}

// newImage builds a drive image in the work directory, named so that the
// test udev rule takes it for a USB stick. With table, it holds an MBR
// partition table and one partition per volume from 1 MiB on; without,
// its only volume fills the whole image (a superfloppy). Each volume is
// made in a file of its own, without a loop device where the tools allow,
// and copied into place.
func (s *station) newImage(name string, table bool, vols ...volume) *image {
	t := s.t
	t.Helper()
	if !table && len(vols) != 1 {
		t.Fatalf("image %s: a superfloppy holds exactly one volume", name)
	}
	img := &image{path: filepath.Join(s.dir, imagePrefix+name+".img"), table: table, vols: vols}
	work := filepath.Join(s.dir, "build-"+name)
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	if !table {
		buildVolume(t, vols[0], img.path, work)
		return img
	}
	size := int64(2) // MiB: the table's first MiB and a spare one at the end
	var script strings.Builder
	script.WriteString("label: dos\n")
	start := int64(1)
	for _, v := range vols {
		fmt.Fprintf(&script, "start=%dMiB, size=%dMiB, type=%s\n", start, v.mib, partType(v.fs))
		start += v.mib
		size += v.mib
	}
	truncate(t, img.path, size<<20)
	cmd := exec.Command("sfdisk", "--quiet", img.path)
	cmd.Stdin = strings.NewReader(script.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk %s: %v\n%s", img.path, err, out)
	}
	start = 1
	for i, v := range vols {
		vol := filepath.Join(work, fmt.Sprintf("vol-%d.img", i+1))
		buildVolume(t, v, vol, work)
		copyAt(t, img.path, vol, start<<20)
		start += v.mib
	}
	return img
}

func partType(fs string) string {
	switch fs {
	case "vfat":
		return "c" // FAT32 LBA
	case "exfat", "ntfs":
		return "7"
	}
	return "83"
}

// buildVolume makes the filesystem of v in the file path.
func buildVolume(t *testing.T, v volume, path, work string) {
	t.Helper()
	truncate(t, path, v.mib<<20)
	files := filepath.Join(work, "files-"+filepath.Base(path))
	if err := corpus.Write(files, v.files); err != nil {
		t.Fatal(err)
	}
	switch v.fs {
	case "ext4", "broken-ext4":
		// -d populates it from a folder; enough inodes for many files.
		testenv.Run(t, "mkfs.ext4", "-q", "-F", "-L", v.label, "-N", fmt.Sprint(len(v.files)+256), "-d", files, path)
		if v.fs == "broken-ext4" {
			// Wipe from 2 KiB to 64 KiB: the group descriptors, for 1 KiB
			// and 4 KiB blocks alike, but not the superblock at 1 KiB.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt(make([]byte, 62<<10), 2<<10)
			if err := errors.Join(err, f.Close()); err != nil {
				t.Fatal(err)
			}
		}
	case "garbage":
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.CopyN(f, corpus.NewPseudorandomReader(7), v.mib<<20)
		if err := errors.Join(err, f.Close()); err != nil {
			t.Fatal(err)
		}
	case "vfat":
		// FAT32 needs 65525 clusters: one sector per cluster, 34 MiB at least.
		testenv.Run(t, "mformat", "-i", path, "-F", "-c", "1", "-v", v.label, "::")
		ents, err := os.ReadDir(files)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) > 0 {
			args := []string{"-i", path, "-s", "-m"}
			for _, e := range ents {
				args = append(args, filepath.Join(files, e.Name()))
			}
			testenv.Run(t, "mcopy", append(args, "::/")...)
		}
	case "exfat":
		testenv.Tools(t, "mkfs.exfat", "mount.exfat-fuse")
		testenv.Run(t, "mkfs.exfat", "-L", v.label, path)
		// As root exfat-fuse insists on a block device: a loop device
		// the udev rule does not match (the file is not a drive image).
		dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", path))
		defer exec.Command("losetup", "-d", dev).Run()
		setReadOnly(dev, false) // a flag left by another user of the device
		fuseWrite(t, work, v.files, "mount.exfat-fuse", "-d", dev)
	case "ntfs":
		testenv.Tools(t, "mkntfs", "ntfs-3g")
		testenv.Run(t, "mkntfs", "-q", "-Q", "-F", "-L", v.label, path)
		fuseWrite(t, work, v.files, "ntfs-3g", "-o", "no_detach", path)
	default:
		t.Fatalf("volume type %q", v.fs)
	}
}

// fuseWrite mounts a filesystem read-write with a FUSE driver run in the
// foreground (prog args... MOUNTPOINT), writes files into it, unmounts it
// and waits for the driver to exit, so that everything is on disk.
func fuseWrite(t *testing.T, work string, files []corpus.File, prog string, args ...string) {
	t.Helper()
	mnt, err := os.MkdirTemp(work, "rw-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prog, append(args, mnt)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr // stdout carries exfat-fuse's debug trace
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", prog, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); !isMountPoint(mnt); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("%s exited before mounting: %v\n%s", prog, err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("%s did not mount %s", prog, mnt)
		}
	}
	werr := corpus.Write(mnt, files)
	testenv.Run(t, "umount", mnt)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not exit after its unmount", prog)
	}
	if werr != nil {
		t.Fatalf("write files through %s: %v", prog, werr)
	}
}

// isMountPoint reports whether something is mounted on dir in this
// process's namespace.
func isMountPoint(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// copyAt writes the whole file src into dst at offset.
func copyAt(t *testing.T, dst, src string, offset int64) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.NewOffsetWriter(out, offset), in)
	if err := errors.Join(err, out.Close()); err != nil {
		t.Fatal(err)
	}
}

// drive is an image attached to a loop device: an inserted stick.
type drive struct {
	img      *image
	dev      string
	detached bool
}

// attach inserts img: losetup, then partx for the partitions (this
// kernel has no partition-table parsers, so -P finds none).
func (s *station) attach(img *image) *drive {
	t := s.t
	t.Helper()
	dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", "-P", img.path))
	d := &drive{img: img, dev: dev}
	s.drives = append(s.drives, d)
	if img.table {
		if _, err := os.Stat(d.sys() + "/" + filepath.Base(dev) + "p1"); err != nil {
			testenv.Run(t, "partx", "-a", dev)
		}
	}
	return d
}

func (d *drive) sys() string { return "/sys/block/" + filepath.Base(d.dev) }

// ours reports whether the loop device is still backed by the image; once
// it is free, another test may have attached something else to it.
func (d *drive) ours() bool {
	b, err := os.ReadFile(d.sys() + "/loop/backing_file")
	return err == nil && strings.TrimSpace(string(b)) == d.img.path
}

// detach pulls the drive out: losetup -d. While the station holds a mount
// of it the kernel only marks it to be detached at the last close.
func (d *drive) detach(t *testing.T) {
	t.Helper()
	if d.detached {
		return
	}
	d.detached = true
	if d.ours() {
		if out, err := exec.Command("losetup", "-d", d.dev).CombinedOutput(); err != nil && d.ours() {
			t.Errorf("losetup -d %s: %v: %s", d.dev, err, out)
		}
	}
}

// awaitGone waits until no loop device is backed by the image any more.
func (d *drive) awaitGone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(wait(15 * time.Second))
	for len(loopsOf(d.img.path)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s still attached to %v after the session", d.img.path, loopsOf(d.img.path))
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.clearReadOnly()
}

// clearReadOnly clears the read-only flag the station set on the loop
// device: it outlives the detach and would break the next user of the
// device. Partition devices go away with the detach, and their flags too.
func (d *drive) clearReadOnly() {
	if d.ours() || !fileExists(d.sys()+"/loop/backing_file") {
		setReadOnly(d.dev, false)
	}
}

// setReadOnly sets or clears a block device's read-only flag (BLKROSET).
func setReadOnly(dev string, on bool) {
	f, err := os.OpenFile(dev, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer f.Close()
	v := 0
	if on {
		v = 1
	}
	unix.IoctlSetPointerInt(int(f.Fd()), unix.BLKROSET, v)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// bigImage is an ext4 drive of 10,000 logs, the demo files and extra:
// one that the station is still scanning seconds after it took it, for
// tests that act mid-scan.
func (s *station) bigImage(extra ...corpus.File) *image {
	s.t.Helper()
	files := append(append(logs(10000), corpus.DemoDrive()...), extra...)
	return s.newImage("big", true, volume{fs: "ext4", label: "BIG", mib: 64, files: files})
}

// nextImage is a small ext4 drive of the demo files: the drive that comes
// after the one a test disturbed.
func (s *station) nextImage() *image {
	s.t.Helper()
	return s.newImage("next", true, volume{fs: "ext4", label: "NEXT", mib: 16, files: corpus.DemoDrive()})
}

// logs returns n small, distinct, clean text files, 500 to a folder: a
// drive that takes the station a while to scan (about 2,000 files a
// second here) without a large image.
func logs(n int) []corpus.File {
	out := make([]corpus.File, n)
	for i := range out {
		out[i] = corpus.File{
			Path:    fmt.Sprintf("logs/%03d/station-%05d.log", i/500, i),
			Data:    []byte(strings.Repeat(fmt.Sprintf("2026-11-26 press %d cycle ok\n", i), 40)),
			Verdict: "clean", Why: "a log file",
		}
	}
	return out
}
