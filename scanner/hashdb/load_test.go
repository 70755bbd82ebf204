package hashdb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cachedTable returns the one compiled table in dir.
func cachedTable(t *testing.T, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.table"))
	if err != nil || len(m) != 1 {
		t.Fatalf("cache %s holds tables %v (err %v), want one", dir, m, err)
	}
	return m[0]
}

func TestLoad(t *testing.T) {
	src := filepath.Join("testdata", "bad.txt")
	cache := filepath.Join(t.TempDir(), "cache")
	_, wantErrs, err := Parse(strings.NewReader(string(readTestdata(t, "bad.txt"))))
	if err != nil {
		t.Fatal(err)
	}

	l, errs, err := Load("block.txt", src, cache)
	if err != nil {
		t.Fatalf("Load(%s) error = %v, want nil", src, err)
	}
	if got := l.Name(); got != "block.txt" {
		t.Errorf("Name() = %q, want %q", got, "block.txt")
	}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("Load(%s) line errors mismatch (-want +got):\n%s", src, diff)
	}
	if label, ok := l.Lookup(SHA256, mustHex(t, eicarSHA256)); !ok || label != "good" {
		t.Errorf("Lookup(sha256, eicar) = %q, %t, want %q, true", label, ok, "good")
	}
	l.Close()
	table := cachedTable(t, cache)
	fi1, err := os.Stat(table)
	if err != nil {
		t.Fatal(err)
	}

	// A second Load reuses the table and still reports the line errors.
	l, errs, err = Load("block.txt", src, cache)
	if err != nil {
		t.Fatalf("second Load(%s) error = %v, want nil", src, err)
	}
	l.Close()
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("second Load(%s) line errors mismatch (-want +got):\n%s", src, diff)
	}
	fi2, err := os.Stat(table)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(fi1, fi2) {
		t.Errorf("second Load rewrote %s, want it reused", table)
	}

	// A damaged table is compiled afresh.
	b, err := os.ReadFile(table)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(table, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verify(table); err == nil {
		t.Fatalf("verify(damaged table) = nil, want an error")
	}
	l, _, err = Load("block.txt", src, cache)
	if err != nil {
		t.Fatalf("Load(%s) over a damaged table error = %v, want nil", src, err)
	}
	l.Close()
	if err := verify(table); err != nil {
		t.Errorf("verify(recompiled table) = %v, want nil", err)
	}

	// Lost line errors also make Load compile afresh.
	if err := os.Remove(strings.TrimSuffix(table, ".table") + ".rejects.json"); err != nil {
		t.Fatal(err)
	}
	l, errs, err = Load("block.txt", src, cache)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("Load without rejects file: line errors mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadNewSource(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "list.txt")
	cache := filepath.Join(dir, "cache")
	for i, content := range []string{eicarMD5 + ";one\n", eicarMD5 + ";two\n"} {
		if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		l, _, err := Load("list", src, cache)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"one", "two"}[i]
		if label, _ := l.Lookup(MD5, mustHex(t, eicarMD5)); label != want {
			t.Errorf("Load(version %d) Lookup label = %q, want %q", i+1, label, want)
		}
		l.Close()
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "*.table")); len(m) != 2 {
		t.Errorf("cache holds %d tables, want one per source version", len(m))
	}
}

func TestLoadMissing(t *testing.T) {
	_, _, err := Load("x", filepath.Join(t.TempDir(), "absent.txt"), t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "load hash list ") {
		t.Errorf("Load(absent) error = %v, want a load hash list error", err)
	}
}
