package archive_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/scanner/archive"
)

// Zips and xz files from the system's tools pass the layout and
// dictionary checks: streamed zips with data descriptors and zip64 end
// records, 7-Zip's and the JDK's zips, a zip made self-extracting, and xz
// split into blocks.
func TestToolArchivesWalk(t *testing.T) {
	testenv.Tools(t, "zip", "7z", "jar", "xz")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "d"), 0o755))
	text := strings.Repeat("line of plant notes\n", 5000)
	must(os.WriteFile(filepath.Join(src, "notes.txt"), []byte(text), 0o644))
	must(os.WriteFile(filepath.Join(src, "d", "b.txt"), []byte("beta"), 0o644))
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("zip", "-qr", "../info.zip", ".")
	run("zip", "-q0r", "../stored.zip", ".")
	run("sh", "-c", "zip -q -fd - notes.txt d/b.txt > ../streamed.zip")
	run("7z", "a", "-bd", "-tzip", "../7z.zip", ".")
	run("jar", "cf", "../j.jar", ".")
	run("sh", "-c", "head -c 3000 /dev/zero | tr '\\0' 'x' > ../sfx.zip && cat ../info.zip >> ../sfx.zip && zip -qA ../sfx.zip")
	run("sh", "-c", "xz -T2 --block-size=20000 -c notes.txt > ../blocks.xz && xz -9e -c notes.txt > ../e.xz && cat ../e.xz ../blocks.xz > ../two.xz")
	for _, name := range []string{"info.zip", "stored.zip", "streamed.zip", "7z.zip", "j.jar", "sfx.zip", "blocks.xz", "e.xz", "two.xz"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		must(err)
		format := "zip"
		if strings.HasSuffix(name, ".xz") {
			format = "xz"
		}
		got, err := walkMem(format, data, archive.Limits{})
		found := false
		for _, s := range got {
			found = found || strings.Contains(s.data, "line of plant notes")
		}
		if err != nil || !found {
			t.Errorf("Walk(%s) = %d members, %v; want the notes among them", name, len(got), err)
		}
	}
}
