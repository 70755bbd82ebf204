//go:build linux

package media

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/transfer"
)

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestCheckFAT covers the single-volume cases on FAT32 images
// written with mtools, holding a transfer made by the real `sluice scan`.
func TestCheckFAT(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	other := newStation(t)
	valid := scanTo(t, st, driveFiles)
	expiring := scanTo(t, st, driveFiles, "--expires", "1h")

	tests := []struct {
		name    string
		from    string                          // transfer folder to start from
		edit    func(t *testing.T, root string) // applied to a copy before imaging
		key     *station
		later   time.Duration // Now is this much after the real time
		allowed bool
		reason  string
		kind    string // a problem kind that must be reported
	}{
		{name: "valid", from: valid, allowed: true, reason: ReasonValid},
		{name: "one file modified", from: valid, edit: func(t *testing.T, root string) {
			// Same size, other bytes: only the hash tells.
			writeTree(t, root, map[string]string{"Report 2024.txt": "pressure readings, line 4\n"})
		}, reason: ReasonChangedFile, kind: transfer.ProblemChangedFile},
		{name: "one file grown", from: valid, edit: func(t *testing.T, root string) {
			writeTree(t, root, map[string]string{"Sub Folder/Values Table.csv": "tag,value\nPT-101,4.2\nPT-102,9\n"})
		}, reason: ReasonChangedFile, kind: transfer.ProblemSizeMismatch},
		{name: "one file added", from: valid, edit: func(t *testing.T, root string) {
			writeTree(t, root, map[string]string{"Sub Folder/Payload Tool.exe": "MZ"})
		}, reason: ReasonExtraFile, kind: transfer.ProblemExtraFile},
		{name: "one file removed", from: valid, edit: func(t *testing.T, root string) {
			os.Remove(filepath.Join(root, "Recipe-Batch7.Json"))
		}, reason: ReasonMissingFile, kind: transfer.ProblemMissingFile},
		{name: "expired", from: expiring, later: 2 * time.Hour, reason: ReasonExpired, kind: transfer.ProblemExpired},
		{name: "not yet expired", from: expiring, allowed: true, reason: ReasonValid},
		{name: "signature removed", from: valid, edit: func(t *testing.T, root string) {
			os.Remove(filepath.Join(root, transfer.SignaturePath))
		}, reason: ReasonUnsigned, kind: transfer.ProblemUnsigned},
		{name: "plain drive", from: valid, edit: func(t *testing.T, root string) {
			os.RemoveAll(filepath.Join(root, ".sluice"))
		}, reason: ReasonNoTransfer, kind: ProblemNoTransfer},
		{name: "untrusted key", from: valid, key: &other, reason: ReasonUntrustedKey, kind: transfer.ProblemUntrustedKey},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			root := t.TempDir()
			copyTree(t, tt.from, root)
			if tt.edit != nil {
				tt.edit(t, root)
			}
			img := fatImage(t, root, "")
			key := st.pub
			if tt.key != nil {
				key = tt.key.pub
			}
			opts := testOptions(t, key)
			if tt.later > 0 {
				opts.Now = func() time.Time { return time.Now().Add(tt.later) }
			}
			var res Result
			var err error
			timed(t, "Check", func() { res, err = Check(t.Context(), img, opts) })
			if err != nil {
				t.Fatalf("Check = %v", err)
			}
			if res.Allowed != tt.allowed || res.Reason != tt.reason {
				t.Errorf("Check = %v %q, want %v %q; %+v", res.Allowed, res.Reason, tt.allowed, tt.reason, res.Partitions)
			}
			if len(res.Partitions) != 1 {
				t.Fatalf("Check found %d volumes, want 1 (a superfloppy)", len(res.Partitions))
			}
			p := res.Partitions[0]
			if p.Name != "disk" || p.FSType != "vfat" || p.UUID == "" {
				t.Errorf("volume = %q %q uuid %q, want disk vfat with a UUID", p.Name, p.FSType, p.UUID)
			}
			if tt.kind != "" && !slices.Contains(kinds(p), tt.kind) {
				t.Errorf("problems = %v, want %s among them", p.Problems, tt.kind)
			}
			if tt.allowed && len(p.Problems) != 0 {
				t.Errorf("allowed with problems %v", p.Problems)
			}
			if tt.reason != ReasonNoTransfer && tt.reason != ReasonUnsigned && p.Transfer != filepath.Base(tt.from) {
				t.Errorf("transfer = %q, want %q", p.Transfer, filepath.Base(tt.from))
			}
			if l := loopsOf(t, img); l != "" {
				t.Errorf("image still attached: %s", l)
			}
		})
	}
}

// TestCheckTwoPartitions: a valid transfer must not carry a second,
// unverified volume in.
func TestCheckTwoPartitions(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	valid := fatImage(t, scanTo(t, st, driveFiles), "")
	plainSrc := t.TempDir()
	writeTree(t, plainSrc, map[string]string{"Setup Tool.exe": "MZ payload"})
	plain := fatImage(t, plainSrc, "")

	tests := []struct {
		name    string
		parts   []string
		allowed bool
		reason  string
		each    []string
	}{
		{"valid and unsigned", []string{valid, plain}, false, ReasonMixed, []string{ReasonValid, ReasonNoTransfer}},
		{"unsigned and valid", []string{plain, valid}, false, ReasonMixed, []string{ReasonNoTransfer, ReasonValid}},
		{"both valid", []string{valid, valid}, true, ReasonValid, []string{ReasonValid, ReasonValid}},
		{"both unsigned", []string{plain, plain}, false, ReasonNoTransfer, []string{ReasonNoTransfer, ReasonNoTransfer}},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			img := partitioned(t, tt.parts...)
			opts := testOptions(t, st.pub)
			res, err := Check(t.Context(), img, opts)
			if err != nil {
				t.Fatalf("Check = %v", err)
			}
			if res.Allowed != tt.allowed || res.Reason != tt.reason {
				t.Errorf("Check = %v %q, want %v %q", res.Allowed, res.Reason, tt.allowed, tt.reason)
			}
			var names, reasons []string
			for _, p := range res.Partitions {
				names = append(names, p.Name)
				reasons = append(reasons, p.Reason)
			}
			if !slices.Equal(names, []string{"p1", "p2"}) || !slices.Equal(reasons, tt.each) {
				t.Errorf("volumes %v reasons %v, want [p1 p2] %v", names, reasons, tt.each)
			}
			if l := loopsOf(t, img); l != "" {
				t.Errorf("image still attached: %s", l)
			}
		})
	}
}

// A partition that blkid recognises but that does not mount, or holds
// something that cannot be verified, blocks the drive even beside a valid
// one (fail closed).
func TestCheckUnverifiablePartition(t *testing.T) {
	requireDrives(t)
	testenv.Tools(t, "mkfs.ext4", "mkswap")
	st := newStation(t)
	valid := fatImage(t, scanTo(t, st, driveFiles), "")

	// ext4 with an incompatible feature bit no kernel knows: blkid still
	// says ext4, mount(2) refuses it.
	broken := filepath.Join(t.TempDir(), "ext4.img")
	sized(t, broken, fatMiB)
	testenv.Run(t, "mkfs.ext4", "-q", "-F", "-O", "^metadata_csum", broken)
	f, err := os.OpenFile(broken, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var incompat [4]byte
	f.ReadAt(incompat[:], 1024+0x60)
	incompat[3] |= 0x80
	f.WriteAt(incompat[:], 1024+0x60)
	f.Close()

	swap := filepath.Join(t.TempDir(), "swap.img")
	sized(t, swap, fatMiB)
	testenv.Run(t, "mkswap", swap)

	for _, tt := range []struct {
		name, img, reason string
	}{
		{"unmountable ext4", broken, ReasonUnmountable},
		{"swap", swap, ReasonUnsupported},
	} {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			res, err := Check(t.Context(), partitioned(t, valid, tt.img), testOptions(t, st.pub))
			if err != nil {
				t.Fatalf("Check = %v", err)
			}
			if res.Allowed || res.Reason != ReasonMixed || len(res.Partitions) != 2 ||
				res.Partitions[0].Reason != ReasonValid || res.Partitions[1].Reason != tt.reason {
				t.Errorf("Check = %v %q %+v, want blocked %q with p1 valid and p2 %q", res.Allowed, res.Reason, res.Partitions, ReasonMixed, tt.reason)
			}
			// Alone, the volume's own reason is the drive's.
			res, err = Check(t.Context(), partitioned(t, tt.img), testOptions(t, st.pub))
			if err != nil || res.Allowed || res.Reason != tt.reason {
				t.Errorf("Check(alone) = %v %q %v, want blocked %q", res.Allowed, res.Reason, err, tt.reason)
			}
		})
	}
}

// TestCheckBlockDevice: Check of a block device leaves its read-only
// flag as it found it.
func TestCheckBlockDevice(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	dev := attachLoop(t, fatImage(t, scanTo(t, st, driveFiles), ""))
	res, err := Check(t.Context(), dev, testOptions(t, st.pub))
	if err != nil || !res.Allowed {
		t.Fatalf("Check(%s) = %v %q %v, want allowed", dev, res.Allowed, res.Reason, err)
	}
	if ro, err := mount.IsReadOnly(dev); err != nil || ro {
		t.Errorf("read-only flag after Check = %v %v, want restored to off", ro, err)
	}
}

func TestCheckDir(t *testing.T) {
	testenv.Tools(t, "go") // for the sluice binary's keys and scan; no root
	st := newStation(t)
	valid := scanTo(t, st, driveFiles)
	opts := testOptions(t, st.pub)
	if res, err := Check(t.Context(), valid, opts); err != nil || !res.Allowed || res.Partitions[0].Transfer != filepath.Base(valid) {
		t.Errorf("Check(transfer folder) = %+v %v, want allowed", res, err)
	}

	// A .sluice that is a link to a valid transfer's is not followed.
	linked := t.TempDir()
	copyTree(t, valid, linked)
	os.Rename(filepath.Join(linked, ".sluice"), filepath.Join(linked, "elsewhere"))
	os.Symlink("elsewhere", filepath.Join(linked, ".sluice"))
	if res, err := Check(t.Context(), linked, opts); err != nil || res.Allowed || res.Reason != ReasonSymlink {
		t.Errorf("Check(.sluice symlink) = %v %q %v, want blocked %q", res.Allowed, res.Reason, err, ReasonSymlink)
	}

	// A named pipe where a file should be must not hang the check.
	piped := t.TempDir()
	copyTree(t, valid, piped)
	os.Remove(filepath.Join(piped, "Report 2024.txt"))
	if err := unix.Mkfifo(filepath.Join(piped, "Report 2024.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := Check(t.Context(), piped, opts); err != nil || res.Allowed || res.Reason != ReasonNotRegular {
		t.Errorf("Check(FIFO) = %v %q %v, want blocked %q", res.Allowed, res.Reason, err, ReasonNotRegular)
	}

	if _, err := Check(t.Context(), "/dev/null", opts); !errors.Is(err, ErrBadTarget) {
		t.Errorf("Check(/dev/null) = %v, want ErrBadTarget", err)
	}
}

// TestAttach: a valid drive is exposed read-only under ExposeDir, named
// after its label, and Release takes everything down; a blocked drive is
// never exposed.
func TestAttach(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	tr := scanTo(t, st, driveFiles)
	// Labelled: fusefat lists the label as an empty root file, which must
	// not count as an extra file.
	img := fatImage(t, tr, "PLANT DATA")
	dev := attachLoop(t, img)
	dev2 := attachLoop(t, fatImage(t, tr, "PLANT DATA"))
	opts := testOptions(t, st.pub)

	var e *Exposure
	var res Result
	var err error
	timed(t, "Attach", func() { e, res, err = Attach(t.Context(), dev, opts) })
	if err != nil || !res.Allowed || e == nil {
		t.Fatalf("Attach = %v %v %q %v, want exposed", e, res.Allowed, res.Reason, err)
	}
	t.Cleanup(func() { e.Release() })
	point := filepath.Join(opts.ExposeDir, "PLANT DATA")
	if pts := e.Points(); len(pts) != 1 || pts[0] != point || res.Partitions[0].Exposed != point {
		t.Fatalf("exposed at %v (%q), want %s", pts, res.Partitions[0].Exposed, point)
	}
	got, err := os.ReadFile(filepath.Join(point, "Sub Folder", "Values Table.csv"))
	if err != nil || string(got) != driveFiles["Sub Folder/Values Table.csv"] {
		t.Errorf("exposed file = %q %v", got, err)
	}
	optsSeen := strings.Split(mountOptions(t, point), ",")
	for _, want := range []string{"ro", "nosuid", "nodev", "noexec"} {
		if !slices.Contains(optsSeen, want) {
			t.Errorf("exposure options %v lack %s", optsSeen, want)
		}
	}
	if err := os.WriteFile(filepath.Join(point, "new.txt"), []byte("x"), 0o644); err == nil {
		t.Errorf("wrote to the exposure")
	}
	if ro, err := mount.IsReadOnly(dev); err != nil || !ro {
		t.Errorf("device read-only = %v %v, want set", ro, err)
	}
	if fi, err := os.Stat(opts.WorkDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("work dir = %v %v, want mode 0700", fi, err)
	}

	// The same label again gets a name of its own.
	e2, res2, err := Attach(t.Context(), dev2, opts)
	if err != nil || e2 == nil {
		t.Fatalf("second Attach = %v %q %v", res2.Allowed, res2.Reason, err)
	}
	if pts := e2.Points(); len(pts) != 1 || pts[0] != point+"-2" {
		t.Errorf("second exposure at %v, want %s-2", pts, point)
	}
	if err := e2.Release(); err != nil {
		t.Errorf("Release = %v", err)
	}

	if err := e.Release(); err != nil {
		t.Errorf("Release = %v", err)
	}
	if err := e.Release(); err != nil {
		t.Errorf("second Release = %v", err)
	}
	if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
		t.Errorf("after Release, still mounted: %v", left)
	}
	if _, err := os.Lstat(point); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("exposure folder after Release: %v", err)
	}

	if _, _, err := Attach(t.Context(), dev+"p1", opts); err == nil {
		t.Errorf("Attach(missing partition) = nil error")
	}
}

func TestAttachBlocked(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	valid := fatImage(t, scanTo(t, st, driveFiles), "")
	plainSrc := t.TempDir()
	writeTree(t, plainSrc, map[string]string{"Setup Tool.exe": "MZ payload"})
	dev := attachLoop(t, partitioned(t, valid, fatImage(t, plainSrc, "")))
	opts := testOptions(t, st.pub)
	e, res, err := Attach(t.Context(), dev, opts)
	if err != nil || e != nil || res.Allowed || res.Reason != ReasonMixed {
		t.Fatalf("Attach = %v %v %q %v, want blocked %q", e, res.Allowed, res.Reason, err, ReasonMixed)
	}
	if ents, _ := os.ReadDir(opts.ExposeDir); len(ents) > 0 {
		t.Errorf("expose dir holds %v", ents)
	}
	if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
		t.Errorf("still mounted: %v", left)
	}
	if _, _, err := Attach(t.Context(), dev+"p1", opts); !errors.Is(err, ErrNotWholeDisk) {
		t.Errorf("Attach(partition) = %v, want ErrNotWholeDisk", err)
	}
}

// A cancelled context ends the check with an error and nothing mounted.
func TestCheckCancelled(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	img := fatImage(t, scanTo(t, st, driveFiles), "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Check(ctx, img, testOptions(t, st.pub)); err == nil {
		t.Errorf("Check(cancelled) = nil error")
	}
	if l := loopsOf(t, img); l != "" {
		t.Errorf("image still attached: %s", l)
	}
}

// fusefat (used where the kernel has no vfat, as here) shows a lower-case
// 8.3 name in upper case: the drive is blocked, never wrongly allowed.
// With a kernel vfat driver the same drive is valid.
func TestFusefatShortLowerCaseNames(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	img := fatImage(t, scanTo(t, st, map[string]string{"notes.txt": "short name\n", "Long Name.txt": "long\n"}), "")
	res, err := Check(t.Context(), img, testOptions(t, st.pub))
	if err != nil {
		t.Fatalf("Check = %v", err)
	}
	p := res.Partitions[0]
	t.Logf("driver %s: %v %q %v", p.Driver, res.Allowed, res.Reason, p.Problems)
	if p.Driver != mount.DriverFusefat {
		if !res.Allowed {
			t.Errorf("kernel vfat: Check = %q, want valid", res.Reason)
		}
		return
	}
	if res.Allowed || !slices.Contains(kinds(p), transfer.ProblemMissingFile) || !slices.Contains(kinds(p), transfer.ProblemExtraFile) {
		t.Errorf("fusefat: Check = %v %q %v, want blocked with missing-file notes.txt and extra-file NOTES.TXT", res.Allowed, res.Reason, p.Problems)
	}
}

// exFAT keeps every name as written, short lower-case ones included, and
// goes through another FUSE driver (exfat-fuse) where the kernel lacks it.
func TestCheckExFAT(t *testing.T) {
	requireDrives(t)
	testenv.Tools(t, "mkfs.exfat", "mount.exfat-fuse", "umount")
	st := newStation(t)
	tr := scanTo(t, st, map[string]string{"notes.txt": "short name\n", "Long Name.txt": "long\n", "dir/a.csv": "1\n"})
	img := filepath.Join(t.TempDir(), "exfat.img")
	sized(t, img, fatMiB)
	testenv.Run(t, "mkfs.exfat", "-L", "CELL 4", img)
	dev := attachLoop(t, img)
	dir := t.TempDir()
	testenv.Run(t, "mount.exfat-fuse", dev, dir)
	copyTree(t, tr, dir)
	testenv.Run(t, "umount", dir)
	for deadline := time.Now().Add(5 * time.Second); len(mountsBelow(t, dir, dir)) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}

	opts := testOptions(t, st.pub)
	var e *Exposure
	var res Result
	var err error
	timed(t, "Attach", func() { e, res, err = Attach(t.Context(), dev, opts) })
	if err != nil || !res.Allowed {
		t.Fatalf("Attach = %v %q %v %+v, want allowed", res.Allowed, res.Reason, err, res.Partitions)
	}
	defer timed(t, "Release", func() { e.Release() })
	p := res.Partitions[0]
	if p.FSType != "exfat" || p.Label != "CELL 4" || p.Exposed != filepath.Join(opts.ExposeDir, "CELL 4") {
		t.Errorf("volume %s %q exposed at %q, want exfat CELL 4 at %s/CELL 4", p.FSType, p.Label, p.Exposed, opts.ExposeDir)
	}
	if b, err := os.ReadFile(filepath.Join(p.Exposed, "notes.txt")); err != nil || string(b) != "short name\n" {
		t.Errorf("exposed notes.txt = %q %v", b, err)
	}
	t.Logf("driver %s", p.Driver)
}

// CleanStale takes down exposures and private mounts a killed guard left.
func TestCleanStale(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	dev := attachLoop(t, fatImage(t, scanTo(t, st, driveFiles), "STALE"))
	opts := testOptions(t, st.pub)
	e, res, err := Attach(t.Context(), dev, opts)
	if err != nil || e == nil {
		t.Fatalf("Attach = %v %q %v", res.Allowed, res.Reason, err)
	}
	t.Cleanup(func() { e.Release() })
	// As after a kill -9: the Exposure is never released; a new guard
	// starts and cleans.
	cleaned, err := CleanStale(opts)
	if err != nil {
		t.Errorf("CleanStale = %v", err)
	}
	if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
		t.Errorf("after CleanStale, still mounted: %v", left)
	}
	if !slices.Contains(cleaned, filepath.Join(opts.ExposeDir, "STALE")) {
		t.Errorf("CleanStale cleaned %v, want the exposure among them", cleaned)
	}
	if ents, _ := os.ReadDir(opts.ExposeDir); len(ents) > 0 {
		t.Errorf("expose dir still holds %v", ents)
	}
}

// A FAT superfloppy whose boot sector also holds a partition table: Linux's
// msdos parser accepts it, so a host sees the whole disk (here carrying a
// valid transfer) and a partition hidden inside it. The hidden volume is
// judged too, and blocks the drive. This kernel has no partition parsers,
// and libblkid (partx) does not read a table behind a filesystem, so the
// test adds the partition the way the kernel would, with addpart (BLKPG).
func TestHiddenPartitionBehindSuperfloppy(t *testing.T) {
	requireDrives(t)
	testenv.Tools(t, "addpart")
	st := newStation(t)
	tr := scanTo(t, st, driveFiles)
	img := filepath.Join(t.TempDir(), "hybrid.img")
	sized(t, img, 80)
	testenv.Run(t, "mkfs.vfat", "-F", "32", img)
	ents, _ := os.ReadDir(tr)
	for _, e := range ents {
		testenv.Run(t, "mcopy", "-s", "-i", img, filepath.Join(tr, e.Name()), "::/")
	}
	// A FAT16 volume with a plain file at 60 MiB, past the few clusters the
	// transfer uses, and an MBR entry for it in the FAT32 boot code area.
	hidden := filepath.Join(t.TempDir(), "hidden.img")
	sized(t, hidden, 20)
	testenv.Run(t, "mkfs.vfat", "-F", "16", hidden)
	plain := filepath.Join(t.TempDir(), "Setup Tool.exe")
	os.WriteFile(plain, []byte("MZ payload"), 0o644)
	testenv.Run(t, "mcopy", "-i", hidden, plain, "::/")
	b, err := os.ReadFile(hidden)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(img, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(b, 60<<20)
	entry := []byte{0, 0, 0, 0, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(entry[8:], 60<<11)
	binary.LittleEndian.PutUint32(entry[12:], 20<<11)
	f.WriteAt(entry, 446)
	f.Close()

	dev := attachLoop(t, img)
	testenv.Run(t, "addpart", dev, "1", strconv.Itoa(60<<11), strconv.Itoa(20<<11))
	opts := testOptions(t, st.pub)
	e, res, err := Attach(t.Context(), dev, opts)
	if e != nil {
		e.Release()
	}
	if err != nil || res.Allowed || res.Reason != ReasonMixed || len(res.Partitions) != 2 {
		t.Fatalf("Attach = %v %q %v %+v, want blocked %q over disk and p1", res.Allowed, res.Reason, err, res.Partitions, ReasonMixed)
	}
	if d, p := res.Partitions[0], res.Partitions[1]; d.Name != "disk" || d.Reason != ReasonValid || p.Name != "p1" || p.Reason != ReasonNoTransfer {
		t.Errorf("volumes %s %s, %s %s; want disk valid, p1 no-transfer", d.Name, d.Reason, p.Name, p.Reason)
	}
}
