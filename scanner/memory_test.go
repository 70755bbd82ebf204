package scanner_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

// dataNeedle is needleEngine reading the bytes held in memory when the
// scanner gives them, as the YARA engine does. It records which objects
// came in memory and fails any that came with neither bytes nor a file.
type dataNeedle struct{ needleEngine }

func (e *dataNeedle) ScansData() bool { return true }

func (e *dataNeedle) Scan(ctx context.Context, obj *scanner.Object) ([]scanner.Finding, error) {
	if obj.Data == nil {
		return e.needleEngine.Scan(ctx, obj)
	}
	e.mu.Lock()
	e.seen = append(e.seen, "mem:"+obj.Path)
	e.mu.Unlock()
	if int64(len(obj.Data)) != obj.Size {
		return nil, errors.New("data and size differ")
	}
	if bytes.Contains(obj.Data, e.needle) {
		return []scanner.Finding{{Engine: "needle", Rule: "Needle", Verdict: scanner.Infected}}, nil
	}
	return nil, nil
}

func pseudorandom(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(corpus.NewPseudorandomReader(7), b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Objects over the memory threshold (1 MiB) take the spool-file path,
// archive members that outgrow it mid-read included, and the bytes past
// the threshold are scanned like any others.
func TestLargeObjectsSpilledAndScanned(t *testing.T) {
	tail := func(n int) []byte { return append(pseudorandom(t, n), corpus.EICAR...) }
	root := writeFiles(t, map[string][]byte{
		"big.bin":      tail(3 << 20),
		"edge.bin":     tail(1<<20 - len(corpus.EICAR)), // exactly 1 MiB: in memory
		"members.zip":  corpus.Zip(corpus.Member{Name: "small.txt", Data: []byte("hello")}, corpus.Member{Name: "big.bin", Data: tail(2 << 20)}),
		"edge.zip":     corpus.Zip(corpus.Member{Name: "edge.bin", Data: tail(1<<20 - len(corpus.EICAR))}),
		"clean.tar.gz": corpus.TarGz(corpus.Member{Name: "big.bin", Data: pseudorandom(t, 3<<20)}),
	})
	for _, e := range []scanner.Engine{&needleEngine{needle: corpus.EICAR}, &dataNeedle{needleEngine{needle: corpus.EICAR}}} {
		policy := filetype.DefaultPolicy()
		policy.Allow = append(policy.Allow, filetype.Unknown) // the random bytes
		got, _ := scanTree(t, scanner.Config{Engines: []scanner.Engine{e}, Policy: policy}, root)
		want := map[string]scanner.Verdict{
			"big.bin": scanner.Infected, "edge.bin": scanner.Infected,
			"members.zip": scanner.Infected, "edge.zip": scanner.Infected, "clean.tar.gz": scanner.Clean,
		}
		for rel, v := range want {
			if r := got[rel]; r == nil || r.Verdict != v {
				t.Errorf("%T: %s = %+v, want %s", e, rel, r, v)
			}
		}
		if r := got["members.zip"]; r != nil && !hasMember(r, "big.bin") {
			t.Errorf("%T: members.zip findings = %+v, want Needle in big.bin", e, r.Findings)
		}
	}
}

func hasMember(r *scanner.Result, member string) bool {
	for _, f := range r.Findings {
		if f.Rule == "Needle" && f.Member == member {
			return true
		}
	}
	return false
}

// A data engine gets small files and members in memory, and large ones
// as spool files only.
func TestDataEngineGetsMemory(t *testing.T) {
	root := writeFiles(t, map[string][]byte{
		"small.txt": []byte("words\n"),
		"big.bin":   pseudorandom(t, 2<<20),
		"a.zip":     corpus.Zip(corpus.Member{Name: "in.txt", Data: []byte("inner\n")}),
	})
	e := &dataNeedle{needleEngine{needle: corpus.EICAR}}
	scanTree(t, scanner.Config{Engines: []scanner.Engine{e}}, root)
	seen := map[string]bool{}
	for _, p := range e.seen {
		seen[p] = true
	}
	for _, p := range []string{"mem:" + root + "/small.txt", "mem:" + root + "/a.zip", "mem:" + root + "/a.zip/in.txt", root + "/big.bin"} {
		if !seen[p] {
			t.Errorf("engine saw %v, want %s", e.seen, p)
		}
	}
}

// The copy the handler gets of a file held in memory cannot be changed,
// even through its own descriptor: it stays the bytes that were scanned.
func TestHandlerCopyIsSealed(t *testing.T) {
	root := writeFiles(t, map[string][]byte{"a.txt": []byte("alpha\n")})
	sc, err := scanner.New(scanner.Config{SpoolDir: t.TempDir(), Policy: filetype.DefaultPolicy(),
		Engines: []scanner.Engine{&dataNeedle{needleEngine{needle: corpus.EICAR}}}})
	must(t, err)
	var once sync.Once
	_, err = sc.Scan(context.Background(), []string{root}, func(r *scanner.Result, f *os.File) error {
		once.Do(func() {
			if f == nil {
				t.Fatalf("%s: no spool copy", r.Rel)
			}
			if _, err := f.WriteAt([]byte("X"), 0); err == nil {
				t.Errorf("%s: writing the handler's copy succeeded, want it sealed", r.Rel)
			}
			if err := f.Truncate(0); err == nil {
				t.Errorf("%s: truncating the handler's copy succeeded, want it sealed", r.Rel)
			}
			b, err := io.ReadAll(f)
			if err != nil || string(b) != "alpha\n" {
				t.Errorf("%s: copy = %q, %v; want %q", r.Rel, b, err, "alpha\n")
			}
		})
		return nil
	}, nil)
	must(t, err)
}
