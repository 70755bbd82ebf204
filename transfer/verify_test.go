package transfer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"
)

// Each tampering is caught, by its own kind of problem.
func TestVerifyTampering(t *testing.T) {
	pub, priv := testKeys(t)
	_, otherPriv := testKeys(t)
	rotatedPub, _ := testKeys(t)
	files := map[string]string{"a.txt": "alpha", "docs/b.txt": "bravo", "docs/c.txt": "charlie"}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, root string)
		want   string
	}{
		{"untouched", func(*testing.T, string) {}, ""},
		{"byte changed", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "docs/b.txt"), "brAvo")
		}, "changed-file docs/b.txt"},
		{"truncated", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "a.txt"), "alph")
		}, "size-mismatch a.txt"},
		{"file added", func(t *testing.T, root string) {
			write(t, filepath.Join(root, "docs/evil.exe"), "MZ")
		}, "extra-file docs/evil.exe"},
		{"file removed", func(t *testing.T, root string) {
			must(t, os.Remove(filepath.Join(root, "a.txt")))
		}, "missing-file a.txt"},
		{"file renamed", func(t *testing.T, root string) {
			must(t, os.Rename(filepath.Join(root, "a.txt"), filepath.Join(root, "a.txt.exe")))
		}, "missing-file a.txt; extra-file a.txt.exe"},
		{"manifest edited", func(t *testing.T, root string) {
			p := filepath.Join(root, ManifestPath)
			data, _ := os.ReadFile(p)
			write(t, p, strings.Replace(string(data), `"operator": "jdoe"`, `"operator": "eve"`, 1))
		}, "bad-signature .sluice/manifest.json.minisig"},
		{"manifest broken", func(t *testing.T, root string) {
			write(t, filepath.Join(root, ManifestPath), "{")
		}, "malformed-manifest .sluice/manifest.json; bad-signature .sluice/manifest.json.minisig"},
		{"manifest removed", func(t *testing.T, root string) {
			must(t, os.Remove(filepath.Join(root, ManifestPath)))
		}, "missing-manifest .sluice/manifest.json"},
		{"signature removed", func(t *testing.T, root string) {
			must(t, os.Remove(filepath.Join(root, SignaturePath)))
		}, "unsigned .sluice/manifest.json.minisig"},
		{"signature garbage", func(t *testing.T, root string) {
			write(t, filepath.Join(root, SignaturePath), "untrusted comment: x\nnot base64\n")
		}, "bad-signature .sluice/manifest.json.minisig"},
		{"untrusted key", func(t *testing.T, root string) {
			data, _ := os.ReadFile(filepath.Join(root, ManifestPath))
			m, _ := ParseManifest(data)
			sig := minisign.SignWithComments(otherPriv, data, TrustedComment(m), "")
			write(t, filepath.Join(root, SignaturePath), string(sig))
		}, "untrusted-key .sluice/manifest.json.minisig"},
		{"comment of another transfer", func(t *testing.T, root string) {
			data, _ := os.ReadFile(filepath.Join(root, ManifestPath))
			sig := minisign.SignWithComments(priv, data, "transfer:20261126T093000Z-99999999 station:gate-1", "")
			write(t, filepath.Join(root, SignaturePath), string(sig))
		}, "comment-mismatch .sluice/manifest.json.minisig"},
		{"symlink planted", func(t *testing.T, root string) {
			must(t, os.Symlink("/etc/passwd", filepath.Join(root, "docs/passwd")))
		}, "symlink docs/passwd"},
		{"file replaced by a symlink", func(t *testing.T, root string) {
			p := filepath.Join(root, "docs/c.txt")
			must(t, os.Rename(p, filepath.Join(t.TempDir(), "c.txt")))
			write(t, filepath.Join(root, "elsewhere"), "charlie")
			must(t, os.Symlink("../elsewhere", p))
		}, "symlink docs/c.txt; extra-file elsewhere"},
		{"directory replaced by a symlink", func(t *testing.T, root string) {
			other := t.TempDir()
			must(t, os.Rename(filepath.Join(root, "docs"), filepath.Join(other, "docs")))
			must(t, os.Symlink(filepath.Join(other, "docs"), filepath.Join(root, "docs")))
		}, "symlink docs; missing-file docs/b.txt; missing-file docs/c.txt"},
		{"file replaced by a directory", func(t *testing.T, root string) {
			must(t, os.Remove(filepath.Join(root, "a.txt")))
			must(t, os.Mkdir(filepath.Join(root, "a.txt"), 0o755))
		}, "not-regular a.txt"},
		{"extra empty directory", func(t *testing.T, root string) {
			must(t, os.Mkdir(filepath.Join(root, "docs/empty"), 0o755))
		}, "extra-dir docs/empty"},
		{"extra file in .sluice", func(t *testing.T, root string) {
			write(t, filepath.Join(root, metaDir, "autorun.inf"), "x")
		}, "extra-file .sluice/autorun.inf"},
		{"fifo planted", func(t *testing.T, root string) {
			if err := mkfifo(filepath.Join(root, "docs/pipe")); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "extra-file docs/pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := publish(t, t.TempDir(), priv, sortedKeys(files), files)
			tc.tamper(t, root)
			m, problems, err := Verify(root, []minisign.PublicKey{rotatedPub, pub}, VerifyOptions{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if got := problemKinds(problems); got != tc.want {
				t.Errorf("Verify problems = %q, want %q\n%v", got, tc.want, problems)
			}
			if m == nil && !strings.Contains(tc.want, "-manifest ") {
				t.Error("Verify returned no manifest")
			}
		})
	}
}

// A drive root holding .sluice/ is checked the same way as a transfer
// directory; a root that is not a directory cannot be checked at all.
func TestVerifyRoots(t *testing.T) {
	pub, priv := testKeys(t)
	root := publish(t, t.TempDir(), priv, []string{"a"}, map[string]string{"a": "x"})
	link := filepath.Join(t.TempDir(), "link")
	must(t, os.Symlink(root, link))
	if _, _, err := Verify(link, []minisign.PublicKey{pub}, VerifyOptions{}); err == nil {
		t.Error("Verify(symlink root) succeeded")
	}
	if _, _, err := Verify(filepath.Join(root, "a"), []minisign.PublicKey{pub}, VerifyOptions{}); err == nil {
		t.Error("Verify(file) succeeded")
	}
	if _, _, err := Verify(filepath.Join(root, "missing"), []minisign.PublicKey{pub}, VerifyOptions{}); err == nil {
		t.Error("Verify(missing) succeeded")
	}
	empty := t.TempDir()
	_, problems, err := Verify(empty, []minisign.PublicKey{pub}, VerifyOptions{})
	if err != nil || problemKinds(problems) != "missing-manifest .sluice/manifest.json; unsigned .sluice/manifest.json.minisig" {
		t.Errorf("Verify(empty dir) = %q, %v", problemKinds(problems), err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
