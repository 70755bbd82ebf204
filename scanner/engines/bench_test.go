package engines

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

// BenchmarkPipelineSmallObjects scans 200 small files and a zip of 200
// small members through the whole pipeline with the real YARA engine and
// the built-in rules: "memory" is the default path (ScanMem), "memfd"
// hides that the engine scans memory, so that it gets a file in memory
// (memfd) for every object and maps it, as an engine that reads files
// only does. ns/object is the whole pipeline's cost per object.
func BenchmarkPipelineSmallObjects(b *testing.B) {
	set, err := Load(Options{HashCache: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer set.Close()
	var cfg scanner.Config
	set.Configure(&cfg)
	yara := cfg.Engines[0]

	root := b.TempDir()
	var files []corpus.File
	var members []corpus.Member
	for i := range 200 {
		data := []byte(fmt.Sprintf("line %d of a small log file\n", i))
		for len(data) < 4<<10 {
			data = append(data, data...)
		}
		files = append(files, corpus.File{Path: fmt.Sprintf("logs/%03d.log", i), Data: data})
		members = append(members, corpus.Member{Name: fmt.Sprintf("m/%03d.txt", i), Data: data})
	}
	files = append(files, corpus.File{Path: "bundle.zip", Data: corpus.Zip(members...)})
	if err := corpus.Write(root, files); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		e    scanner.Engine
	}{{"memory", yara}, {"memfd", fileOnly{yara}}} {
		b.Run(bc.name, func(b *testing.B) {
			sc, err := scanner.New(scanner.Config{Engines: []scanner.Engine{bc.e}, SpoolDir: b.TempDir(), Policy: filetype.DefaultPolicy()})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := sc.Scan(context.Background(), []string{root}, func(*scanner.Result, *os.File) error { return nil }, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/401, "ns/object")
		})
	}
}
