//go:build unix

package scanner

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A folder a killed scan left behind is removed; a live scan's is not.
func TestCleanSpool(t *testing.T) {
	parent := t.TempDir()
	stale := filepath.Join(parent, spoolPrefix+"dead")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "obj-1"), []byte("untrusted copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	live, release, err := openSpoolDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(parent, "not-a-spool")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	removed, err := CleanSpool(parent)
	if err != nil || !slices.Equal(removed, []string{stale}) {
		t.Errorf("CleanSpool = %v, %v; want only %s", removed, err, stale)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
	release()
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("a finished scan's folder remains: %v", err)
	}
}
