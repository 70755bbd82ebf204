package engines

import (
	"context"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

// fileOnly hides that an engine can scan bytes held in memory, so the
// scanner hands it spool files only: the path every object took before.
type fileOnly struct{ scanner.Engine }

// The real YARA engine with the built-in rules gives the same verdicts
// and findings whether small files and members are scanned from memory
// or from files: EICAR bare, in a zip, nested three deep, in a .tar.gz,
// and a member too large to be held in memory.
func TestMemoryPathBlocksLikeFilePath(t *testing.T) {
	set, err := Load(Options{HashCache: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var cfg scanner.Config
	set.Configure(&cfg)

	big := make([]byte, 2<<20)
	if _, err := io.ReadFull(corpus.NewPseudorandomReader(3), big); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	files := []corpus.File{
		{Path: "eicar.com", Data: corpus.EICAR},
		{Path: "in.zip", Data: corpus.Zip(corpus.Member{Name: "e.txt", Data: corpus.EICAR})},
		{Path: "deep.zip", Data: corpus.NestZip("eicar.txt", corpus.EICAR, 3)},
		{Path: "t.tar.gz", Data: corpus.TarGz(corpus.Member{Name: "d/e.com", Data: corpus.EICAR})},
		{Path: "big.zip", Data: corpus.Zip(corpus.Member{Name: "big.bin", Data: append(big, corpus.EICAR...)})},
		{Path: "clean.txt", Data: []byte("nothing to see\n")},
	}
	if err := corpus.Write(root, files); err != nil {
		t.Fatal(err)
	}
	scan := func(e scanner.Engine) map[string]*scanner.Result {
		sc, err := scanner.New(scanner.Config{Engines: []scanner.Engine{e}, SpoolDir: t.TempDir(), Policy: filetype.DefaultPolicy()})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*scanner.Result{}
		if _, err := sc.Scan(context.Background(), []string{root}, func(r *scanner.Result, _ *os.File) error {
			got[r.Rel] = r
			return nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		return got
	}
	mem, file := scan(cfg.Engines[0]), scan(fileOnly{cfg.Engines[0]})
	for _, f := range files {
		m, fl := mem[f.Path], file[f.Path]
		if m == nil || fl == nil {
			t.Fatalf("%s: no result (memory %v, file %v)", f.Path, m, fl)
		}
		want := scanner.Infected
		switch f.Path {
		case "clean.txt":
			want = scanner.Clean
		case "big.zip":
			// The built-in EICAR rule wants the file alone, as AV
			// products do; the random bytes are of no allowed type.
			want = scanner.Blocked
		}
		if m.Verdict != want || fl.Verdict != want {
			t.Errorf("%s: verdict from memory %s, from files %s; want %s", f.Path, m.Verdict, fl.Verdict, want)
		}
		if got, want := m.Reasons, fl.Reasons; !slices.Equal(got, want) {
			t.Errorf("%s: reasons from memory %q, from files %q", f.Path, got, want)
		}
	}
}
