package yara

import (
	"bytes"
	"context"
	"runtime"
	"syscall"
	"testing"

	"github.com/sluice-ot/sluice/scanner"
)

// BenchmarkScanSmallObject measures libyara's fixed cost per scan with
// signature-base: a 4 KiB text object held in memory, as most archive
// members are. "compiled" scans with the rules straight from libyara's
// compiler, "reloaded" with the same rules saved and loaded back, which
// is what Compile returns; cpu-ns/op is the scanning thread's CPU time.
func BenchmarkScanSmallObject(b *testing.B) {
	srcs := loadSignatureBase(b)
	data := bytes.Repeat([]byte("the value of the config server user\n"), 4096/36)
	obj := &scanner.Object{Path: "a.zip/notes.txt", Name: "notes.txt", Ext: "txt", Data: data, Size: int64(len(data))}
	for _, bc := range []struct {
		name   string
		reload bool
	}{{"compiled", false}, {"reloaded", true}} {
		b.Run(bc.name, func(b *testing.B) {
			r, err := Compile(srcs)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			if !bc.reload {
				// Compile again, keeping the compiler's own rules.
				c, err := newCompiler()
				if err != nil {
					b.Fatal(err)
				}
				for i, src := range srcs {
					if _, msg := c.add(src, namespacesFor(srcs)[i]); msg != "" {
						b.Fatal(msg)
					}
				}
				yr, err := c.c.GetRules()
				c.destroy()
				if err != nil {
					b.Fatal(err)
				}
				r.rules.Destroy()
				r.rules = yr
			}
			e, err := NewEngine(r, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			start := threadCPU()
			for b.Loop() {
				if _, err := e.Scan(context.Background(), obj); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// threadCPU is the calling thread's CPU time in nanoseconds.
func threadCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
