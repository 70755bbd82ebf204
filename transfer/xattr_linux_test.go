package transfer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"aead.dev/minisign"
	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// POSIX ACL xattr tags (linux/posix_acl_xattr.h) and the id of entries
// that name no user or group.
const (
	aclUserObj  = 0x01
	aclUser     = 0x02
	aclGroupObj = 0x04
	aclMask     = 0x10
	aclOther    = 0x20
	aclNoID     = 0xFFFFFFFF
)

type aclEntry struct {
	tag, perm uint16
	id        uint32
}

// aclXattr encodes an ACL as the kernel's system.posix_acl_* value:
// version 2, then tag, perm and id of each entry, little-endian.
func aclXattr(entries ...aclEntry) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(2))
	for _, e := range entries {
		binary.Write(&b, binary.LittleEndian, e)
	}
	return b.Bytes()
}

// extendedACL grants a named user rwx: an ACL that mode bits cannot
// express, so the kernel stores it as an xattr on every new child.
var extendedACL = aclXattr(
	aclEntry{aclUserObj, 7, aclNoID},
	aclEntry{aclUser, 7, 12345},
	aclEntry{aclGroupObj, 5, aclNoID},
	aclEntry{aclMask, 7, aclNoID},
	aclEntry{aclOther, 5, aclNoID},
)

// aclFS returns a directory on a filesystem with POSIX ACLs and user
// xattrs: t.TempDir() when its filesystem has them, else a loop-mounted
// ext4.
func aclFS(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	err := unix.Setxattr(base, "system.posix_acl_default", extendedACL, 0)
	if err == nil {
		must(t, unix.Removexattr(base, "system.posix_acl_default"))
		return base
	}
	if !errors.Is(err, unix.ENOTSUP) {
		t.Fatalf("set a default ACL on %s: %v", base, err)
	}
	t.Logf("%s has no POSIX ACLs (%v): using a loop-mounted ext4", base, err)
	return testenv.LoopExt4(t, 16, "rw")
}

func xattrNames(t *testing.T, path string) []string {
	t.Helper()
	n, err := unix.Llistxattr(path, nil)
	if err != nil {
		t.Fatalf("llistxattr %s: %v", path, err)
	}
	buf := make([]byte, n+256)
	n, err = unix.Llistxattr(path, buf)
	if err != nil {
		t.Fatalf("llistxattr %s: %v", path, err)
	}
	return splitNames(buf[:n])
}

// Whatever a default ACL on the destination makes new files inherit, no
// file or directory of a published transfer keeps an xattr: a Samba
// share could show one as an NTFS alternate data stream, and an ACL
// grants more than the 0644/0755 of the format.
func TestPublishedTransferHasNoXattrs(t *testing.T) {
	base := aclFS(t)
	dest, scratch := filepath.Join(base, "dest"), filepath.Join(base, "scratch")
	must(t, os.Mkdir(dest, 0o755))
	must(t, os.Mkdir(scratch, 0o755))
	must(t, unix.Setxattr(dest, "system.posix_acl_default", extendedACL, 0))
	probe := filepath.Join(dest, "probe")
	must(t, os.WriteFile(probe, nil, 0o644))
	if got := xattrNames(t, probe); !slices.Contains(got, "system.posix_acl_access") {
		t.Fatalf("a file created under the default ACL has xattrs %q, want it to inherit system.posix_acl_access", got)
	}
	must(t, os.Remove(probe))

	// The scanned copy handed to Add carries an xattr of its own.
	content := []byte("tagged source\n")
	src := filepath.Join(scratch, "tagged.txt")
	must(t, os.WriteFile(src, content, 0o644))
	must(t, unix.Setxattr(src, "user.test", []byte("from the drive"), 0))
	f, err := os.Open(src)
	must(t, err)
	defer f.Close()

	pub, priv := testKeys(t)
	s, err := Begin(dest, testOptions())
	must(t, err)
	t.Cleanup(func() { s.Abort() })
	for _, n := range sortedKeys(sampleFiles) {
		c := []byte(sampleFiles[n])
		if _, err := s.Add(n, bytes.NewReader(c), int64(len(c)), digest(c)); err != nil {
			t.Fatalf("Add(%q): %v", n, err)
		}
	}
	if _, err := s.Add("docs/tagged.txt", f, int64(len(content)), digest(content)); err != nil {
		t.Fatalf("Add(tagged.txt): %v", err)
	}
	final, err := s.Publish(priv, testInfo())
	must(t, err)

	checked := 0
	err = filepath.WalkDir(final, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		checked++
		for _, name := range xattrNames(t, p) {
			if strings.HasPrefix(name, "security.") {
				t.Logf("%s keeps %s (a security label is left when it cannot be removed)", p, name)
				continue
			}
			t.Errorf("%s has xattr %s", p, name)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o644)
		if d.IsDir() {
			want = os.ModeDir | 0o755
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode(), want)
		}
		return nil
	})
	must(t, err)
	// The root, .sluice and its two files, docs/, docs/deep/, and the files.
	if want := 1 + 3 + 2 + len(sampleFiles) + 1; checked != want {
		t.Errorf("checked %d paths, want %d", checked, want)
	}
	if _, problems, err := Verify(final, []minisign.PublicKey{pub}, VerifyOptions{Now: fixedNow}); err != nil || len(problems) != 0 {
		t.Errorf("Verify = %v, %v, want no problems", problems, err)
	}
}

// clearXattrs removes user, trusted and ACL attributes alike.
func TestClearXattrs(t *testing.T) {
	p := filepath.Join(aclFS(t), "f")
	must(t, os.WriteFile(p, []byte("x"), 0o644))
	set := map[string][]byte{
		"user.a":                  []byte("1"),
		"user.b":                  bytes.Repeat([]byte("v"), 300),
		"system.posix_acl_access": aclXattr(aclEntry{aclUserObj, 6, aclNoID}, aclEntry{aclUser, 6, 12345}, aclEntry{aclGroupObj, 4, aclNoID}, aclEntry{aclMask, 6, aclNoID}, aclEntry{aclOther, 4, aclNoID}),
	}
	if os.Geteuid() == 0 {
		set["trusted.sluice"] = []byte("t")
	}
	for name, v := range set {
		if err := unix.Setxattr(p, name, v, 0); err != nil {
			t.Fatalf("setxattr %s: %v", name, err)
		}
	}
	if got := xattrNames(t, p); len(got) != len(set) {
		t.Fatalf("before: xattrs %q, want %d", got, len(set))
	}
	f, err := os.Open(p)
	must(t, err)
	defer f.Close()
	if err := clearXattrs(f); err != nil {
		t.Fatalf("clearXattrs = %v", err)
	}
	if got := xattrNames(t, p); len(got) != 0 {
		t.Errorf("after clearXattrs: xattrs %q, want none", got)
	}
}
