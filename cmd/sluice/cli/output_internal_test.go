package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/scanner"
)

func TestProgressText(t *testing.T) {
	s := scanner.Snapshot{FilesTotal: 40, FilesDone: 10, BytesTotal: 4_000_000, BytesDone: 1_000_000, Elapsed: 2 * time.Second, ETA: 6 * time.Second}
	got := progressText(s)
	want := "10/40 files  1.0 MB/4.0 MB  500.0 kB/s  5 files/s  ETA 6s"
	if got != want {
		t.Errorf("progressText(%+v) = %q, want %q", s, got, want)
	}
	if got := progressText(scanner.Snapshot{}); got != "0/0 files  0 B/0 B  0 B/s  0 files/s  ETA --" {
		t.Errorf("progressText(zero) = %q", got)
	}
}

// Off a terminal, no escape sequences reach stderr.
func TestProgressLineOffTerminal(t *testing.T) {
	var errb bytes.Buffer
	pl := startProgressLine(&errb, scanner.NewProgress(nil))
	if err := pl.write(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	pl.stop()
	if errb.Len() != 0 {
		t.Errorf("stderr = %q, want nothing when not a terminal", errb.String())
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain/name.txt":       "plain/name.txt",
		"invoice\u202efdp.exe": `"invoice\u202efdp.exe"`,
		"bell\a":               `"bell\a"`,
		"bad\xffutf8":          `"bad\xffutf8"`,
		"accents/résumé.pdf":   "accents/résumé.pdf",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}
