package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/cmd/sluice/cli"
	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner"
)

type line struct {
	scanner.Result
	Summary *struct {
		Files  int            `json:"files"`
		Counts scanner.Counts `json:"counts"`
	} `json:"summary"`
}

// runJSON runs `sluice scan --json args...` in-process and decodes its lines.
func runJSON(t *testing.T, args ...string) (map[string]line, line, int) {
	t.Helper()
	var out, errb bytes.Buffer
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code := cli.Main(context.Background(), append([]string{"scan", "--json", "--spool", t.TempDir()}, args...), &out, &errb)
	if code == cli.ExitFailed {
		t.Fatalf("sluice scan %v: exit 2: %s", args, errb.String())
	}
	got := map[string]line{}
	var sum line
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		if l.Summary != nil {
			sum = l
			continue
		}
		if _, dup := got[l.Path]; dup {
			t.Errorf("%s reported twice", l.Path)
		}
		got[l.Path] = l
	}
	if sum.Summary == nil {
		t.Fatalf("no summary line in output")
	}
	return got, sum, code
}

// TestScanHostileCorpus runs the real CLI, with real libyara and the
// built-in rules, over a drive an attacker crafted.
func TestScanHostileCorpus(t *testing.T) {
	root := t.TempDir()
	eicar := corpus.EICAR
	blockedBytes := []byte("this exact text is on the blocklist\n")
	files := []corpus.File{
		{Path: "depth1.zip", Data: corpus.Zip(corpus.Member{Name: "eicar.txt", Data: eicar}), Verdict: "infected"},
		{Path: "depth3.zip", Data: corpus.NestZip("eicar.txt", eicar, 3), Verdict: "infected"},
		{Path: "depth5.zip", Data: corpus.NestZip("eicar.txt", eicar, 5), Verdict: "infected"},
		{Path: "depth7.zip", Data: corpus.NestZip("eicar.txt", eicar, 7), Verdict: "blocked"}, // past the depth limit: not clean
		{Path: "e.tar.gz", Data: corpus.TarGz(corpus.Member{Name: "x/eicar.txt", Data: eicar}), Verdict: "infected"},
		{Path: "e-in-zip.tar.gz", Data: corpus.TarGz(corpus.Member{Name: "inner.zip", Data: corpus.NestZip("eicar.txt", eicar, 2)}), Verdict: "infected"},
		{Path: "zipslip.zip", Data: corpus.Zip(corpus.Member{Name: "../../../etc/cron.d/evil", Data: []byte("* * * * * root id\n")}), Verdict: "blocked"},
		{Path: "winslip.zip", Data: corpus.Zip(corpus.Member{Name: `..\..\Windows\System32\evil.txt`, Data: []byte("x")}), Verdict: "blocked"},
		{Path: "secret.zip", Data: corpus.EncryptedZip("plans.pdf", 2048), Verdict: "blocked"},
		{Path: "bomb.zip", Data: corpus.ZipBomb(64 << 20), Verdict: "blocked"},
		{Path: "invoice.pdf", Data: corpus.PE(), Verdict: "blocked"},
		{Path: "photo.jpg", Data: append([]byte("#!/bin/sh\nrm -rf /\n"), corpus.JPEG(8, 8)...), Verdict: "blocked"},
		{Path: "list.txt", Data: blockedBytes, Verdict: "infected"},
		{Path: "report.pdf", Data: corpus.PDF("fine"), Verdict: "clean"},
	}
	for i := range 10_000 {
		files = append(files, corpus.File{
			Path:    fmt.Sprintf("tree/d%02d/f%04d.txt", i%50, i),
			Data:    []byte(fmt.Sprintf("record %d\n", i)),
			Verdict: "clean",
		})
	}
	if err := corpus.Write(root, files); err != nil {
		t.Fatal(err)
	}
	// A symlink loop and a link out of the drive: reported, never followed.
	if err := os.Symlink("..", filepath.Join(root, "tree", "d00", "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/shadow", filepath.Join(root, "shadow")); err != nil {
		t.Fatal(err)
	}
	files = append(files, corpus.File{Path: "tree/d00/loop", Verdict: "blocked"}, corpus.File{Path: "shadow", Verdict: "blocked"})
	list := filepath.Join(t.TempDir(), "block.txt")
	if err := os.WriteFile(list, corpus.Blocklist("test entry", blockedBytes), 0o644); err != nil {
		t.Fatal(err)
	}

	got, sum, code := runJSON(t, "--block-hashes", list, root)
	if code != cli.ExitFindings {
		t.Errorf("exit status = %d, want %d", code, cli.ExitFindings)
	}
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		l, ok := got[p]
		if !ok {
			t.Errorf("%s: no result", f.Path)
			continue
		}
		if string(l.Verdict) != f.Verdict {
			t.Errorf("%s: verdict = %s %v, want %s", f.Path, l.Verdict, l.Reasons, f.Verdict)
		}
	}
	if len(got) != len(files) {
		t.Errorf("got %d results, want %d (one per entry, nothing twice, nothing through links)", len(got), len(files))
	}
	if sum.Summary.Files != len(files) || sum.Summary.Counts.Clean != 10_001 {
		t.Errorf("summary = %+v, want %d files, 10001 clean", sum.Summary, len(files))
	}
	// Reasons name what happened, for the report.
	for path, want := range map[string]string{
		"depth5.zip":  "level-5.zip/eicar.txt",
		"depth7.zip":  "depth-limit",
		"zipslip.zip": "parent directory reference",
		"secret.zip":  "encrypted",
		"bomb.zip":    "ratio-limit",
		"invoice.pdf": "disguised",
		"photo.jpg":   "disguised",
		"list.txt":    "test entry",
	} {
		reasons := strings.Join(got[filepath.Join(root, path)].Reasons, "; ")
		if !strings.Contains(reasons, want) {
			t.Errorf("%s: reasons %q do not mention %q", path, reasons, want)
		}
	}
}
