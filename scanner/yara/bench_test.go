package yara

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/scanner"

	"github.com/sluice-ot/sluice/internal/testenv"
)

func loadSignatureBase(b *testing.B) []Source {
	b.Helper()
	srcs, err := LoadPaths([]string{testenv.SharedPath(b, "rulesets/signature-base/yara")})
	if err != nil {
		b.Fatal(err)
	}
	return srcs
}

func BenchmarkCompileSignatureBase(b *testing.B) {
	srcs := loadSignatureBase(b)
	for b.Loop() {
		r, err := Compile(srcs)
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

const benchSize = 64 << 20

func BenchmarkScanSignatureBaseRandom(b *testing.B) {
	benchScan(b, func(w *bufio.Writer, rng *rand.Rand) {
		buf := make([]byte, 1<<16)
		for n := 0; n < benchSize; n += len(buf) {
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			w.Write(buf)
		}
	})
}

// The text-like input is lines of words, numbers and punctuation, the
// shape of logs, source code and configuration files: printable ASCII
// hits far more atoms than random bytes do.
func BenchmarkScanSignatureBaseText(b *testing.B) {
	words := []string{
		"the", "function", "return", "value", "error", "config", "server", "user",
		"http://", "www.", "string", "System", "var", "if", "else", "for", "cmd",
		"Windows", "data", "file", ".exe", ".dll", "password", "admin", "<div>",
		"{", "}", "(", ")", ";", "=", "0x00", "1234", "path", "\\\\", "temp",
	}
	benchScan(b, func(w *bufio.Writer, rng *rand.Rand) {
		n := 0
		for n < benchSize {
			for j := 0; j < 12; j++ {
				s := words[rng.IntN(len(words))]
				k, _ := w.WriteString(s)
				w.WriteByte(' ')
				n += k + 1
			}
			w.WriteByte('\n')
			n++
		}
	})
}

func benchScan(b *testing.B, fill func(*bufio.Writer, *rand.Rand)) {
	r, err := Compile(loadSignatureBase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	e, err := NewEngine(r, Options{Timeout: 10 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()

	p := filepath.Join(b.TempDir(), "input")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fill(w, rand.New(rand.NewPCG(1, 2)))
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	f, err = os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	obj := &scanner.Object{Path: "input", Name: "input", File: f, SpoolPath: p, Size: fi.Size()}

	b.SetBytes(fi.Size())
	for b.Loop() {
		if _, err := e.Scan(context.Background(), obj); err != nil {
			b.Fatal(err)
		}
	}
}
