// Command mkcorpus writes generated drive contents for the demo, tests and
// benchmarks: go run ./internal/cmd/mkcorpus -kind demo -out DIR, or
// -kind bench [-size BYTES] [-files N] [-seed N] -out DIR.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/sluice-ot/sluice/internal/corpus"
)

func main() {
	kind := flag.String("kind", "demo", "what to write: demo or bench")
	out := flag.String("out", "", "output `folder` (must not exist)")
	size := flag.Int64("size", corpus.BenchBytes, "bench: about this many `bytes` in all")
	files := flag.Int("files", corpus.BenchFiles, "bench: this many files")
	seed := flag.Uint64("seed", 1, "bench: generator seed")
	flag.Parse()
	if err := run(*kind, *out, benchArgs{*size, *files, *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "mkcorpus:", err)
		os.Exit(2)
	}
}

type benchArgs struct {
	size  int64
	files int
	seed  uint64
}

func run(kind, out string, b benchArgs) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists; remove it first", out)
	}
	switch kind {
	case "demo":
		if err := corpus.WriteDemo(out); err != nil {
			return err
		}
		fmt.Printf("demo drive written to %s/drive; what the station must decide:\n%s", out, corpus.Describe(corpus.DemoDrive()))
		return nil
	case "bench":
		start := time.Now()
		if err := corpus.WriteBench(out, b.size, b.files, b.seed); err != nil {
			return err
		}
		var n, bytes int64
		err := filepath.WalkDir(out, func(_ string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			fi, err := d.Info()
			if err == nil {
				n++
				bytes += fi.Size()
			}
			return err
		})
		if err != nil {
			return err
		}
		fmt.Printf("bench corpus written to %s: %d files, %d bytes, in %s\n", out, n, bytes, time.Since(start).Round(time.Millisecond))
		return nil
	}
	return fmt.Errorf("unknown -kind %q", kind)
}
