package mount

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestPlanFor(t *testing.T) {
	noKernel := map[string]bool{"ext4": true, "xfs": true, "btrfs": true, "squashfs": true}
	full := map[string]bool{"ext4": true, "vfat": true, "exfat": true, "ntfs3": true, "iso9660": true}
	m := &Mounter{UID: 1000, GID: 100}
	owner := "uid=1000,gid=100,umask=077"
	for _, tc := range []struct {
		fstype string
		kernel map[string]bool
		want   string // driver, then kernel type and data or the helper command line
	}{
		{"ext4", noKernel, "kernel ext4 noload"},
		{"ext3", noKernel, "kernel ext4 noload"},
		{"ext2", noKernel, "kernel ext4 noload"},
		{"xfs", noKernel, "kernel xfs norecovery"},
		{"btrfs", noKernel, "kernel btrfs rescue=nologreplay"},
		{"squashfs", noKernel, "kernel squashfs "},
		{"vfat", noKernel, "fusefat fusefat -f -o ro,nosuid,nodev,noexec," + owner + " DEV DIR"},
		{"exfat", noKernel, "exfat-fuse mount.exfat-fuse -d -o ro,nosuid,nodev,noexec," + owner + " DEV DIR"},
		{"ntfs", noKernel, "ntfs-3g ntfs-3g -o ro,nosuid,nodev,noexec,no_detach," + owner + " DEV DIR"},
		{"vfat", full, "kernel vfat " + owner},
		{"exfat", full, "kernel exfat " + owner},
		{"ntfs", full, "kernel ntfs3 " + owner},
		{"iso9660", full, "kernel iso9660 "},
	} {
		p, err := m.planFor(tc.fstype, "DEV", "DIR", tc.kernel)
		if err != nil {
			t.Errorf("planFor(%s) = %v", tc.fstype, err)
			continue
		}
		got := p.driver + " " + p.fstype + " " + p.data
		if p.driver != DriverKernel {
			got = p.driver + " " + p.prog + " " + strings.Join(p.args, " ")
		}
		if got != tc.want {
			t.Errorf("planFor(%s) = %q, want %q", tc.fstype, got, tc.want)
		}
	}
	for _, fs := range []string{"iso9660", "udf", "hfsplus"} {
		if _, err := m.planFor(fs, "DEV", "DIR", noKernel); !errors.Is(err, ErrNoDriver) {
			t.Errorf("planFor(%s) without a driver = %v, want ErrNoDriver", fs, err)
		}
	}
}

// A umask that shares the files beyond their owner lets other users past
// the FUSE drivers, with the kernel checking the modes; the kernel drivers
// need only the umask.
func TestPlanForSharedUmask(t *testing.T) {
	noKernel := map[string]bool{"ext4": true}
	full := map[string]bool{"ext4": true, "vfat": true, "exfat": true, "ntfs3": true}
	shared := "uid=0,gid=4242,umask=027"
	fuse := shared + ",allow_other,default_permissions"
	for _, tc := range []struct {
		umask  os.FileMode
		fstype string
		kernel map[string]bool
		want   string
	}{
		{0o027, "vfat", noKernel, "fusefat -f -o ro,nosuid,nodev,noexec," + fuse + " DEV DIR"},
		{0o027, "exfat", noKernel, "mount.exfat-fuse -d -o ro,nosuid,nodev,noexec," + fuse + " DEV DIR"},
		{0o027, "ntfs", noKernel, "ntfs-3g -o ro,nosuid,nodev,noexec,no_detach," + fuse + " DEV DIR"},
		{0o027, "vfat", full, "vfat " + shared},
		{0o027, "ntfs", full, "ntfs3 " + shared},
		{0o022, "vfat", noKernel, "fusefat -f -o ro,nosuid,nodev,noexec,uid=0,gid=4242,umask=022,allow_other,default_permissions DEV DIR"},
		// Explicitly the owner only: the station's options.
		{0o077, "vfat", noKernel, "fusefat -f -o ro,nosuid,nodev,noexec,uid=0,gid=4242,umask=077 DEV DIR"},
		{0o027, "ext4", noKernel, "ext4 noload"},
	} {
		m := &Mounter{GID: 4242, Umask: tc.umask}
		p, err := m.planFor(tc.fstype, "DEV", "DIR", tc.kernel)
		if err != nil {
			t.Errorf("planFor(%s, umask %03o) = %v", tc.fstype, tc.umask, err)
			continue
		}
		got := p.fstype + " " + p.data
		if p.driver != DriverKernel {
			got = p.prog + " " + strings.Join(p.args, " ")
		}
		if got != tc.want {
			t.Errorf("planFor(%s, umask %03o) = %q, want %q", tc.fstype, tc.umask, got, tc.want)
		}
	}
}

func TestAllowed(t *testing.T) {
	if !(&Mounter{}).allowed("ext4") || (&Mounter{}).allowed("hfsplus") {
		t.Errorf("default allowlist wrong")
	}
	if (&Mounter{Allowed: []string{"vfat"}}).allowed("ext4") {
		t.Errorf("custom allowlist ignored")
	}
}

func TestValidName(t *testing.T) {
	for _, s := range []string{"p1", "disk", "2024-01-01T10.00-abc", "a.b"} {
		if err := validName(s); err != nil {
			t.Errorf("validName(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range []string{"", ".", "..", "a/b", "/abs", "a..b", "..x", "x\x00"} {
		if err := validName(s); !errors.Is(err, ErrBadName) {
			t.Errorf("validName(%q) = %v, want ErrBadName", s, err)
		}
	}
}

const sampleMountinfo = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
42 22 0:40 / /run/sluice/media/s1/p1 ro,nosuid,nodev,noexec - fuse.fusefat fusefat ro,user_id=0
43 22 7:1 / /run/sluice/media/s\0401/with\134slash ro master:3 - ext4 /dev/loop1p1 ro,noload
garbage line
44 22 0:5 / /x rw - 
`

func TestParseMountinfo(t *testing.T) {
	got, err := parseMountinfo(strings.NewReader(sampleMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := []mountEntry{
		{"/", "ext4", "/dev/vda"},
		{"/run/sluice/media/s1/p1", "fuse.fusefat", "fusefat"},
		{"/run/sluice/media/s 1/with\\slash", "ext4", "/dev/loop1p1"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseMountinfo = %q, want %q", got, want)
	}
	if !under("/r/m/s1/p1", "/r/m") || under("/r/media2", "/r/m") || !under("/r/m", "/r/m/") {
		t.Errorf("under is wrong")
	}
}

func TestPointsBelow(t *testing.T) {
	// The sample mounts s1/p1 once; a second line for it (mounted over)
	// is listed once.
	info := sampleMountinfo + "40 1 0:40 / /run/sluice/media/s1/p1 rw - fuse.fusefat fusefat rw\n"
	got, err := PointsBelow(strings.NewReader(info), "/run/sluice/media")
	want := []string{"/run/sluice/media/s 1/with\\slash", "/run/sluice/media/s1/p1"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("PointsBelow = %q, %v; want %q, deepest first", got, err, want)
	}
	if got, _ := PointsBelow(strings.NewReader(info), "/run/sluice/media/s1/p1"); len(got) != 0 {
		t.Errorf("PointsBelow(a mount point itself) = %q, want nothing strictly below", got)
	}
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add(sampleMountinfo)
	f.Add(`1 2 3 4 \ 6 - x \1`)
	f.Fuzz(func(t *testing.T, s string) {
		ents, err := parseMountinfo(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, e := range ents {
			if e.FSType == "" {
				t.Errorf("entry without a type: %+v", e)
			}
		}
	})
}
