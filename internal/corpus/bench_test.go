package corpus

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree maps each regular file under root to its SHA-256 and totals sizes.
func tree(t *testing.T, root string) (map[string][32]byte, int64) {
	t.Helper()
	sums := map[string][32]byte{}
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sums[filepath.ToSlash(rel)] = sha256.Sum256(data)
		total += int64(len(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums, total
}

func TestWriteBench(t *testing.T) {
	const size, files = 4 << 20, 120
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir  string
		seed uint64
	}{{a, 7}, {b, 7}, {c, 8}} {
		if err := WriteBench(run.dir, size, files, run.seed); err != nil {
			t.Fatalf("WriteBench(seed %d) = %v", run.seed, err)
		}
	}
	sa, total := tree(t, a)
	if len(sa) != files {
		t.Errorf("WriteBench wrote %d files, want %d", len(sa), files)
	}
	if total < size/2 || total > size*3/2 {
		t.Errorf("WriteBench wrote %d bytes, want about %d", total, size)
	}
	sb, _ := tree(t, b)
	for name, sum := range sa {
		if sb[name] != sum {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	sc, _ := tree(t, c)
	same := 0
	for name, sum := range sa {
		if sc[name] == sum {
			same++
		}
	}
	if same > files/2 {
		t.Errorf("seeds 7 and 8 share %d of %d files, want a different corpus", same, files)
	}

	var eicars, zips, nested, dirs int
	for name := range sa {
		data, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(data, EICAR) {
			eicars++
		}
		if strings.Contains(name, "/") {
			dirs++
		}
		if strings.HasSuffix(name, ".zip") {
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Errorf("%s: not a zip: %v", name, err)
				continue
			}
			zips++
			for _, f := range zr.File {
				if strings.HasSuffix(f.Name, ".zip") {
					nested++
				}
				rc, err := f.Open()
				if err == nil {
					_, err = io.Copy(io.Discard, rc)
				}
				if err != nil {
					t.Errorf("%s: member %s: %v", name, f.Name, err)
				}
			}
		}
	}
	if eicars != 2 {
		t.Errorf("found %d bare EICAR files, want 2", eicars)
	}
	if zips < 3 || nested < 1 {
		t.Errorf("found %d zips, %d holding a zip; want at least 3 and 1", zips, nested)
	}
	if dirs < files/2 {
		t.Errorf("only %d of %d files are in folders", dirs, files)
	}
}

func TestPseudorandomReader(t *testing.T) {
	// Reads of any size give the same stream.
	whole := make([]byte, 1000)
	NewPseudorandomReader(3).Read(whole)
	r := NewPseudorandomReader(3)
	var pieces []byte
	for _, n := range []int{1, 3, 8, 5, 13, 970} {
		p := make([]byte, n)
		r.Read(p)
		pieces = append(pieces, p...)
	}
	if !bytes.Equal(whole, pieces) {
		t.Error("PseudorandomReader gives different bytes for different read sizes")
	}
}

func BenchmarkWriteBench(b *testing.B) {
	for b.Loop() {
		if err := WriteBench(b.TempDir(), 64<<20, 400, 1); err != nil {
			b.Fatal(err)
		}
	}
}
