package builtin

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/yara"
)

const benchSize = 64 << 20

func BenchmarkScanRandom(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, benchSize)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	benchScan(b, data)
}

func BenchmarkScanText(b *testing.B) {
	words := strings.Fields(`the function return value error config server user http:// www.
		string System var if else for cmd Windows data file .exe .dll password admin
		<div> { } ( ) ; = 0x00 1234 path \\ temp /Length /Type << >> obj endobj`)
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	for buf.Len() < benchSize {
		for j := 0; j < 12; j++ {
			buf.WriteString(words[rng.IntN(len(words))])
			buf.WriteByte(' ')
		}
		buf.WriteByte('\n')
	}
	benchScan(b, buf.Bytes()[:benchSize])
}

func benchScan(b *testing.B, data []byte) {
	e, err := yara.NewEngine(compile(b), yara.Options{Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	obj := spoolObject(b, "input.bin", data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := e.Scan(context.Background(), obj); err != nil {
			b.Fatal(err)
		}
	}
}

func spoolObject(t testing.TB, name string, data []byte) *scanner.Object {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &scanner.Object{Path: name, Name: name, File: f, SpoolPath: p, Size: int64(len(data))}
}

// TestAdversarialInputs feeds the rules files made of the tokens that
// start a match but never complete it. Rules that look a bounded window
// ahead of a token (PDF automatic actions: 256 bytes; PowerShell encoded
// commands: 200 bytes) cost that window per token: a file of nothing but
// such tokens is slow and may reach the timeout, which blocks it (fail
// closed); no real document holds them by the hundred thousand. Every
// other rule must stay linear, and no rule may fail in any other way.
func TestAdversarialInputs(t *testing.T) {
	e, err := yara.NewEngine(compile(t), yara.Options{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	const size = 1 << 20
	for _, tc := range []struct {
		unit     string
		windowed bool
	}{
		{"IEX ", false}, {"iex\n", false}, {"Net.WebClient ", false}, {"DownloadFile ", false},
		{"Start-Process ", false}, {"/JavaScrip ", false}, {"/J#61 ", false}, {"/Lengt ", false},
		{"/EmbeddedFil ", false}, {"\nC;X1;E ", false}, {"[autorun]\n", false},
		{"WScript.Shell ", false}, {"<job ", false}, {"ActiveMim ", false},
		{"\x85\x00\x0e\x00\x00\x00\x00\x00\x00\x01\x06\x00", false},
		{"/OpenAction << ", true}, {"/AA<<", true}, {"powershell ", true}, {"powershell -e ", true},
	} {
		data := []byte("%PDF-1.7\n" + strings.Repeat(tc.unit, size/len(tc.unit)))
		start := time.Now()
		_, err := e.Scan(context.Background(), spoolObject(t, "adversarial.txt", data))
		d := time.Since(start)
		t.Logf("%q × %d: %v, err %v", tc.unit, size/len(tc.unit), d.Round(time.Millisecond), err)
		switch {
		case err != nil && !(tc.windowed && errors.Is(err, yara.ErrTimeout)):
			t.Errorf("Scan(%q × %d) = %v", tc.unit, size/len(tc.unit), err)
		case !tc.windowed && d > 5*time.Second:
			t.Errorf("Scan(%q × %d) took %v, want linear time", tc.unit, size/len(tc.unit), d)
		}
	}
}
