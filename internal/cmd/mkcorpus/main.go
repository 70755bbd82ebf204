// Command mkcorpus writes generated drive contents for the demo, tests and
// benchmarks: go run ./internal/cmd/mkcorpus -kind demo -out DIR.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sluice-ot/sluice/internal/corpus"
)

func main() {
	kind := flag.String("kind", "demo", "what to write: demo")
	out := flag.String("out", "", "output `folder` (must not exist)")
	flag.Parse()
	if err := run(*kind, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkcorpus:", err)
		os.Exit(2)
	}
}

func run(kind, out string) error {
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
	}
	return fmt.Errorf("unknown -kind %q", kind)
}
