//go:build linux

package mount

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/internal/testenv"
)

const twoParts = "label: dos\n,40MiB,83\n,40MiB,c\n"

func readFiles(t *testing.T, dir string) {
	t.Helper()
	for name, want := range testFiles {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("read %s: %v", name, err)
		} else if string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// checkReadOnly fails unless writing, creating and removing on dir fail,
// and the mount point carries ro,nosuid,nodev,noexec.
func checkReadOnly(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "new.txt"), []byte("x"), 0o644); !errors.Is(err, unix.EROFS) {
		t.Errorf("create on %s: err = %v, want EROFS", dir, err)
	}
	if f, err := os.OpenFile(filepath.Join(dir, "readme.txt"), os.O_WRONLY, 0); !errors.Is(err, unix.EROFS) {
		t.Errorf("open for writing: err = %v, want EROFS", err)
		if f != nil {
			f.Close()
		}
	}
	if err := os.Remove(filepath.Join(dir, "readme.txt")); !errors.Is(err, unix.EROFS) {
		t.Errorf("remove: err = %v, want EROFS", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	want := int64(unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC)
	if int64(st.Flags)&want != want {
		t.Errorf("statfs(%s) flags = %#x, want ro,nosuid,nodev,noexec (%#x)", dir, st.Flags, want)
	}
}

func TestExt4ReadOnlyAndUnchanged(t *testing.T) {
	requireLoop(t, "mkfs.ext4")
	img, dev := newDisk(t, 96, twoParts)
	p1 := part(t, dev, 1)
	mkfs(t, "ext4", p1)
	before := hashFile(t, img)

	m := newMounter(t)
	got := mustMount(t, m, "s1", dev, Target{Device: p1, Name: "p1", FSType: "ext4"})
	if got[0].Err != nil || got[0].Driver != DriverKernel {
		t.Fatalf("Mount = %+v, want kernel mount", got[0])
	}
	readFiles(t, got[0].Dir)
	checkReadOnly(t, got[0].Dir)
	for _, d := range []string{dev, p1} {
		if ro, err := IsReadOnly(d); err != nil || !ro {
			t.Errorf("IsReadOnly(%s) = %v, %v, want true", d, ro, err)
		}
	}
	if opts := mountOpts(t, got[0].Dir); !strings.Contains(opts, "norecovery") && !strings.Contains(opts, "noload") {
		t.Errorf("ext4 mount options %q lack noload/norecovery", opts)
	}
	if err := m.Release("s1"); err != nil {
		t.Fatalf("Release = %v", err)
	}
	checkClean(t, m, nil)
	if after := hashFile(t, img); after != before {
		t.Errorf("image changed: sha256 %s before, %s after", before, after)
	}
}

// mountOpts returns the superblock options of the mount on dir.
func mountOpts(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == dir {
			return f[len(f)-1]
		}
	}
	t.Fatalf("%s is not mounted", dir)
	return ""
}

// TestExt4DirtyJournalNotReplayed copies an ext4 image while it is
// mounted read-write with a committed but unchecked-in journal: the copy
// is what a stick pulled without unmounting looks like (needs_recovery).
func TestExt4DirtyJournalNotReplayed(t *testing.T) {
	requireLoop(t, "mkfs.ext4", "dumpe2fs", "mount", "sync")
	src, srcDev := newDisk(t, 64, "")
	mkfs(t, "ext4", srcDev)
	rw := t.TempDir()
	testenv.Run(t, "mount", "-t", "ext4", "-o", "commit=1", srcDev, rw)
	t.Cleanup(func() { unix.Unmount(rw, unix.MNT_DETACH) })
	if err := os.WriteFile(filepath.Join(rw, "journal-only.txt"), []byte("in the journal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, "sync", "-f", filepath.Join(rw, "journal-only.txt"))
	dirty := filepath.Join(t.TempDir(), "dirty.img")
	copyFile(t, src, dirty)
	if out := testenv.Run(t, "dumpe2fs", "-h", dirty); !strings.Contains(out, "needs_recovery") {
		t.Skip("the copy's journal is clean (kernel checkpointed before the copy); nothing to replay")
	}
	before := hashFile(t, dirty)
	_, dev := newDiskFrom(t, dirty)
	m := newMounter(t)
	got := mustMount(t, m, "dirty", dev, Target{Device: dev, Name: "disk", FSType: "ext4"})
	if got[0].Err != nil {
		t.Fatalf("Mount = %v", got[0].Err)
	}
	if err := m.Release("dirty"); err != nil {
		t.Fatal(err)
	}
	if after := hashFile(t, dirty); after != before {
		t.Errorf("dirty image changed: journal replayed or written")
	}
	if out := testenv.Run(t, "dumpe2fs", "-h", dirty); !strings.Contains(out, "needs_recovery") {
		t.Errorf("needs_recovery cleared: the journal was replayed")
	}
}

func TestDrivers(t *testing.T) {
	for _, tc := range []struct {
		fstype, driver string
		tools          []string
		sizeMiB        int64
	}{
		{"vfat", DriverFusefat, []string{"mkfs.vfat", "mcopy", "fusefat"}, 64},
		{"exfat", DriverExfatFuse, []string{"mkfs.exfat", "mount.exfat-fuse"}, 64},
		{"ntfs", DriverNTFS3G, []string{"mkntfs", "ntfs-3g"}, 64},
		{"xfs", DriverKernel, []string{"mkfs.xfs"}, 320}, // mkfs.xfs wants 300 MB (sparse)
	} {
		t.Run(tc.fstype, func(t *testing.T) {
			requireLoop(t, tc.tools...)
			img, dev := newDisk(t, tc.sizeMiB, "label: dos\n,,7\n")
			p1 := part(t, dev, 1)
			mkfs(t, tc.fstype, p1)
			before := hashFile(t, img)
			m := newMounter(t)
			// A kernel list without FAT, exFAT and NTFS forces FUSE even
			// where the kernel has those drivers.
			m.Filesystems = filepath.Join(t.TempDir(), "filesystems")
			os.WriteFile(m.Filesystems, []byte("\text4\n\txfs\nnodev\tfuse\n"), 0o600)
			got := mustMount(t, m, "s", dev, Target{Device: p1, Name: "p1", FSType: tc.fstype})
			if got[0].Err != nil || got[0].Driver != tc.driver {
				t.Fatalf("Mount = %+v, want driver %s", got[0], tc.driver)
			}
			readFiles(t, got[0].Dir)
			checkReadOnly(t, got[0].Dir)
			pids := helperPids(m, "s")
			if tc.driver != DriverKernel && len(pids) != 1 {
				t.Fatalf("helper pids = %v, want one", pids)
			}
			if err := m.Release("s"); err != nil {
				t.Fatalf("Release = %v", err)
			}
			checkClean(t, m, pids)
			if err := m.Release("s"); err != nil {
				t.Errorf("second Release = %v, want nil", err)
			}
			if after := hashFile(t, img); after != before {
				t.Errorf("image changed")
			}
		})
	}
}

func TestPartitionsSuperfloppyAndGarbage(t *testing.T) {
	requireLoop(t, "mkfs.ext4", "mkfs.vfat", "mcopy", "fusefat")
	_, dev := newDisk(t, 128, "label: dos\n,40MiB,83\n,40MiB,c\n,20MiB,83\n")
	p1, p2, p3 := part(t, dev, 1), part(t, dev, 2), part(t, dev, 3)
	mkfs(t, "ext4", p1)
	mkfs(t, "vfat", p2)
	garbage := make([]byte, 1<<20)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	if err := os.WriteFile(p3, garbage, 0); err != nil {
		t.Fatal(err)
	}
	m := newMounter(t)
	got := mustMount(t, m, "s", dev,
		Target{Device: p1, Name: "p1", FSType: "ext4"},
		Target{Device: p2, Name: "p2", FSType: "vfat"},
		Target{Device: p3, Name: "p3", FSType: "ext4"},
		Target{Device: p3, Name: "p4", FSType: "hfsplus"},
		Target{Device: p3, Name: "../p5", FSType: "ext4"},
	)
	readFiles(t, got[0].Dir)
	readFiles(t, got[1].Dir)
	if got[0].Err != nil || got[1].Err != nil {
		t.Errorf("good partitions: %v, %v", got[0].Err, got[1].Err)
	}
	if got[2].Err == nil || got[2].Dir != "" {
		t.Errorf("garbage partition = %+v, want an error", got[2])
	}
	if !errors.Is(got[3].Err, ErrNotAllowed) {
		t.Errorf("hfsplus: err = %v, want ErrNotAllowed", got[3].Err)
	}
	if !errors.Is(got[4].Err, ErrBadName) {
		t.Errorf("../p5: err = %v, want ErrBadName", got[4].Err)
	}
	t.Logf("garbage: %v", got[2].Err)
	if err := m.Release("s"); err != nil {
		t.Fatal(err)
	}
	checkClean(t, m, nil)

	t.Run("superfloppy", func(t *testing.T) {
		img, dev := newDisk(t, 48, "")
		mkfs(t, "vfat", dev)
		before := hashFile(t, img)
		m := newMounter(t)
		got := mustMount(t, m, "sf", dev, Target{Device: dev, Name: "disk", FSType: "vfat"})
		if got[0].Err != nil {
			t.Fatal(got[0].Err)
		}
		readFiles(t, got[0].Dir)
		if err := m.Release("sf"); err != nil {
			t.Fatal(err)
		}
		checkClean(t, m, nil)
		if hashFile(t, img) != before {
			t.Errorf("image changed")
		}
	})
}

func TestReleaseBusy(t *testing.T) {
	requireLoop(t, "mkfs.ext4", "mkfs.vfat", "mcopy", "fusefat")
	_, dev := newDisk(t, 96, twoParts)
	p1, p2 := part(t, dev, 1), part(t, dev, 2)
	mkfs(t, "ext4", p1)
	mkfs(t, "vfat", p2)
	m := newMounter(t)
	got := mustMount(t, m, "busy", dev,
		Target{Device: p1, Name: "p1", FSType: "ext4"}, Target{Device: p2, Name: "p2", FSType: "vfat"})
	var open []*os.File
	for _, g := range got {
		f, err := os.Open(filepath.Join(g.Dir, "readme.txt"))
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, f)
	}
	pids := helperPids(m, "busy")
	start := time.Now()
	err := m.Release("busy")
	t.Logf("busy Release took %v: %v", time.Since(start).Round(time.Millisecond), err)
	if !errors.Is(err, ErrLazyUnmount) {
		t.Errorf("Release = %v, want ErrLazyUnmount", err)
	}
	checkClean(t, m, pids)
	for _, f := range open {
		f.Close()
	}
	if err := m.Release("busy"); err != nil {
		t.Errorf("second Release = %v", err)
	}
}

func TestCleanStale(t *testing.T) {
	requireLoop(t, "mkfs.ext4", "mkfs.vfat", "mcopy", "fusefat")
	_, dev := newDisk(t, 96, twoParts)
	p1, p2 := part(t, dev, 1), part(t, dev, 2)
	mkfs(t, "ext4", p1)
	mkfs(t, "vfat", p2)
	crashed := newMounter(t)
	if _, err := crashed.Mount(t.Context(), "old", dev, []Target{
		{Device: p1, Name: "p1", FSType: "ext4"}, {Device: p2, Name: "p2", FSType: "vfat"},
	}); err != nil {
		t.Fatal(err)
	}
	pids := helperPids(crashed, "old")
	if err := os.Mkdir(filepath.Join(crashed.Root, "empty-session"), 0o700); err != nil {
		t.Fatal(err)
	}
	fresh := &Mounter{Root: crashed.Root}
	cleaned, err := fresh.CleanStale()
	if err != nil {
		t.Fatalf("CleanStale = %v", err)
	}
	t.Logf("cleaned %v", cleaned)
	if len(cleaned) != 4 { // p1, p2, old, empty-session
		t.Errorf("CleanStale cleaned %d paths, want 4", len(cleaned))
	}
	// This process is also the "crashed" daemon, the helpers' parent:
	// let its reaper see them exit before checking for zombies.
	for _, e := range crashed.sessions["old"].mounts {
		if e.helper != nil {
			e.helper.wait(3 * time.Second)
		}
	}
	checkClean(t, fresh, pids)
	if again, err := fresh.CleanStale(); err != nil || len(again) != 0 {
		t.Errorf("second CleanStale = %v, %v, want nothing", again, err)
	}
}

func TestYankedDrive(t *testing.T) {
	requireLoop(t, "mkfs.ext4", "mkfs.vfat", "mcopy", "fusefat")
	_, dev := newDisk(t, 96, twoParts)
	p1, p2 := part(t, dev, 1), part(t, dev, 2)
	mkfs(t, "ext4", p1)
	mkfs(t, "vfat", p2)
	m := newMounter(t)
	mustMount(t, m, "y", dev,
		Target{Device: p1, Name: "p1", FSType: "ext4"}, Target{Device: p2, Name: "p2", FSType: "vfat"})
	pids := helperPids(m, "y")
	testenv.Run(t, "losetup", "-d", dev) // in use: the kernel detaches it when the last mount goes
	start := time.Now()
	if err := m.Release("y"); err != nil {
		t.Errorf("Release after yank = %v", err)
	}
	t.Logf("Release after yank took %v", time.Since(start).Round(time.Millisecond))
	checkClean(t, m, pids)
	name := filepath.Base(dev)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat("/sys/block/" + name + "/loop/backing_file"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%s still attached after Release", dev)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMountTimeout(t *testing.T) {
	requireLoop(t, "mkfs.vfat", "mcopy", "fusefat")
	_, dev := newDisk(t, 48, "")
	mkfs(t, "vfat", dev)
	m := newMounter(t)
	m.Timeout = time.Millisecond
	got := mustMount(t, m, "slow", dev, Target{Device: dev, Name: "disk", FSType: "vfat"})
	if !errors.Is(got[0].Err, ErrTimeout) {
		t.Fatalf("Mount with 1ms timeout: err = %v, want ErrTimeout", got[0].Err)
	}
	if err := m.Release("slow"); err != nil {
		t.Fatal(err)
	}
	checkClean(t, m, nil)
}

func TestMountRefuses(t *testing.T) {
	requireLoop(t)
	m := newMounter(t)
	if _, err := m.Mount(t.Context(), "../x", "/dev/null", nil); !errors.Is(err, ErrBadName) {
		t.Errorf("Mount(../x) = %v, want ErrBadName", err)
	}
	if _, err := m.Mount(t.Context(), "s", "/dev/null", nil); err == nil {
		t.Errorf("Mount on a character device succeeded")
	}
	if err := m.Release("never"); err != nil {
		t.Errorf("Release of an unknown session = %v", err)
	}
}
