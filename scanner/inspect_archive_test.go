package scanner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner"
)

// seed reads one of the hostile archives that package archive builds
// byte by byte and keeps as fuzz seeds.
func seed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("archive", "testdata", "seeds", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Archives that extractors would read otherwise than the station, or that
// would make it allocate without bound, end blocked with the rule and
// reason named, and none of their members passed unscanned.
func TestRefusedArchives(t *testing.T) {
	// Two zips back to back, the first holding EICAR deflated, so that
	// nothing of it shows in the raw bytes: archive/zip, which reads the
	// directory at the end, sees only the second.
	concat := append(corpus.Zip(corpus.Member{Name: "tool.com", Data: corpus.EICAR}), corpus.Zip(corpus.Member{Name: "notes.txt", Data: []byte("notes")})...)
	root := writeFiles(t, map[string][]byte{
		"concat.zip":     concat,
		"overlap.zip":    seed(t, "zip-hostile-overlap-same"),
		"renamed.zip":    seed(t, "zip-hostile-mismatch-name"),
		"inflated.zip":   seed(t, "zip-hostile-deflate-short"),
		"log.txt.xz":     seed(t, "xz-hostile-dict-1.5GiB"),
		"nested.zip":     corpus.Zip(corpus.Member{Name: "inner.zip", Data: seed(t, "zip-hostile-hidden-blob")}),
		"photo.jpg":      append(corpus.JPEG(8, 8), concat...),
		"appended.jpg":   append(corpus.JPEG(8, 8), corpus.Zip(corpus.Member{Name: "notes.txt", Data: []byte("notes")})...),
		"plain-copy.zip": corpus.Zip(corpus.Member{Name: "notes.txt", Data: []byte("notes")}),
	})
	got, _ := scanTree(t, scanner.Config{}, root)
	for rel, want := range map[string]struct {
		rule, reason string
	}{
		"concat.zip":   {"hidden-data", "zip holds data its directory does not list"},
		"overlap.zip":  {"overlapping-members", "zip members overlap"},
		"renamed.zip":  {"header-mismatch", `named "setup.exe" in its local header`},
		"inflated.zip": {"hidden-data", `member "a.txt": zip holds data its directory does not list: its deflate stream ends before its compressed size`},
		"log.txt.xz":   {"dictionary-limit", "needs a 1536 MiB dictionary, more than 64 MiB"},
		"nested.zip":   {"hidden-data", "200 bytes at offset"},
		"photo.jpg":    {"hidden-data", "before its first listed member"},
	} {
		r := got[rel]
		// Infected is worse and stays so: a payload seen in the raw bytes.
		if r == nil || r.Verdict != scanner.Blocked && r.Verdict != scanner.Infected || !hasRule(r, "archive", want.rule) {
			t.Errorf("%s = %v, want blocked by archive/%s", rel, r, want.rule)
			continue
		}
		for _, f := range r.Findings {
			if f.Rule == want.rule && !strings.Contains(f.Detail, want.reason) {
				t.Errorf("%s: %s detail = %q, want it to say %q", rel, f.Rule, f.Detail, want.reason)
			}
		}
	}
	// An appended zip with nothing hidden is still walked, and a plain one
	// is clean.
	for _, rel := range []string{"appended.jpg", "plain-copy.zip"} {
		if r := got[rel]; r == nil || r.Verdict != scanner.Clean {
			t.Errorf("%s = %v, want clean", rel, r)
		}
	}
}
