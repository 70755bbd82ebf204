package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/cmd/sluice/cli"
	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/internal/testenv"
)

// A destination too small for the clean files: the scan fails with exit 2
// and a message the admin can act on, and the destination holds no
// transfer and no staging folder afterwards.
func TestScanOutFullDestination(t *testing.T) {
	dest := testenv.LoopExt4(t, 8, "rw")
	dir := t.TempDir()
	var files []corpus.File
	for i := range 12 {
		files = append(files, corpus.File{Path: "big/" + string(rune('a'+i)) + ".txt", Data: bytes.Repeat([]byte("plant data line\n"), 64<<10)})
	}
	if err := corpus.Write(filepath.Join(dir, "drive"), files); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "station")
	var out, errb bytes.Buffer
	if code := cli.Main(context.Background(), []string{"keys", "generate", "--out", key}, &out, &errb); code != 0 {
		t.Fatalf("keys generate: %d %s", code, errb.String())
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out.Reset()
	errb.Reset()
	code := cli.Main(context.Background(), []string{"scan", "--spool", t.TempDir(), "--out", dest, "--key", key + ".key", filepath.Join(dir, "drive")}, &out, &errb)
	if code != cli.ExitFailed {
		t.Errorf("scan --out onto a full disk: exit %d, want %d; stdout %s", code, cli.ExitFailed, out.String())
	}
	if msg := errb.String(); !strings.Contains(msg, "destination is full") || strings.Count(strings.TrimSpace(msg), "\n") != 0 {
		t.Errorf("stderr = %q, want one line saying the destination is full", msg)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "lost+found" {
			t.Errorf("destination holds %s after a failed publish, want nothing", e.Name())
		}
	}
}
