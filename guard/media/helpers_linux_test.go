//go:build linux

package media

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aead.dev/minisign"
	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/transfer"
)

// requireDrives is what tests on loop devices and FAT images need.
func requireDrives(t *testing.T) {
	t.Helper()
	testenv.Root(t, "mounting loop devices")
	testenv.Tools(t, "go", "losetup", "partx", "sfdisk", "blkid", "mkfs.vfat", "mcopy", "fusefat")
	testenv.LoopDevices(t)
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// sluiceBin builds the real sluice CLI once per test process.
func sluiceBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sluice-media-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "sluice"), "./cmd/sluice")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/sluice: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "sluice")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// station is a station key pair made by `sluice keys generate`.
type station struct {
	key string // secret key file
	pub minisign.PublicKey
}

func newStation(t *testing.T) station {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "station")
	testenv.Run(t, sluiceBin(t), "keys", "generate", "--out", prefix)
	keys, err := transfer.LoadPublicKeys(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return station{key: prefix + ".key", pub: keys[0]}
}

// driveFiles are the files of the test transfer. Their names are stored
// as long (VFAT) entries on FAT, which fusefat reads exactly.
var driveFiles = map[string]string{
	"Report 2024.txt":             "pressure readings, line 3\n",
	"Sub Folder/Values Table.csv": "tag,value\nPT-101,4.2\n",
	"Recipe-Batch7.Json":          `{"batch": 7}` + "\n",
}

// scanTo writes files into a source folder and publishes them with the
// real `sluice scan --out`, returning the transfer folder.
func scanTo(t *testing.T, st station, files map[string]string, args ...string) string {
	t.Helper()
	src := t.TempDir()
	writeTree(t, src, files)
	out := t.TempDir()
	testenv.Run(t, sluiceBin(t), append(append([]string{"scan", "--out", out, "--key", st.key, "--station-id", "test-station"}, args...), src)...)
	ents, err := os.ReadDir(out)
	if err != nil || len(ents) != 1 {
		t.Fatalf("scan --out %s: %v, %d entries", out, err, len(ents))
	}
	return filepath.Join(out, ents[0].Name())
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTree copies a folder of plain files and folders.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	testenv.Run(t, "cp", "-a", from+"/.", to)
}

const fatMiB = 40 // FAT32 needs about 33 MiB at one sector per cluster

// fatImage makes a FAT32 filesystem image holding the content of src
// (nil src: empty), written with mtools.
func fatImage(t *testing.T, src, label string) string {
	t.Helper()
	return fatImageSized(t, src, label, fatMiB)
}

// fatImageSized is fatImage of mib MiB (at least fatMiB).
func fatImageSized(t *testing.T, src, label string, mib int64) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "fat.img")
	sized(t, img, mib)
	args := []string{"-F", "32", "-S", "512", "-s", "1"}
	if label != "" {
		args = append(args, "-n", label)
	}
	testenv.Run(t, "mkfs.vfat", append(args, img)...)
	if src != "" {
		ents, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			testenv.Run(t, "mcopy", "-s", "-i", img, filepath.Join(src, e.Name()), "::/")
		}
	}
	return img
}

func sized(t *testing.T, path string, mib int64) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, mib<<20); err != nil {
		t.Fatal(err)
	}
}

// partitioned makes a disk image with an MBR and one partition per
// filesystem image, each copied in at its partition's offset.
func partitioned(t *testing.T, fsImages ...string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "disk.img")
	const start, size = 2048, fatMiB << 11 // in 512-byte sectors
	sized(t, img, int64(1+len(fsImages)*fatMiB+1))
	var script strings.Builder
	script.WriteString("label: dos\n")
	for i := range fsImages {
		fmt.Fprintf(&script, "start=%d, size=%d, type=c\n", start+i*size, size)
	}
	cmd := exec.Command("sfdisk", "-q", img)
	cmd.Stdin = strings.NewReader(script.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	disk, err := os.OpenFile(img, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	for i, fsImg := range fsImages {
		f, err := os.Open(fsImg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.NewOffsetWriter(disk, int64(start+i*size)*512), f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// attachLoop attaches img read-write to a loop device the way a stick
// appears (partitions added with partx), and detaches it at cleanup,
// clearing the read-only flags Attach leaves set.
func attachLoop(t *testing.T, img string) string {
	t.Helper()
	dev := strings.TrimSpace(testenv.Run(t, "losetup", "-f", "--show", img))
	setBlockReadOnly(dev, false) // a crashed run may have left it set
	t.Cleanup(func() {
		parts, _ := filepath.Glob(dev + "p*")
		for _, p := range parts {
			setBlockReadOnly(p, false)
		}
		exec.Command("partx", "-d", dev).Run()
		exec.Command("losetup", "-d", dev).Run()
		setBlockReadOnly(dev, false)
	})
	if out, err := exec.Command("blkid", "-p", "-o", "value", "-s", "PTTYPE", dev).Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
		testenv.Run(t, "partx", "-a", dev)
	}
	return dev
}

// testOptions gives each test its own WorkDir and ExposeDir, and checks at
// cleanup, whether the test passed or not, that nothing is left mounted
// below them; then it takes down WorkDir's tmpfs.
func testOptions(t *testing.T, trusted ...minisign.PublicKey) Options {
	t.Helper()
	base := t.TempDir()
	opts := Options{
		Trusted:   trusted,
		WorkDir:   filepath.Join(base, "work"),
		ExposeDir: filepath.Join(base, "media"),
		Log:       testLogger(t),
	}
	t.Cleanup(func() {
		if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
			t.Errorf("left mounted: %v", left)
		}
		for range 8 {
			if unix.Unmount(opts.WorkDir, 0) != nil {
				break
			}
		}
	})
	return opts
}

// mountsBelow lists mount points strictly below any of dirs, and at the
// expose dir itself, from /proc/self/mountinfo.
func mountsBelow(t *testing.T, work, expose string) []string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := unescapeMountinfo(fields[4])
		if strings.HasPrefix(p, work+"/") || p == expose || strings.HasPrefix(p, expose+"/") {
			out = append(out, p)
		}
	}
	return out
}

// mountOptions returns the per-mount options of the mount at point.
func mountOptions(t *testing.T, point string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && unescapeMountinfo(f[4]) == point {
			return f[5]
		}
	}
	return ""
}

func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// loopsOf lists the loop devices img is attached to.
func loopsOf(t *testing.T, img string) string {
	t.Helper()
	return strings.TrimSpace(testenv.Run(t, "losetup", "-j", img))
}

// kinds lists the problem kinds of a partition.
func kinds(p Partition) []string {
	var out []string
	for _, pr := range p.Problems {
		out = append(out, pr.Kind)
	}
	return out
}

func timed(t *testing.T, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("%s took %v", what, time.Since(start).Round(time.Millisecond))
}
