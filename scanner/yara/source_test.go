package yara

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "b.yar", []byte("b"))
	writeFile(t, dir, "a/z.YARA", []byte("z"))
	writeFile(t, dir, "a/y.yar", []byte("y"))
	writeFile(t, dir, "notes.txt", []byte("not a rule"))
	outside := t.TempDir()
	writeFile(t, outside, "linked/l.yar", []byte("l"))
	writeFile(t, outside, "single.yar", []byte("s"))
	if err := os.Symlink(filepath.Join(outside, "linked"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "single.yar"), filepath.Join(dir, "c.yar")); err != nil {
		t.Fatal(err)
	}
	explicit := writeFile(t, outside, "explicit.rules", []byte("e"))

	srcs, err := LoadPaths([]string{dir, explicit})
	if err != nil {
		t.Fatalf("LoadPaths: %v", err)
	}
	var got []string
	for _, s := range srcs {
		got = append(got, s.Name+"="+string(s.Data))
		if !filepath.IsAbs(s.Path) {
			t.Errorf("LoadPaths: %s has Path %q, want absolute", s.Name, s.Path)
		}
	}
	want := []string{
		filepath.Join(dir, "a/y.yar") + "=y",
		filepath.Join(dir, "a/z.YARA") + "=z",
		filepath.Join(dir, "b.yar") + "=b",
		explicit + "=e",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadPaths (-want +got):\n%s", diff)
	}
}

func TestLoadPathsLinkedRoot(t *testing.T) {
	target := t.TempDir()
	writeFile(t, target, "sub/r.yar", []byte("r"))
	link := filepath.Join(t.TempDir(), "rules")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	srcs, err := LoadPaths([]string{link})
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 || srcs[0].Name != filepath.Join(link, "sub/r.yar") || string(srcs[0].Data) != "r" {
		t.Errorf("LoadPaths(link to dir) = %+v, want sub/r.yar under the link's name", srcs)
	}
}

func TestLoadPathsMissing(t *testing.T) {
	if _, err := LoadPaths([]string{filepath.Join(t.TempDir(), "nope")}); err == nil {
		t.Error("LoadPaths(missing) = nil error, want an error")
	}
}
