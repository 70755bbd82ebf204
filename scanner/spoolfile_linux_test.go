package scanner_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

// Spool copies have no name while they exist: nothing else on the station
// can open a suspect file from the spool, and a crash leaves none behind.
func TestSpoolCopiesAreUnnamed(t *testing.T) {
	root := writeFiles(t, map[string][]byte{"a.txt": []byte("alpha"), "b.txt": []byte("beta")})
	spool := t.TempDir()
	sc, err := scanner.New(scanner.Config{SpoolDir: spool, Policy: filetype.DefaultPolicy()})
	must(t, err)
	seen := 0
	_, err = sc.Scan(context.Background(), []string{root}, func(r *scanner.Result, f *os.File) error {
		seen++
		names, err := filepath.Glob(filepath.Join(spool, "*", "*"))
		if err != nil {
			return err
		}
		if len(names) != 0 {
			t.Errorf("while %s is spooled, the spool holds named files %v", r.Rel, names)
		}
		if f == nil {
			t.Errorf("%s: no spool copy given to the handler", r.Rel)
		}
		return nil
	}, nil)
	must(t, err)
	if seen != 2 {
		t.Errorf("handler saw %d results, want 2", seen)
	}
}
